import { stringify } from "yaml";

/** What the Collector configuration depends on. */
export interface CollectorConfigOptions {
  /** Port of the OTLP gRPC receiver inside the container. */
  readonly otlpGrpcPort: number;
  /** Port of the OTLP HTTP receiver inside the container. */
  readonly otlpHttpPort: number;
  /** Port the prometheus exporter serves /metrics on. */
  readonly metricsPort: number;
  /** Port the Collector serves its own metrics on. */
  readonly telemetryPort: number;
  /** Resource attribute keys copied onto every data point that lacks them. */
  readonly teamAttributeKeys: readonly string[];
  /** Data point attributes kept besides the team attributes; all others are dropped. */
  readonly keptAttributeKeys: readonly string[];
  /** delta_to_cumulative `max_stale`, a Go duration such as "24h". */
  readonly deltaMaxStale: string;
  /** prometheus exporter `metric_expiration`, a Go duration. */
  readonly metricExpiration: string;
  /** memory_limiter `limit_mib`. */
  readonly memoryLimitMiB: number;
}

/**
 * Renders the Collector's config.yaml.
 *
 * Metrics: memory_limiter -> transform (deltas start when received, team
 * attributes from the resource onto data points, then every attribute dropped
 * but the kept ones and the team attributes) -> delta_to_cumulative (Claude
 * Code sends deltas by default) -> batch -> prometheus exporter. Resource
 * attributes and instrumentation scope are not converted to labels.
 * Logs (Claude Code events) are accepted and dropped, so clients that export
 * them see no errors.
 */
export function renderCollectorConfig(options: CollectorConfigOptions): string {
  const promoteTeamAttributes = options.teamAttributeKeys.map(
    (key) =>
      `set(attributes[${quote(key)}], resource.attributes[${quote(key)}]) where attributes[${quote(key)}] == nil and resource.attributes[${quote(key)}] != nil`,
  );
  const keptKeys = [...options.keptAttributeKeys, ...options.teamAttributeKeys].map(quote).join(", ");
  // A delta's window may start before Prometheus last scraped the running total
  // that a Collector restart (or an expired series) just threw away. Starting
  // it when the Collector receives it puts the new total's start after every
  // sample of the old one, so Prometheus sees the reset (a zero at the start).
  const startDeltasOnReceipt = "set(start_time, Now()) where metric.aggregation_temporality == AGGREGATION_TEMPORALITY_DELTA";
  const metricProcessors = ["memory_limiter", "transform/labels", "delta_to_cumulative", "batch"];

  const config = {
    receivers: {
      otlp: {
        protocols: {
          grpc: { endpoint: `0.0.0.0:${options.otlpGrpcPort}` },
          http: { endpoint: `0.0.0.0:${options.otlpHttpPort}` },
        },
      },
    },
    processors: {
      memory_limiter: {
        check_interval: "1s",
        limit_mib: options.memoryLimitMiB,
        spike_limit_mib: Math.floor(options.memoryLimitMiB / 5),
      },
      "transform/labels": {
        error_mode: "ignore",
        metric_statements: [
          { context: "datapoint", statements: [startDeltasOnReceipt, ...promoteTeamAttributes, `keep_keys(attributes, [${keptKeys}])`] },
        ],
      },
      delta_to_cumulative: { max_stale: options.deltaMaxStale },
      batch: { send_batch_size: 8192, timeout: "1s" },
    },
    exporters: {
      prometheus: {
        endpoint: `0.0.0.0:${options.metricsPort}`,
        metric_expiration: options.metricExpiration,
        without_scope_info: true,
      },
      nop: {},
    },
    service: {
      pipelines: {
        metrics: { receivers: ["otlp"], processors: metricProcessors, exporters: ["prometheus"] },
        logs: { receivers: ["otlp"], processors: ["memory_limiter"], exporters: ["nop"] },
      },
      telemetry: {
        logs: { level: "info" },
        metrics: { level: "normal", readers: [{ pull: { exporter: { prometheus: { host: "0.0.0.0", port: options.telemetryPort } } } }] },
      },
    },
  };
  return stringify(config, { lineWidth: 0 });
}

function quote(value: string): string {
  return JSON.stringify(value);
}
