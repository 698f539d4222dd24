/**
 * The one catalog of what Claude Code exports, as Prometheus sees it behind the
 * Collector's `prometheus` exporter. Every query in this project is built from
 * these names; no metric or label name is written anywhere else.
 */

/**
 * Labels that Claude Code puts on its data points (OTel attribute dots become
 * underscores), and `repository`, which the Collector writes from two of them
 * (see REPOSITORY_ATTRIBUTES).
 */
export const Label = {
  sessionId: "session_id",
  userId: "user_id",
  model: "model",
  type: "type",
  startType: "start_type",
  toolName: "tool_name",
  decision: "decision",
  source: "source",
  language: "language",
  repository: "repository",
  querySource: "query_source",
  effort: "effort",
  speed: "speed",
  agent: "agent_name",
  skill: "skill_name",
  plugin: "plugin_name",
  marketplace: "marketplace_name",
  mcpServer: "mcp_server_name",
  mcpTool: "mcp_tool_name",
} as const;

export type CatalogLabel = (typeof Label)[keyof typeof Label];

/**
 * What the Collector appends to the session id of a cumulative data point,
 * before the start of its counts in Unix milliseconds: two processes that
 * resume one session at once (Claude Code issue #56317) send the same id with
 * the same attributes, and each process's totals must stay a series of its own.
 */
export const SESSION_START_SEPARATOR = "/";

/** The label matcher of a session's series, whatever the temporality its client sends. */
export function sessionMatcher(sessionId: string): string {
  return `${Label.sessionId}=~"${sessionId}(${SESSION_START_SEPARATOR}[0-9]+)?"`;
}

/**
 * Attributes that Claude Code 2.1.332 varies between the cost and token data
 * points of one session and model: who asked (the main conversation, a
 * subagent, an auxiliary request), at which effort and speed, and the agent,
 * skill, plugin, MCP server and tool it was for. Each combination is a stream
 * of its own, which must stay a series of its own: dropped, two streams write
 * one series and one's counts are lost (see docs/design.md). Their values are
 * those the session used: enumerations, and names of at most
 * MAX_LABEL_VALUE_LENGTH characters. None is folded into "other": that would
 * merge two streams again.
 */
export const REQUEST_ATTRIBUTES = [
  "query_source",
  "effort",
  "speed",
  "agent.name",
  "skill.name",
  "plugin.name",
  "marketplace.name",
  "mcp_server.name",
  "mcp_tool.name",
] as const;

/** The repository and the request labels: what tells a user's streams apart. */
function repositoryAndStreams(): string[] {
  return [Label.repository, ...requestLabels()];
}

/** REQUEST_ATTRIBUTES as labels (all in Label). */
function requestLabels(): CatalogLabel[] {
  return REQUEST_ATTRIBUTES.map((key) => labelForAttribute(key) as CatalogLabel);
}

/** Labels of the metrics the Collector derives from Claude Code's events (event attribute keys too). */
export const EventLabel = { statusCode: "status_code", success: "success", errorType: "error_type" } as const;

/**
 * Claude Code 2.1.332 sends an api_error (and api_retries_exhausted) whose
 * retries all met 529 Overloaded without a status_code, with this `error`
 * attribute; the Collector writes status_code 529 for it. Error messages never
 * become labels.
 */
export const OVERLOADED_ERROR = { attribute: "error", message: "Repeated 529 Overloaded errors", statusCode: 529 } as const;

/** The names of a recorded series' rollup outputs. */
export interface Rollups {
  /**
   * The running sum of the per-interval sums in the current rollup window,
   * until the window is closed.
   */
  readonly windowToDate: string;
  /** A rollup window's total, written once, when the window is closed. */
  readonly windowTotal: string;
}

/** A cumulative series in Prometheus that dashboards read through its recording rule. */
export interface RecordedSeries {
  /** Series name in Prometheus. */
  readonly name: string;
  /**
   * Name of the recording rule output: how much the series grew in each rule
   * interval, summed over sessions. Dashboards read this, not `name`.
   */
  readonly recorded: string;
  /**
   * The rollups of `recorded` that dashboards read over a long range instead
   * of every interval's sum (see renderers/recording-rules.ts). Absent on the
   * per-user series, which also keep the repository and request labels: only
   * a picked user with a picked repository or stream reads them, a few
   * series, while their rollups were the most costly rules (12.4 s of a 28.6 s
   * evaluation at 10,000 developers, bench/results.md): the rules do not write
   * them (0.3.0 was the last release that did).
   */
  readonly rollups?: Rollups;
  /** Labels of this series that dashboards filter or group on (Claude Code's own counters also carry session_id). */
  readonly labels: readonly string[];
  /**
   * The same three rule outputs summed over users, repositories and request
   * streams (without SUMMED_OVER_USERS), which dashboards read when they
   * filter and group by none of those: a few series per team and model
   * instead of a few per user and stream. Its `labels` still name them, so
   * the user and repository filters reach it (see QueryBuilder.increase).
   * Absent on itself, as are the three below.
   */
  readonly allUsers?: RecordedSeries;
  /**
   * The same three rule outputs summed over users only (without
   * SUMMED_BY_STREAM), which dashboards read when they filter or group by a
   * repository or request stream but not by user: a few series per team,
   * repository and stream instead of a few per user.
   */
  readonly allUsersByStream?: RecordedSeries;
  /**
   * The same three rule outputs summed over users, request streams and
   * models (without SUMMED_BY_REPOSITORY), which dashboards read when they
   * filter or group by a repository but by no stream or model: a few series
   * per team and repository. Absent where it would be the sums by stream
   * again (a series without a model or request labels).
   */
  readonly allUsersByRepository?: RecordedSeries;
  /**
   * The same three rule outputs summed per user over every other label of the
   * series but a bucket's bound (see summedPerUser): what the leaderboards by
   * user, the User filter and a picked user's totals read, one series per user
   * (per bound) instead of one per user, model, token type, repository and
   * stream. A picked user's values by model or type read the per-user series.
   */
  readonly byUser?: RecordedSeries;
}

function rollupsOf(recorded: string): Rollups {
  return { windowToDate: `${recorded}_window_to_date`, windowTotal: `${recorded}_window` };
}

/**
 * Labels the sums per user (RecordedSeries.byUser) add up: all of the series'
 * labels but the user and a histogram bucket's bound. Summed over the
 * repository and request streams only (0.4.0), they kept a few series per user
 * and model (ten of token usage): over 7 days of 1,000 developers the
 * leaderboard of tokens by user took 210 ms of the Activity dashboard's 350
 * (bench/results.md), and their rules were a third of the rule evaluation at
 * 10,000 developers.
 */
export function summedPerUser(series: RecordedSeries): string[] {
  return series.labels.filter((label) => label !== Label.userId && label !== BUCKET_LABEL);
}

/**
 * Labels the sums over users (RecordedSeries.allUsers) add up: the user, the
 * repository and the request attributes. Kept there, they multiply those
 * sums by every stream and repository a team used, and every dashboard at
 * "All" reads them: the main dashboard over 30 days of 100 developers took
 * 1,065 ms instead of 204 (bench/results.md).
 */
export const SUMMED_OVER_USERS: readonly string[] = [Label.userId, ...repositoryAndStreams()];

/**
 * Labels the sums over users by stream (RecordedSeries.allUsersByStream) add
 * up: the user only. Without them, the Spend dashboard at "All" added up
 * every user's series per repository and stream: 9.1 s over 90 days of 100
 * developers (bench/results.md).
 */
export const SUMMED_BY_STREAM: readonly string[] = [Label.userId];

/**
 * Labels the sums over users by repository (RecordedSeries.allUsersByRepository)
 * add up: the user, the model and the request attributes. Without them, the
 * Spend dashboard's panels by repository added up every model and stream of
 * each repository: 164 ms of its 490 over 7 days of 1,000 developers for the
 * tokens by repository (bench/results.md).
 */
export const SUMMED_BY_REPOSITORY: readonly string[] = [Label.userId, Label.model, ...requestLabels()];

/** One summed level of a per-user series: its rule outputs, the labels it adds up, and the level its rule reads. */
export interface SummedLevel {
  readonly series: RecordedSeries;
  readonly summedAway: readonly string[];
  /** The per-user series or a finer summed level, which keeps every label this one keeps. */
  readonly from: RecordedSeries;
}

/**
 * The summed levels of a per-user series, the one that adds up the most
 * first; each level's `from` comes after it in this list, or is the per-user
 * series.
 */
export function summedLevels(series: RecordedSeries): SummedLevel[] {
  const levels: SummedLevel[] = [];
  if (series.allUsers) levels.push({ series: series.allUsers, summedAway: SUMMED_OVER_USERS, from: series.allUsersByStream ?? series });
  if (series.allUsersByRepository) levels.push({ series: series.allUsersByRepository, summedAway: SUMMED_BY_REPOSITORY, from: series.allUsersByStream ?? series });
  if (series.allUsersByStream) levels.push({ series: series.allUsersByStream, summedAway: SUMMED_BY_STREAM, from: series });
  if (series.byUser) levels.push({ series: series.byUser, summedAway: summedPerUser(series), from: series });
  return levels;
}

/**
 * The sums over repositories and request streams per user that 0.4.0's
 * leaderboards by user and picked user read (`<series>:increase_all_streams`,
 * with their window totals and running sums): the rules still write them, so
 * a stack rolled back to 0.4.0 finds them for the time this release ran; no
 * dashboard or alert of this release reads them. The next release stops
 * writing them.
 */
export function rollbackLevels(series: RecordedSeries): SummedLevel[] {
  if (series.byUser === undefined) return [];
  const recorded = `${series.name}:increase_all_streams`;
  return [{ series: { name: series.name, recorded, rollups: rollupsOf(recorded), labels: series.labels }, summedAway: repositoryAndStreams(), from: series }];
}

/**
 * Every level the rules write for a per-user series, each after the level its
 * rule reads: the summed levels finest first, then those a rollback reads.
 */
export function writtenLevels(series: RecordedSeries): SummedLevel[] {
  return [...summedLevels(series).reverse(), ...rollbackLevels(series)];
}

export interface MetricDefinition extends RecordedSeries {
  /** Name of the OTel instrument in Claude Code. */
  readonly otelName: string;
  readonly labels: readonly CatalogLabel[];
}

function recordedSeries(name: string, labels: readonly string[]): RecordedSeries {
  const outputs = (recorded: string) => ({ name, recorded, rollups: rollupsOf(recorded), labels });
  return {
    name,
    recorded: `${name}:increase`,
    labels,
    allUsers: outputs(`${name}:increase_all_users`),
    allUsersByStream: outputs(`${name}:increase_all_users_by_stream`),
    ...(labels.some((label) => label !== Label.userId && SUMMED_BY_REPOSITORY.includes(label)) ? { allUsersByRepository: outputs(`${name}:increase_all_users_by_repository`) } : {}),
    byUser: outputs(`${name}:increase_by_user`),
  };
}

function metric(otelName: string, name: string, labels: CatalogLabel[]): MetricDefinition {
  const withUser = [Label.userId, Label.repository, ...labels];
  return { otelName, ...recordedSeries(name, withUser), labels: withUser };
}

export const Metric = {
  sessions: metric("claude_code.session.count", "claude_code_session_count_total", [Label.startType]),
  tokens: metric("claude_code.token.usage", "claude_code_token_usage_tokens_total", [Label.type, Label.model, ...requestLabels()]),
  cost: metric("claude_code.cost.usage", "claude_code_cost_usage_USD_total", [Label.model, ...requestLabels()]),
  activeTime: metric("claude_code.active_time.total", "claude_code_active_time_seconds_total", [Label.type]),
  linesOfCode: metric("claude_code.lines_of_code.count", "claude_code_lines_of_code_count_total", [Label.type, Label.model]),
  commits: metric("claude_code.commit.count", "claude_code_commit_count_total", []),
  pullRequests: metric("claude_code.pull_request.count", "claude_code_pull_request_count_total", []),
  editDecisions: metric("claude_code.code_edit_tool.decision", "claude_code_code_edit_tool_decision_total", [
    Label.toolName,
    Label.decision,
    Label.source,
    Label.language,
  ]),
} as const;

export type MetricKey = keyof typeof Metric;

/** Values of the `type` label of claude_code.token.usage (camelCase, as Claude Code sends them). */
export const TokenType = {
  input: "input",
  output: "output",
  cacheRead: "cacheRead",
  cacheCreation: "cacheCreation",
} as const;

/** Values of the `type` label of claude_code.active_time.total. */
export const ActiveTimeType = { user: "user", cli: "cli" } as const;

/** Values of the `type` label of claude_code.lines_of_code.count. */
export const LinesType = { added: "added", removed: "removed" } as const;

/** Values of the `decision` label of claude_code.code_edit_tool.decision. */
export const EditDecision = { accept: "accept", reject: "reject" } as const;

/**
 * The attributes (with OTEL_METRICS_INCLUDE_REPOSITORY) from which the
 * Collector writes the `repository` label, "owner/name", on every data point
 * and event that has both. The remote's URL (vcs.repository.url.full) is not
 * kept: it can carry credentials, and it adds nothing to owner and name.
 */
export const REPOSITORY_ATTRIBUTES = { owner: "vcs.owner.name", name: "vcs.repository.name", separator: "/" } as const;

/** The `repository` label value for attributes that name both owner and name, as the Collector writes it. */
export function repositoryName(attributes: Readonly<Record<string, unknown>>): string | undefined {
  const [owner, name] = [attributes[REPOSITORY_ATTRIBUTES.owner], attributes[REPOSITORY_ATTRIBUTES.name]];
  return owner !== undefined && name !== undefined ? `${owner}${REPOSITORY_ATTRIBUTES.separator}${name}` : undefined;
}

/**
 * Data point attributes the Collector keeps (besides the team attributes); it
 * drops every other one, so per-request ids, client details (terminal, app
 * version) and anything a future client adds never become labels. session.id
 * stays: each Claude Code process must write its own series, or parallel
 * sessions would overwrite each other; so do the request attributes, for the
 * streams within a session.
 */
export const KEPT_ATTRIBUTES: readonly string[] = [
  ...REQUEST_ATTRIBUTES,
  Label.repository,
  "session.id",
  "user.id",
  "user.email",
  "model",
  "type",
  "start_type",
  "tool_name",
  "decision",
  "source",
  "language",
  ...Object.values(EventLabel),
];

/** Label naming the stack a series comes from, on every series a stack sends to a central store. */
export const SITE_LABEL = "site";

/** Labels that every series carries and that must never be used by a team attribute. */
export const RESERVED_LABELS: readonly string[] = [
  SITE_LABEL,
  ...Object.values(Label),
  ...Object.values(EventLabel),
  "job",
  "instance",
  "le",
  "quantile",
  "otel_scope_name",
  "otel_scope_version",
  "otel_scope_schema_url",
  "user_account_uuid",
  "user_email",
  "organization_id",
  "terminal_type",
  "app_version",
];

/** Prometheus label name for an OTel attribute key (the exporter replaces every non-alphanumeric character). */
export function labelForAttribute(attributeKey: string): string {
  return attributeKey.replace(/[^a-zA-Z0-9_]/g, "_");
}


/** What a metric derived from one kind of Claude Code event (an OTLP log record) is made of. */
interface EventMetricSpec {
  /** `event.name` of the events counted. */
  readonly event: string;
  /** Name of the metric the Collector creates. */
  readonly otelName: string;
  /** Series name in Prometheus (a histogram's base name, without _bucket, _sum, _count). */
  readonly name: string;
  readonly description: string;
  /** Event attributes that become labels, with the value used when an event lacks one. */
  readonly attributes: readonly { readonly key: string; readonly missing?: string }[];
}

/** A counter of events: one per event, or the sum of a milliseconds attribute in seconds. */
export interface EventCounter extends EventMetricSpec, RecordedSeries {
  readonly kind: "counter";
  /** The event attribute in milliseconds whose sum in seconds is counted. @default - each event counts 1 */
  readonly secondsOf?: string;
}

/** A histogram of a duration attribute of events, in seconds. */
export interface EventHistogram extends EventMetricSpec {
  readonly kind: "histogram";
  /** The event attribute in milliseconds and the bucket upper bounds in seconds. */
  readonly duration: { readonly attribute: string; readonly buckets: readonly number[] };
  /** Cumulative count per upper bound (label `le`). */
  readonly bucket: RecordedSeries;
  /** Sum of the durations in seconds. */
  readonly sum: RecordedSeries;
  /** Number of events. */
  readonly count: RecordedSeries;
}

export type EventMetricDefinition = EventCounter | EventHistogram;

/** Label of a histogram's bucket upper bound. */
export const BUCKET_LABEL = "le";

/**
 * Label the recording rules put on every series they write: the time series
 * steps, as Grafana writes them in `$__interval` and between commas, at which
 * the dashboards read rollup window totals instead of per-interval sums
 * (whole multiples of the rollup window; see renderers/recording-rules.ts).
 */
export const ROLLUP_STEPS_LABEL = "rollup_steps";

/**
 * Longest time after its window's end at which a window total can still be
 * written (a closing found late, after Prometheus was down: Prometheus's
 * 5-minute lookback); a time series step reads totals this much later.
 */
export const LATE_CLOSING_SECONDS = 300;

/** Labels of an event metric: the user and repository, then its attributes. */
function eventLabels(spec: EventMetricSpec): string[] {
  return [Label.userId, Label.repository, ...spec.attributes.map(({ key }) => labelForAttribute(key))];
}

function eventCounter(spec: EventMetricSpec, secondsOf?: string): EventCounter {
  return { kind: "counter", ...spec, ...recordedSeries(spec.name, eventLabels(spec)), ...(secondsOf ? { secondsOf } : {}) };
}

function eventHistogram(spec: EventMetricSpec, duration: EventHistogram["duration"]): EventHistogram {
  const labels = eventLabels(spec);
  return {
    kind: "histogram",
    ...spec,
    duration,
    bucket: recordedSeries(`${spec.name}_bucket`, [...labels, BUCKET_LABEL]),
    sum: recordedSeries(`${spec.name}_sum`, labels),
    count: recordedSeries(`${spec.name}_count`, labels),
  };
}

/**
 * API request durations: streamed answers take from under a second to minutes,
 * so the bounds follow that spread (the 60 s, 120 s and 300 s bounds catch long
 * outputs and retries within one request).
 */
const API_DURATION_BUCKETS = [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300];
/** Tool durations: file tools take milliseconds, Bash commands up to the 10-minute tool timeout. */
const TOOL_DURATION_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 600];

/**
 * Label value written when an event lacks the attribute: `status_code` of an
 * API error without an HTTP status (a connection failure), `error_type` of a
 * tool run that succeeded.
 */
export const ABSENT = "none";

/** The series an event metric has in Prometheus: a counter's one, or a histogram's buckets, sum and count. */
export function eventSeries(metric: EventMetricDefinition): RecordedSeries[] {
  return metric.kind === "counter" ? [metric] : [metric.bucket, metric.sum, metric.count];
}

/** Values of the `success` label of tool results (Claude Code sends strings). */
export const ToolOutcome = { succeeded: "true", failed: "false" } as const;

export const EventMetric = {
  apiRequests: eventCounter({
    event: "api_request",
    otelName: "claude_code.api.request",
    name: "claude_code_api_request_total",
    description: "API requests that returned an answer",
    attributes: [{ key: Label.model }],
  }),
  apiErrors: eventCounter({
    event: "api_error",
    otelName: "claude_code.api.error",
    name: "claude_code_api_error_total",
    description: "API requests that failed after their last attempt (status_code none: no HTTP status, e.g. a connection failure)",
    attributes: [{ key: Label.model }, { key: EventLabel.statusCode, missing: ABSENT }],
  }),
  apiRetriesExhausted: eventCounter({
    event: "api_retries_exhausted",
    otelName: "claude_code.api.retries_exhausted",
    name: "claude_code_api_retries_exhausted_total",
    description: "API requests that failed after more than one attempt",
    attributes: [{ key: Label.model }, { key: EventLabel.statusCode, missing: ABSENT }],
  }),
  apiRetryTime: eventCounter(
    {
      event: "api_retries_exhausted",
      otelName: "claude_code.api.retry_time",
      name: "claude_code_api_retry_time_seconds_total",
      description: "Time spent on requests that failed after more than one attempt, from the first attempt to the last (total_retry_duration_ms)",
      attributes: [{ key: Label.model }, { key: EventLabel.statusCode, missing: ABSENT }],
    },
    "total_retry_duration_ms",
  ),
  apiRefusals: eventCounter({
    event: "api_refusal",
    otelName: "claude_code.api.refusal",
    name: "claude_code_api_refusal_total",
    description: "Answers with stop reason refusal",
    attributes: [{ key: Label.model }],
  }),
  apiDuration: eventHistogram(
    {
      event: "api_request",
      otelName: "claude_code.api.request.duration",
      name: "claude_code_api_request_duration_seconds",
      description: "Duration of API requests that returned an answer",
      attributes: [{ key: Label.model }],
    },
    { attribute: "duration_ms", buckets: API_DURATION_BUCKETS },
  ),
  toolResults: eventCounter({
    event: "tool_result",
    otelName: "claude_code.tool.result",
    name: "claude_code_tool_result_total",
    description: "Tool runs by tool and outcome (error_type none when the tool succeeded)",
    attributes: [{ key: Label.toolName }, { key: EventLabel.success }, { key: EventLabel.errorType, missing: ABSENT }],
  }),
  toolDuration: eventHistogram(
    {
      event: "tool_result",
      otelName: "claude_code.tool.duration",
      name: "claude_code_tool_duration_seconds",
      description: "Duration of tool runs",
      attributes: [{ key: Label.toolName }],
    },
    { attribute: "duration_ms", buckets: TOOL_DURATION_BUCKETS },
  ),
  prompts: eventCounter({
    event: "user_prompt",
    otelName: "claude_code.user.prompt",
    name: "claude_code_user_prompt_total",
    description: "Prompts typed by users (a count only; the prompt is never stored)",
    attributes: [],
  }),
} as const;

/**
 * What the stack's own programs say about themselves, which its alerts read:
 * Prometheus's metrics of its targets and rule groups, and the Collector's own
 * counters (as Collector 0.161 serves them: no _total suffix) for the signals
 * Claude Code sends, metrics and logs (its events).
 */
export const StackMetric = {
  up: "up",
  samplesScraped: "scrape_samples_scraped",
  ruleEvaluationFailures: "prometheus_rule_evaluation_failures_total",
  ruleGroupLastDuration: "prometheus_rule_group_last_duration_seconds",
  ruleGroupInterval: "prometheus_rule_group_interval_seconds",
  collectorRefused: ["otelcol_receiver_refused_metric_points", "otelcol_receiver_refused_log_records"],
  collectorExportFailed: ["otelcol_exporter_send_failed_metric_points", "otelcol_exporter_send_failed_log_records"],
} as const;

/** The series the budget rules write: each team's (and user's) spend in its periods, and the budgets themselves. */
export const BudgetSeries = {
  /** Budget in US dollars, by team and `budget` (BudgetPeriod). */
  budget: "claude_code_budget_usd",
  teamToday: "team:claude_code_cost_usage_USD:today",
  teamMonthToDate: "team:claude_code_cost_usage_USD:month_to_date",
  /** Month to date plus the trailing 7-day daily mean times the days left in the month. */
  teamMonthForecast: "team:claude_code_cost_usage_USD:month_forecast",
  userToday: "user:claude_code_cost_usage_USD:today",
} as const;

/** The label of budgets and budget alerts that names the period, and its values. */
export const BUDGET_LABEL = "budget";
export const BudgetPeriod = { day: "daily", month: "monthly", userDay: "user daily" } as const;

/** The label of every alert that says how urgent it is, and its values. */
export const SEVERITY_LABEL = "severity";
export const Severity = { warning: "warning", critical: "critical" } as const;

/** Prometheus's series of its alerts: one per alert that is pending or firing, with the alert's labels. */
export const AlertSeries = { name: "ALERTS", alertName: "alertname", state: "alertstate", firing: "firing" } as const;
