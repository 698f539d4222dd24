import { stringify } from "yaml";
import { EventLabel, EventMetricDefinition, Label, OVERLOADED_ERROR, REPOSITORY_ATTRIBUTES, SESSION_START_SEPARATOR } from "../telemetry/catalog";
import { TEAM_FROM_TOKEN_PROCESSOR, TOKEN_ATTRIBUTE } from "./team-token-mapping";

/** What the Collector configuration depends on. */
/** The longest a data point waits in the Collector's batch processor before the exporter serves it. */
export const BATCH_TIMEOUT = "1s";

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
  /** The Collector container's memory limit, in MiB, which the memory limiter keeps under (see memoryLimiterSettings). */
  readonly containerMemoryMiB: number;
  /** Metrics derived from Claude Code's events (OTLP logs) by the signal_to_metrics connector. */
  readonly eventMetrics: readonly EventMetricDefinition[];
  /**
   * Team mode: OTLP requires a team's bearer token, the team attribute is set
   * from the token (by the processor of the second configuration file, see
   * renderTeamTokenMapping), and each team's data has its own pipeline and its
   * own prometheus exporter (see metricsEndpoints), so Prometheus can limit
   * the series of each team apart.
   * @default - no authentication (the laptop stack)
   */
  readonly teamMode?: CollectorTeamMode;
  /** TLS for both OTLP endpoints: certificate and key files inside the container. @default - none */
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
}

/** Team mode, as the Collector configuration needs it. */
export interface CollectorTeamMode {
  /** File of the bearertokenauth extension: the tokens, one per line. */
  readonly tokenFile: string;
  /** The attribute set from the token, e.g. "team.id". */
  readonly teamAttribute: string;
  /** The teams' values of `teamAttribute`. */
  readonly teams: readonly string[];
}

/** One prometheus exporter of the Collector: the laptop stack has one, team mode one per team. */
export interface MetricsEndpoint {
  /** Component id of the exporter, e.g. `prometheus/team-payments`. */
  readonly exporter: string;
  /** Port it listens on inside the container. */
  readonly port: number;
  /** The team whose series it serves (team mode). */
  readonly team?: string;
}

/** The exporters Prometheus scrapes: one on `metricsPort`, or one per team on the ports from `metricsPort` up. */
export function metricsEndpoints(metricsPort: number, teams?: readonly string[]): MetricsEndpoint[] {
  if (teams === undefined) return [{ exporter: "prometheus", port: metricsPort }];
  return teams.map((team, index) => ({ exporter: `prometheus/${teamEndpointName(team)}`, port: metricsPort + index, team }));
}

/**
 * Longest label value the Collector passes on, in characters: user ids are 64,
 * models, tools and team values far shorter; an email fits.
 */
export const MAX_LABEL_VALUE_LENGTH = 256;

/** Name of the processor that copies a client's Authorization header onto its data points and events. */
const TOKEN_PROCESSOR = "attributes/token";

/** Event attributes every event metric keeps when present: who, where, and the team attributes. */
const EVENT_IDENTITY_ATTRIBUTES = ["user.id", "user.email", Label.repository];

/** The statement that writes `repository` ("owner/name") where Claude Code sends the repository's owner and name. */
function repositoryStatement(): string {
  const owner = `attributes[${quote(REPOSITORY_ATTRIBUTES.owner)}]`;
  const name = `attributes[${quote(REPOSITORY_ATTRIBUTES.name)}]`;
  return `set(attributes[${quote(Label.repository)}], Concat([${owner}, ${name}], ${quote(REPOSITORY_ATTRIBUTES.separator)})) where ${owner} != nil and ${name} != nil`;
}

/**
 * The memory limiter's limits in a container of `containerMemoryMiB`: a hard
 * limit at 80 % of it (the Go heap; the rest is the runtime's own memory), and
 * a spike margin of a fifth of that, so the Collector refuses data once its
 * heap passes 64 % of the container, well before Docker would kill it. Written
 * as MiB rather than `limit_percentage`, which reads the cgroup's limit, so
 * the benchmark's Collector, a process without one, runs the same limits.
 */
export function memoryLimiterSettings(containerMemoryMiB: number): { limit_mib: number; spike_limit_mib: number } {
  const limit = Math.floor(containerMemoryMiB * 0.8);
  return { limit_mib: limit, spike_limit_mib: Math.floor(limit / 5) };
}

/**
 * Renders the Collector's config.yaml.
 *
 * Metrics: memory_limiter -> transform (deltas stamped when received, the
 * start of a cumulative total appended to its session id, team
 * attributes from the resource onto data points, `repository` from the
 * repository's owner and name, then every attribute dropped but the kept ones
 * and the team attributes) -> delta_to_cumulative (Claude
 * Code sends deltas by default) -> batch -> prometheus exporter. Resource
 * attributes and instrumentation scope are not converted to labels.
 * Logs (Claude Code events): memory_limiter -> transform (the status of API
 * errors that Claude Code reports only by message, `repository`) -> signal_to_metrics, which
 * turns them into counters and duration histograms for the metrics pipeline
 * above; the events themselves go nowhere else.
 * Team mode: both pipelines first set the team from the client's token; then
 * one metrics pipeline per team keeps that team's data points only and ends in
 * that team's own exporter.
 */
export function renderCollectorConfig(options: CollectorConfigOptions): string {
  const promoteTeamAttributes = options.teamAttributeKeys.map(
    (key) =>
      `set(attributes[${quote(key)}], resource.attributes[${quote(key)}]) where attributes[${quote(key)}] == nil and resource.attributes[${quote(key)}] != nil`,
  );
  const keptKeys = [...options.keptAttributeKeys, ...options.teamAttributeKeys].map(quote).join(", ");
  // Deltas are stamped when the Collector receives them, start and end. Two
  // processes that resume one session send the same stream, each stamped by its
  // own clock; delta_to_cumulative drops a delta older than the last one it
  // added, so a client's stamp loses an export that arrives a millisecond late.
  // And a delta's window may start before Prometheus last scraped the running
  // total that a Collector restart (or an expired series) just threw away:
  // starting it on receipt puts the new total's start after every sample of the
  // old one, so Prometheus sees the reset (a zero at the start).
  const isDelta = "metric.aggregation_temporality == AGGREGATION_TEMPORALITY_DELTA";
  const stampDeltasOnReceipt = [`set(time, Now()) where ${isDelta}`, `set(start_time, time) where ${isDelta}`];
  // Two processes that resume one session send the same session id and
  // attributes; their cumulative totals, each counted from its own start,
  // would overwrite each other in one series. Deltas add up in one total anyway.
  const session = `attributes["session.id"]`;
  const sessionPerProcess = `set(${session}, Format("%s${SESSION_START_SEPARATOR}%d", [${session}, start_time_unix_nano / 1000000])) where metric.aggregation_temporality == AGGREGATION_TEMPORALITY_CUMULATIVE and ${session} != nil`;
  const teamMode = options.teamMode;
  // In team mode the team comes from the token before anything else reads the attributes.
  const fromToken = teamMode ? [TOKEN_PROCESSOR, TEAM_FROM_TOKEN_PROCESSOR] : [];
  const endpoints = metricsEndpoints(options.metricsPort, teamMode?.teams);
  // Every team's pipeline receives everything, keeps its own team's data points and has its own exporter.
  const metricPipelines = Object.fromEntries(
    endpoints.map(({ exporter, team }) => [
      team === undefined ? "metrics" : `metrics/${teamEndpointName(team)}`,
      {
        receivers: ["otlp", "signal_to_metrics"],
        processors: [
          "memory_limiter",
          ...fromToken,
          ...(team === undefined ? [] : [`filter/${teamEndpointName(team)}`]),
          "transform/labels",
          "delta_to_cumulative",
          "batch",
        ],
        exporters: [exporter],
      },
    ]),
  );
  const exporterSettings = { metric_expiration: options.metricExpiration, without_scope_info: true };
  const serverSettings = {
    ...(teamMode ? { auth: { authenticator: "bearertokenauth" }, include_metadata: true } : {}),
    ...(options.tls ? { tls: { cert_file: options.tls.certFile, key_file: options.tls.keyFile } } : {}),
  };
  // No client can make a label value longer than this (Prometheus has no limit of its own).
  const truncateLabels = `truncate_all(attributes, ${MAX_LABEL_VALUE_LENGTH})`;
  const statusCode = `attributes[${quote(EventLabel.statusCode)}]`;
  const overloadedStatus = `set(${statusCode}, ${OVERLOADED_ERROR.statusCode}) where ${statusCode} == nil and attributes[${quote(OVERLOADED_ERROR.attribute)}] == ${quote(OVERLOADED_ERROR.message)}`;
  const eventsToMetrics = {
    error_mode: "ignore",
    logs: options.eventMetrics.map((metric) => eventMetricConfig(metric, [...EVENT_IDENTITY_ATTRIBUTES, ...options.teamAttributeKeys])),
  };

  const config = {
    ...(teamMode ? { extensions: { bearertokenauth: { filename: teamMode.tokenFile } } } : {}),
    receivers: {
      otlp: {
        protocols: {
          grpc: { endpoint: `0.0.0.0:${options.otlpGrpcPort}`, ...serverSettings },
          http: { endpoint: `0.0.0.0:${options.otlpHttpPort}`, ...serverSettings },
        },
      },
    },
    connectors: { signal_to_metrics: eventsToMetrics },
    processors: {
      memory_limiter: { check_interval: "1s", ...memoryLimiterSettings(options.containerMemoryMiB) },
      "transform/labels": {
        error_mode: "ignore",
        metric_statements: [
          {
            context: "datapoint",
            statements: [...stampDeltasOnReceipt, sessionPerProcess, ...promoteTeamAttributes, repositoryStatement(), `keep_keys(attributes, [${keptKeys}])`, truncateLabels],
          },
        ],
      },
      ...(teamMode
        ? { [TOKEN_PROCESSOR]: { actions: [{ key: TOKEN_ATTRIBUTE, from_context: "metadata.authorization", action: "upsert" }] } }
        : {}),
      "transform/events": {
        error_mode: "ignore",
        log_statements: [{ context: "log", statements: [overloadedStatus, repositoryStatement(), truncateLabels] }],
      },
      ...(teamMode ? teamFilters(teamMode) : {}),
      delta_to_cumulative: { max_stale: options.deltaMaxStale },
      batch: { send_batch_size: 8192, timeout: BATCH_TIMEOUT },
    },
    exporters: Object.fromEntries(endpoints.map(({ exporter, port }) => [exporter, { endpoint: `0.0.0.0:${port}`, ...exporterSettings }])),
    service: {
      ...(teamMode ? { extensions: ["bearertokenauth"] } : {}),
      pipelines: {
        ...metricPipelines,
        logs: { receivers: ["otlp"], processors: ["memory_limiter", ...fromToken, "transform/events"], exporters: ["signal_to_metrics"] },
      },
      telemetry: {
        logs: { level: "info" },
        metrics: { level: "normal", readers: [{ pull: { exporter: { prometheus: { host: "0.0.0.0", port: options.telemetryPort } } } }] },
      },
    },
  };
  return stringify(config, { lineWidth: 0, aliasDuplicateObjects: false });
}

/** The name of a team's own pipeline and exporter, and of its scrape target in Prometheus (`instance`). */
export function teamEndpointName(team: string): string {
  return `team-${team}`;
}

/** One filter per team that drops every other team's data points (the team is set from the token by then). */
function teamFilters(teamMode: CollectorTeamMode): Record<string, object> {
  return Object.fromEntries(
    teamMode.teams.map((team) => [
      `filter/${teamEndpointName(team)}`,
      { error_mode: "ignore", metrics: { datapoint: [`attributes[${quote(teamMode.teamAttribute)}] != ${quote(team)}`] } },
    ]),
  );
}

/**
 * One signal_to_metrics definition: a delta counter (1 per event, or a
 * milliseconds attribute in seconds) or a histogram of a duration attribute in
 * seconds, labelled with the event's identity and team attributes when present
 * and with the metric's own attributes. Nothing else of the event (messages,
 * ids, content) becomes a label.
 */
function eventMetricConfig(metric: EventMetricDefinition, optionalKeys: readonly string[]): object {
  const attributes = [
    ...optionalKeys.map((key) => ({ key, optional: true })),
    ...metric.attributes.map(({ key, missing }) => (missing === undefined ? { key } : { key, default_value: missing })),
  ];
  const common = {
    name: metric.otelName,
    description: metric.description,
    conditions: [`attributes["event.name"] == ${quote(metric.event)}`],
    attributes,
  };
  if (metric.kind === "counter" && metric.secondsOf === undefined) return { ...common, sum: { value: "1", monotonic: true } };
  if (metric.kind === "counter") return { ...common, unit: "s", sum: { value: `Double(attributes[${quote(metric.secondsOf!)}]) / 1000.0`, monotonic: true } };
  const { attribute, buckets } = metric.duration;
  // duration_ms is a number on api_request and a string on tool_result: Double() takes both.
  return { ...common, unit: "s", histogram: { buckets, value: `Double(attributes[${quote(attribute)}]) / 1000.0` } };
}

function quote(value: string): string {
  return JSON.stringify(value);
}
