import { stringify } from "yaml";
import { SITE_LABEL } from "../telemetry/catalog";

/** What the Prometheus configuration depends on. */
export interface PrometheusConfigOptions {
  /** Prometheus duration between scrapes, e.g. "10s". */
  readonly scrapeInterval: string;
  /** The Collector's prometheus exporters as Prometheus reaches them: one, or one per team in team mode. */
  readonly collectorTargets: readonly CollectorTarget[];
  /**
   * Team mode: the most series one team's exporter may serve. Past it
   * Prometheus refuses that team's whole scrape (and only that team's) until
   * the excess series expire in the Collector.
   * @default - no limit
   */
  readonly maxSeriesPerTeam?: number;
  /**
   * A central store that every series (raw and recorded) is also sent to.
   * @default - none
   */
  readonly remoteWrite?: RemoteWrite;
  /** Path of the recording rules file, as Prometheus sees it. */
  readonly rulesFile: string;
  /**
   * Alerting: the alerting rules file and where Alertmanager, the Collector's
   * own metrics and Prometheus's own metrics are (the stack alerts read the
   * last two).
   * @default - no alerting
   */
  readonly alerting?: PrometheusAlerting;
  /** How long samples are kept (Prometheus duration). */
  readonly retentionTime: string;
  /** Size cap of the TSDB such as 10GB; empty for none. */
  readonly retentionSize: string;
}

/** Where and as whom this Prometheus sends its series. */
export interface RemoteWrite {
  /** The store's remote-write URL. */
  readonly url: string;
  /** Value of the `site` label on every series sent (an external label). */
  readonly site: string;
  /** A header that names the tenant, e.g. THANOS-TENANT: team-a. @default - none */
  readonly tenant?: { readonly header: string; readonly value: string };
  /** PEM files, as Prometheus sees them, of its client certificate and key and of the store's CA. @default - no client certificate */
  readonly tls?: { readonly certFile: string; readonly keyFile: string; readonly caFile?: string };
}

/** What Prometheus needs for alerting. */
export interface PrometheusAlerting {
  /** Path of the alerting rules file, as Prometheus sees it. */
  readonly rulesFile: string;
  /** Alertmanager's host:port. */
  readonly alertmanager: string;
  /** The Collector's own metrics (its `telemetry` endpoint), host:port. */
  readonly collectorTelemetry: string;
  /** Prometheus's own metrics, host:port. */
  readonly self: string;
  /**
   * Basic auth for scraping itself when Prometheus requires it: user name and
   * the file holding the password. @default - none
   */
  readonly selfLogin?: { readonly username: string; readonly passwordFile: string };
}

/** One exporter of the Collector to scrape. */
export interface CollectorTarget {
  /** host:port, as Prometheus reaches it. */
  readonly address: string;
  /**
   * Its `instance` label, when it must not depend on the port (team mode:
   * adding a team moves ports, and no series may change with them).
   * @default - the address
   */
  readonly instance?: string;
}

/** Name of the scrape job that reads the Collector. */
export const COLLECTOR_JOB = "otel-collector";
/** Name of the scrape job that reads the Collector's own metrics (alerting only). */
export const COLLECTOR_TELEMETRY_JOB = "otel-collector-telemetry";
/** Name of the scrape job that reads Prometheus's own metrics (alerting only). */
export const PROMETHEUS_JOB = "prometheus";

/**
 * Renders prometheus.yml. `honor_labels` keeps the `job` label the exporter
 * derives from service.name (claude-code) instead of renaming it exported_job.
 * Retention lives here, not in flags (Prometheus 3.15 and later deprecate the
 * `--storage.tsdb.retention.*` flags).
 */
export function renderPrometheusConfig(options: PrometheusConfigOptions): string {
  const config = {
    global: {
      scrape_interval: options.scrapeInterval,
      scrape_timeout: options.scrapeInterval,
      evaluation_interval: options.scrapeInterval,
      ...(options.remoteWrite ? { external_labels: { [SITE_LABEL]: options.remoteWrite.site } } : {}),
    },
    rule_files: [options.rulesFile, ...(options.alerting ? [options.alerting.rulesFile] : [])],
    ...(options.alerting ? { alerting: { alertmanagers: [{ static_configs: [{ targets: [options.alerting.alertmanager] }] }] } } : {}),
    scrape_configs: [
      {
        job_name: COLLECTOR_JOB,
        honor_labels: true,
        ...(options.maxSeriesPerTeam === undefined ? {} : { sample_limit: options.maxSeriesPerTeam }),
        static_configs: options.collectorTargets.map(({ address, instance }) =>
          instance === undefined ? { targets: [address] } : { targets: [address], labels: { instance } },
        ),
      },
      ...(options.alerting ? selfScrapes(options.alerting) : []),
    ],
    ...(options.remoteWrite
      ? {
          remote_write: [
            {
              url: options.remoteWrite.url,
              ...(options.remoteWrite.tenant ? { headers: { [options.remoteWrite.tenant.header]: options.remoteWrite.tenant.value } } : {}),
              ...(options.remoteWrite.tls ? { tls_config: remoteWriteTls(options.remoteWrite.tls) } : {}),
            },
          ],
        }
      : {}),
    storage: {
      tsdb: {
        retention: { time: options.retentionTime, ...(options.retentionSize ? { size: options.retentionSize } : {}) },
      },
    },
  };
  return stringify(config, { lineWidth: 0 });
}

/**
 * Renders Prometheus's web configuration file: basic auth for every endpoint,
 * one user with a bcrypt-hashed password.
 */
export function renderPrometheusWebConfig(login: { readonly username: string; readonly passwordBcrypt: string }): string {
  return stringify({ basic_auth_users: { [login.username]: login.passwordBcrypt } }, { lineWidth: 0 });
}

/** Options of the Prometheus server's command line. */
export interface PrometheusFlagsOptions {
  readonly configFile: string;
  readonly dataDir: string;
  readonly port: number;
  /** The web configuration file (basic auth). @default - none: no authentication */
  readonly webConfigFile?: string;
}

/**
 * Features the dashboards depend on: a zero sample at each counter's start time
 * (so increase() counts a series' first value). The `anchored` range modifier
 * the rules use (increase() without extrapolation, so totals are exact) is
 * stable from Prometheus 3.16 on and needs no flag there.
 */
export const PROMETHEUS_FEATURES = ["created-timestamp-zero-ingestion"];

/**
 * Command-line flags of the Prometheus server. The admin API and the lifecycle
 * endpoint stay off (their flags are never set).
 */
export function prometheusFlags(options: PrometheusFlagsOptions): string[] {
  return [
    `--config.file=${options.configFile}`,
    `--storage.tsdb.path=${options.dataDir}`,
    `--web.listen-address=:${options.port}`,
    `--enable-feature=${PROMETHEUS_FEATURES.join(",")}`,
    ...(options.webConfigFile ? [`--web.config.file=${options.webConfigFile}`] : []),
  ];
}

/** The scrape jobs the stack alerts read: the Collector's and Prometheus's own metrics. */
function selfScrapes(alerting: PrometheusAlerting): object[] {
  const login = alerting.selfLogin;
  return [
    { job_name: COLLECTOR_TELEMETRY_JOB, static_configs: [{ targets: [alerting.collectorTelemetry] }] },
    {
      job_name: PROMETHEUS_JOB,
      ...(login ? { basic_auth: { username: login.username, password_file: login.passwordFile } } : {}),
      static_configs: [{ targets: [alerting.self] }],
    },
  ];
}

function remoteWriteTls(tls: NonNullable<RemoteWrite["tls"]>): Record<string, string> {
  return { cert_file: tls.certFile, key_file: tls.keyFile, ...(tls.caFile ? { ca_file: tls.caFile } : {}) };
}
