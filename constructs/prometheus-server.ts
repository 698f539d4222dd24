import { Container } from "@cdktf/provider-docker/lib/container";
import { Volume } from "@cdktf/provider-docker/lib/volume";
import { Construct } from "constructs";
import { Fn } from "cdktf";
import { CollectorTarget, RemoteWrite, prometheusFlags, renderPrometheusConfig, renderPrometheusWebConfig } from "../renderers/prometheus-config";
import { RULES_FILE, renderRecordingRules } from "../renderers/recording-rules";
import { ALERT_RULES_FILE, AlertRulesOptions, renderAlertRules } from "../renderers/alert-rules";
import { STORED_DATA_LABEL, StoredData } from "../renderers/stored-data";
import { PinnedImage } from "./pinned-image";
import { PrometheusLogin } from "./prometheus-login";
import { escapeTerraformTemplate } from "./terraform-strings";
import { ServiceProps, networkAttachment } from "./service-props";

export interface PrometheusServerProps extends ServiceProps {
  /** Named volume that holds the TSDB; it outlives the container. */
  readonly dataVolume: Volume;
  /** Host port of the web UI and API. */
  readonly port: number;
  /** The Collector's metrics endpoints: one, or one per team in team mode. */
  readonly scrapeTargets: readonly CollectorTarget[];
  /**
   * Team mode: the most series one team's endpoint may serve (Prometheus refuses a bigger scrape).
   * @default - no limit
   */
  readonly maxSeriesPerTeam?: number;
  /**
   * Basic auth for every endpoint, Grafana's and the healthcheck's included.
   * @default - no authentication
   */
  readonly login?: PrometheusLogin;
  /**
   * A central store that every series (raw and recorded) is also sent to.
   * @default - none
   */
  readonly remoteWrite?: CentralStoreProps;
  /** Scrape interval (Prometheus duration). */
  readonly scrapeInterval: string;
  /** Interval of the recording rules the dashboards read (Prometheus duration). */
  readonly ruleInterval: string;
  /** Length of the recording rules' rollup windows (Prometheus duration). */
  readonly rollupWindow: string;
  /** Retention time (Prometheus duration). */
  readonly retentionTime: string;
  /** Retention size such as 10GB; empty for none. */
  readonly retentionSize: string;
  /**
   * Alerting: the alerting rules' settings (budgets, thresholds) and where
   * Alertmanager and the Collector's own metrics are.
   * @default - no alerting
   */
  readonly alerting?: PrometheusAlertingProps;
  /**
   * What the stored numbers depend on, as the container's STORED_DATA_LABEL,
   * for plan reviews to compare. @default - no label
   */
  readonly storedData?: StoredData;
}

/** What Prometheus needs to fire alerts. */
export interface PrometheusAlertingProps {
  /** Everything the alerting rules depend on besides the rule and scrape intervals. */
  readonly rules: Omit<AlertRulesOptions, "interval" | "scrapeInterval">;
  /** Alertmanager's host:port inside the network. */
  readonly alertmanagerAddress: string;
  /** The Collector's own metrics endpoint, host:port inside the network. */
  readonly collectorTelemetryAddress: string;
}

/** Where Prometheus sends its series, with the contents of the files for mutual TLS. */
export interface CentralStoreProps extends Omit<RemoteWrite, "tls"> {
  /**
   * Client certificate, its key (a sensitive value) and the CA that signed
   * the store's certificate, as PEM text. @default - no client certificate
   */
  readonly tls?: { readonly certificate: string; readonly key: string; readonly ca?: string };
}

const WEB_PORT = 9090;
const CONFIG_PATH = "/etc/prometheus/prometheus.yml";
const RULES_PATH = `/etc/prometheus/${RULES_FILE}`;
const ALERT_RULES_PATH = `/etc/prometheus/${ALERT_RULES_FILE}`;
/** The password Prometheus scrapes itself with when it requires a login. */
const SELF_PASSWORD_PATH = "/etc/prometheus/self-scrape-password";
const WEB_CONFIG_PATH = "/etc/prometheus/web.yml";
/** The healthcheck's Authorization header value: a file, so the password appears in no command or plan. */
const HEALTHCHECK_AUTH_PATH = "/etc/prometheus/healthcheck-auth";
const DATA_DIR = "/prometheus";
/** Where the files for mutual TLS with the central store go. */
const CENTRAL_STORE_TLS = {
  certFile: "/etc/prometheus/central-store/cert.pem",
  keyFile: "/etc/prometheus/central-store/key.pem",
  caFile: "/etc/prometheus/central-store/ca.pem",
};

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
  /** The rendered alerting rules uploaded into the container (none without alerting). */
  readonly alertRulesYaml?: string;
  /** The server's command-line flags. */
  readonly flags: string[];

  constructor(scope: Construct, id: string, props: PrometheusServerProps) {
    super(scope, id);
    const image = new PinnedImage(this, "image", { name: props.image });
    const major = /:v?(\d+)\./.exec(props.image)?.[1];
    if (major !== undefined && Number(major) < 3) {
      throw new Error(`\`image\` must be Prometheus 3.x or newer (the dashboards use its features), got: ${props.image}`);
    }

    const storeTls = props.remoteWrite?.tls;
    this.configYaml = renderPrometheusConfig({
      scrapeInterval: props.scrapeInterval,
      collectorTargets: props.scrapeTargets,
      maxSeriesPerTeam: props.maxSeriesPerTeam,
      remoteWrite: props.remoteWrite && { ...props.remoteWrite, tls: storeTls && { ...CENTRAL_STORE_TLS, caFile: storeTls.ca && CENTRAL_STORE_TLS.caFile } },
      rulesFile: RULES_PATH,
      alerting: props.alerting && {
        rulesFile: ALERT_RULES_PATH,
        alertmanager: props.alerting.alertmanagerAddress,
        collectorTelemetry: props.alerting.collectorTelemetryAddress,
        self: `localhost:${WEB_PORT}`,
        selfLogin: props.login && { username: props.login.username, passwordFile: SELF_PASSWORD_PATH },
      },
      retentionTime: props.retentionTime,
      retentionSize: props.retentionSize,
    });
    this.rulesYaml = renderRecordingRules({ interval: props.ruleInterval, scrapeInterval: props.scrapeInterval, rollupWindow: props.rollupWindow });
    this.alertRulesYaml = props.alerting && renderAlertRules({ ...props.alerting.rules, interval: props.ruleInterval, scrapeInterval: props.scrapeInterval });
    this.flags = prometheusFlags({
      configFile: CONFIG_PATH,
      dataDir: DATA_DIR,
      port: WEB_PORT,
      webConfigFile: props.login ? WEB_CONFIG_PATH : undefined,
    });
    const ready = `http://localhost:${WEB_PORT}/-/ready`;
    const loginFiles = props.login
      ? [
          { file: WEB_CONFIG_PATH, content: renderPrometheusWebConfig(props.login) },
          { file: HEALTHCHECK_AUTH_PATH, content: Fn.base64encode(`${props.login.username}:${props.login.password}`) },
          ...(props.alerting ? [{ file: SELF_PASSWORD_PATH, content: props.login.password }] : []),
        ]
      : [];
    const storeTlsFiles = storeTls
      ? [
          { file: CENTRAL_STORE_TLS.certFile, content: storeTls.certificate },
          { file: CENTRAL_STORE_TLS.keyFile, content: storeTls.key },
          ...(storeTls.ca === undefined ? [] : [{ file: CENTRAL_STORE_TLS.caFile, content: storeTls.ca }]),
        ]
      : [];

    this.container = new Container(this, "container", {
      name: props.containerName,
      image: image.imageId,
      restart: "unless-stopped",
      command: this.flags,
      networksAdvanced: networkAttachment(props),
      ports: [{ internal: WEB_PORT, external: props.port, ip: props.bindAddress }],
      volumes: [{ volumeName: props.dataVolume.name, containerPath: DATA_DIR }],
      labels: props.storedData ? [{ label: STORED_DATA_LABEL, value: JSON.stringify(props.storedData) }] : [],
      upload: [
        { file: CONFIG_PATH, content: escapeTerraformTemplate(this.configYaml) },
        { file: RULES_PATH, content: escapeTerraformTemplate(this.rulesYaml) },
        ...(this.alertRulesYaml ? [{ file: ALERT_RULES_PATH, content: escapeTerraformTemplate(this.alertRulesYaml) }] : []),
        ...loginFiles,
        ...storeTlsFiles,
      ],
      healthcheck: {
        test: props.login
          ? ["CMD-SHELL", `wget -q -O /dev/null --header "Authorization: Basic $(cat ${HEALTHCHECK_AUTH_PATH})" ${ready}`]
          : ["CMD", "wget", "-q", "-O", "/dev/null", ready],
        interval: "10s",
        timeout: "5s",
        retries: 6,
        startPeriod: "10s",
      },
    });
    this.internalUrl = `http://${props.containerName}:${WEB_PORT}`;
  }
}
