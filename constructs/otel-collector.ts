import { Container } from "@cdktf/provider-docker/lib/container";
import { Construct } from "constructs";
import { EventMetric, KEPT_ATTRIBUTES } from "../telemetry/catalog";
import { memoryLimiterSettings, metricsEndpoints, renderCollectorConfig, teamEndpointName } from "../renderers/collector-config";
import { CollectorTarget } from "../renderers/prometheus-config";
import { PinnedImage } from "./pinned-image";
import { ServiceProps, networkAttachment } from "./service-props";
import { TeamTokens } from "./team-tokens";

export interface OtelCollectorProps extends ServiceProps {
  /** Host port of the OTLP gRPC receiver. */
  readonly otlpGrpcPort: number;
  /** Host port of the OTLP HTTP receiver. */
  readonly otlpHttpPort: number;
  /** Resource attributes copied onto data points, so they become labels. */
  readonly teamAttributeKeys: readonly string[];
  /** How long the delta-to-cumulative state of an idle series is kept (Go duration). */
  readonly deltaMaxStale: string;
  /** How long the exporter serves a series with no update (Go duration). */
  readonly metricExpiration: string;
  /** The container's memory limit, in MiB; the memory limiter refuses data before it is reached (see memoryLimiterSettings). */
  readonly memoryLimitMiB: number;
  /**
   * Team mode: OTLP requires one of these teams' tokens, and the team
   * attribute comes from the token.
   * @default - no authentication (the laptop stack)
   */
  readonly teamTokens?: TeamTokens;
  /**
   * TLS for both OTLP endpoints: the PEM certificate (chain) and key, as
   * Terraform values (the key sensitive).
   * @default - plain text
   */
  readonly tls?: { readonly certificate: string; readonly key: string };
}

/** Ports inside the Collector container. */
export const CollectorPorts = { otlpGrpc: 4317, otlpHttp: 4318, metrics: 8889, telemetry: 8888 } as const;

const CONFIG_PATH = "/etc/otelcol-contrib/config.yaml";
/** Team mode: the tokens, and the second configuration file that maps them to teams. */
const TOKEN_FILE_PATH = "/etc/otelcol-contrib/team-tokens";
const TEAM_MAPPING_PATH = "/etc/otelcol-contrib/team-from-token.yaml";
const TLS_PATHS = { certFile: "/etc/otelcol-contrib/tls/cert.pem", keyFile: "/etc/otelcol-contrib/tls/key.pem" };

/**
 * OpenTelemetry Collector that receives OTLP from Claude Code and serves
 * cumulative counters on a Prometheus endpoint inside the network. The image has
 * no shell or HTTP client, so Docker cannot run a healthcheck inside it:
 * Prometheus's scrape of it (`up`, the targets page) is its health.
 */
export class OtelCollector extends Construct {
  readonly container: Container;
  /** What Prometheus scrapes: one endpoint, or one per team in team mode. */
  readonly metricsTargets: readonly CollectorTarget[];
  /** The rendered config.yaml uploaded into the container. */
  readonly configYaml: string;
  /** The Collector's own metrics endpoint (host:port inside the network). */
  readonly telemetryAddress: string;

  constructor(scope: Construct, id: string, props: OtelCollectorProps) {
    super(scope, id);
    if (props.otlpGrpcPort === props.otlpHttpPort) {
      throw new Error(`\`otlpGrpcPort\` and \`otlpHttpPort\` must differ, both are ${props.otlpGrpcPort}`);
    }

    const teams = props.teamTokens ? Object.keys(props.teamTokens.tokens) : undefined;
    this.configYaml = renderCollectorConfig({
      otlpGrpcPort: CollectorPorts.otlpGrpc,
      otlpHttpPort: CollectorPorts.otlpHttp,
      metricsPort: CollectorPorts.metrics,
      telemetryPort: CollectorPorts.telemetry,
      teamAttributeKeys: props.teamAttributeKeys,
      keptAttributeKeys: KEPT_ATTRIBUTES,
      deltaMaxStale: props.deltaMaxStale,
      metricExpiration: props.metricExpiration,
      containerMemoryMiB: props.memoryLimitMiB,
      eventMetrics: Object.values(EventMetric),
      teamMode: props.teamTokens && teams ? { tokenFile: TOKEN_FILE_PATH, teamAttribute: props.teamTokens.teamAttribute, teams } : undefined,
      tls: props.tls ? TLS_PATHS : undefined,
    });
    const tlsFiles = props.tls
      ? [
          { file: TLS_PATHS.certFile, content: props.tls.certificate },
          { file: TLS_PATHS.keyFile, content: props.tls.key },
        ]
      : [];
    const teamFiles = props.teamTokens
      ? [
          { file: TOKEN_FILE_PATH, content: props.teamTokens.tokenFile },
          { file: TEAM_MAPPING_PATH, content: props.teamTokens.mappingYaml },
        ]
      : [];
    const image = new PinnedImage(this, "image", { name: props.image });

    this.container = new Container(this, "container", {
      name: props.containerName,
      image: image.imageId,
      restart: "unless-stopped",
      // The Collector merges the second file into the first.
      command: [`--config=${CONFIG_PATH}`, ...(props.teamTokens ? [`--config=${TEAM_MAPPING_PATH}`] : [])],
      memory: props.memoryLimitMiB,
      // No swap on top (Docker would allow as much again, and record it, so every plan would show a change).
      memorySwap: props.memoryLimitMiB,
      // The Go runtime collects garbage harder as the heap nears the memory limiter's limit.
      env: [`GOMEMLIMIT=${memoryLimiterSettings(props.memoryLimitMiB).limit_mib}MiB`],
      networksAdvanced: networkAttachment(props),
      ports: [
        { internal: CollectorPorts.otlpGrpc, external: props.otlpGrpcPort, ip: props.bindAddress },
        { internal: CollectorPorts.otlpHttp, external: props.otlpHttpPort, ip: props.bindAddress },
      ],
      upload: [{ file: CONFIG_PATH, content: this.configYaml }, ...teamFiles, ...tlsFiles],
    });
    this.telemetryAddress = `${props.containerName}:${CollectorPorts.telemetry}`;
    // A team's exporter is scraped as an instance named for the team, whatever its port.
    this.metricsTargets = metricsEndpoints(CollectorPorts.metrics, teams).map(({ port, team }) => ({
      address: `${props.containerName}:${port}`,
      instance: team === undefined ? undefined : teamEndpointName(team),
    }));
  }
}
