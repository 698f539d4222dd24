import { Container } from "@cdktf/provider-docker/lib/container";
import { Volume } from "@cdktf/provider-docker/lib/volume";
import { Construct } from "constructs";
import { prometheusFlags, renderPrometheusConfig } from "../renderers/prometheus-config";
import { RULES_FILE, renderRecordingRules } from "../renderers/recording-rules";
import { PinnedImage } from "./pinned-image";
import { ServiceProps, networkAttachment } from "./service-props";

export interface PrometheusServerProps extends ServiceProps {
  /** Named volume that holds the TSDB; it outlives the container. */
  readonly dataVolume: Volume;
  /** Host port of the web UI and API. */
  readonly port: number;
  /** host:port of the Collector's metrics endpoint. */
  readonly scrapeTarget: string;
  /** Scrape interval (Prometheus duration). */
  readonly scrapeInterval: string;
  /** Interval of the recording rules the dashboards read (Prometheus duration). */
  readonly ruleInterval: string;
  /** Retention time (Prometheus duration). */
  readonly retentionTime: string;
  /** Retention size such as 10GB; empty for none. */
  readonly retentionSize: string;
}

const WEB_PORT = 9090;
const CONFIG_PATH = "/etc/prometheus/prometheus.yml";
const RULES_PATH = `/etc/prometheus/${RULES_FILE}`;
const DATA_DIR = "/prometheus";

/**
 * Prometheus scraping the Collector and recording the per-interval sums the
 * dashboards read, its TSDB on a named volume. A change of scrape, rule or
 * retention settings changes an uploaded file, which replaces this container
 * only; the volume and its data stay.
 */
export class PrometheusServer extends Construct {
  readonly container: Container;
  /** URL Grafana uses inside the network. */
  readonly internalUrl: string;
  /** The rendered prometheus.yml uploaded into the container. */
  readonly configYaml: string;
  /** The rendered recording rules uploaded into the container. */
  readonly rulesYaml: string;
  /** The server's command-line flags. */
  readonly flags: string[];

  constructor(scope: Construct, id: string, props: PrometheusServerProps) {
    super(scope, id);
    const image = new PinnedImage(this, "image", { name: props.image });
    const major = /:v?(\d+)\./.exec(props.image)?.[1];
    if (major !== undefined && Number(major) < 3) {
      throw new Error(`\`image\` must be Prometheus 3.x or newer (the dashboards use its features), got: ${props.image}`);
    }

    this.configYaml = renderPrometheusConfig({
      scrapeInterval: props.scrapeInterval,
      collectorTarget: props.scrapeTarget,
      rulesFile: RULES_PATH,
      retentionTime: props.retentionTime,
      retentionSize: props.retentionSize,
    });
    this.rulesYaml = renderRecordingRules({ interval: props.ruleInterval, scrapeInterval: props.scrapeInterval });
    this.flags = prometheusFlags({
      configFile: CONFIG_PATH,
      dataDir: DATA_DIR,
      port: WEB_PORT,
    });

    this.container = new Container(this, "container", {
      name: props.containerName,
      image: image.imageId,
      restart: "unless-stopped",
      command: this.flags,
      networksAdvanced: networkAttachment(props),
      ports: [{ internal: WEB_PORT, external: props.port, ip: props.bindAddress }],
      volumes: [{ volumeName: props.dataVolume.name, containerPath: DATA_DIR }],
      upload: [
        { file: CONFIG_PATH, content: this.configYaml },
        { file: RULES_PATH, content: this.rulesYaml },
      ],
      healthcheck: {
        test: ["CMD", "wget", "-q", "-O", "/dev/null", `http://localhost:${WEB_PORT}/-/ready`],
        interval: "10s",
        timeout: "5s",
        retries: 6,
        startPeriod: "10s",
      },
    });
    this.internalUrl = `http://${props.containerName}:${WEB_PORT}`;
  }
}
