import { stringify } from "yaml";

/** What the Collector configuration depends on. */
export interface CollectorConfigOptions {
  /** Port of the OTLP gRPC receiver inside the container. */
  readonly otlpGrpcPort: number;
  /** Port of the OTLP HTTP receiver inside the container. */
  readonly otlpHttpPort: number;
  /** Port the prometheus exporter serves /metrics on. */
  readonly metricsPort: number;
  /** Port of the health check extension. */
  readonly healthPort: number;
  /** Resource attribute keys copied onto every data point that lacks them. */
  readonly teamAttributeKeys: readonly string[];
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
 * Metrics: memory_limiter -> transform (team attributes from the resource onto
 * data points) -> delta_to_cumulative (Claude Code sends deltas by default) ->
 * batch -> prometheus exporter. Resource attributes are not converted to labels,
 * so only the team attributes and Claude Code's own data point attributes are.
 * Logs (Claude Code events) are accepted and dropped, so clients that export
 * them see no errors.
 */
export function renderCollectorConfig(options: CollectorConfigOptions): string {
  const promoteTeamAttributes = options.teamAttributeKeys.map(
    (key) =>
      `set(attributes[${quote(key)}], resource.attributes[${quote(key)}]) where attributes[${quote(key)}] == nil and resource.attributes[${quote(key)}] != nil`,
  );
  const metricProcessors = [
    "memory_limiter",
    ...(promoteTeamAttributes.length > 0 ? ["transform/team_attributes"] : []),
    "delta_to_cumulative",
    "batch",
  ];

  const config = {
    extensions: {
      health_check: { endpoint: `0.0.0.0:${options.healthPort}` },
    },
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
      ...(promoteTeamAttributes.length > 0
        ? {
            "transform/team_attributes": {
              error_mode: "ignore",
              metric_statements: [{ context: "datapoint", statements: promoteTeamAttributes }],
            },
          }
        : {}),
      delta_to_cumulative: { max_stale: options.deltaMaxStale },
      batch: { send_batch_size: 8192, timeout: "1s" },
    },
    exporters: {
      prometheus: {
        endpoint: `0.0.0.0:${options.metricsPort}`,
        metric_expiration: options.metricExpiration,
        resource_to_telemetry_conversion: { enabled: false },
      },
      nop: {},
    },
    service: {
      extensions: ["health_check"],
      pipelines: {
        metrics: { receivers: ["otlp"], processors: metricProcessors, exporters: ["prometheus"] },
        logs: { receivers: ["otlp"], processors: ["memory_limiter"], exporters: ["nop"] },
      },
      telemetry: { logs: { level: "info" } },
    },
  };
  return stringify(config, { lineWidth: 0 });
}

function quote(value: string): string {
  return JSON.stringify(value);
}
