/** What the Claude Code settings depend on. */
export interface ClaudeCodeEnvOptions {
  /** OTLP protocol the clients use. */
  readonly protocol: "grpc" | "http/protobuf";
  /** OTLP endpoint as clients reach it, e.g. http://localhost:4317. */
  readonly endpoint: string;
  /** Resource attributes (team attributes) each client sends. */
  readonly resourceAttributes: Readonly<Record<string, string>>;
  /** OTEL_METRIC_EXPORT_INTERVAL in milliseconds. */
  readonly metricExportIntervalMillis: number;
  /** Team mode: the team's bearer token, sent as the Authorization header. @default - none */
  readonly token?: string;
}

/**
 * The `env` block for ~/.claude/settings.json. It asks for cumulative
 * temporality: every export then carries the client's totals, so a Collector
 * restart or outage loses nothing. Clients that keep Claude Code's default
 * (delta) are converted to cumulative by the Collector. It also asks for the
 * repository (owner and name from the git remote) on every data point and event.
 */
export function claudeCodeEnv(options: ClaudeCodeEnvOptions): Record<string, string> {
  const attributes = Object.entries(options.resourceAttributes)
    .map(([key, value]) => `${key}=${value}`)
    .join(",");
  return {
    CLAUDE_CODE_ENABLE_TELEMETRY: "1",
    OTEL_METRICS_EXPORTER: "otlp",
    OTEL_LOGS_EXPORTER: "otlp",
    OTEL_EXPORTER_OTLP_PROTOCOL: options.protocol,
    OTEL_EXPORTER_OTLP_ENDPOINT: options.endpoint,
    OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: "cumulative",
    OTEL_METRIC_EXPORT_INTERVAL: String(options.metricExportIntervalMillis),
    OTEL_METRICS_INCLUDE_REPOSITORY: "true",
    ...(attributes ? { OTEL_RESOURCE_ATTRIBUTES: attributes } : {}),
    ...(options.token ? { OTEL_EXPORTER_OTLP_HEADERS: `Authorization=Bearer ${options.token}` } : {}),
  };
}
