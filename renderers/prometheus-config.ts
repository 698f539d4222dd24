import { stringify } from "yaml";

/** What the Prometheus configuration depends on. */
export interface PrometheusConfigOptions {
  /** Prometheus duration between scrapes, e.g. "10s". */
  readonly scrapeInterval: string;
  /** host:port of the Collector's prometheus exporter, as Prometheus reaches it. */
  readonly collectorTarget: string;
  /** Path of the recording rules file, as Prometheus sees it. */
  readonly rulesFile: string;
  /** How long samples are kept (Prometheus duration). */
  readonly retentionTime: string;
  /** Size cap of the TSDB such as 10GB; empty for none. */
  readonly retentionSize: string;
}

/** Name of the scrape job that reads the Collector. */
export const COLLECTOR_JOB = "otel-collector";

/**
 * Renders prometheus.yml. `honor_labels` keeps the `job` label the exporter
 * derives from service.name (claude-code) instead of renaming it exported_job.
 * Retention lives here, not in flags (Prometheus 3.15 deprecates the
 * `--storage.tsdb.retention.*` flags).
 */
export function renderPrometheusConfig(options: PrometheusConfigOptions): string {
  const config = {
    global: {
      scrape_interval: options.scrapeInterval,
      scrape_timeout: options.scrapeInterval,
      evaluation_interval: options.scrapeInterval,
    },
    rule_files: [options.rulesFile],
    scrape_configs: [
      {
        job_name: COLLECTOR_JOB,
        honor_labels: true,
        static_configs: [{ targets: [options.collectorTarget] }],
      },
    ],
    storage: {
      tsdb: {
        retention: { time: options.retentionTime, ...(options.retentionSize ? { size: options.retentionSize } : {}) },
      },
    },
  };
  return stringify(config, { lineWidth: 0 });
}

/** Options of the Prometheus server's command line. */
export interface PrometheusFlagsOptions {
  readonly configFile: string;
  readonly dataDir: string;
  readonly port: number;
}

/**
 * Features the dashboards depend on: a zero sample at each counter's start time
 * (so increase() counts a series' first value) and the `anchored` range
 * modifier (increase() without extrapolation, so totals are exact).
 */
export const PROMETHEUS_FEATURES = ["created-timestamp-zero-ingestion", "promql-extended-range-selectors"];

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
  ];
}
