/**
 * What one simulated Claude Code session records, shared by the load generator
 * (which records it into OpenTelemetry instruments and exports it to the
 * Collector) and the history writer (which turns it into the series
 * Prometheus would hold). Both count what they record, so the dashboards can
 * be checked against it.
 */
import { createHash } from "crypto";
import { Label, MetricKey, REPOSITORY_ATTRIBUTES, repositoryName } from "../telemetry/catalog";

/** OTel data point attributes, as Claude Code sets them. */
export type Attributes = Readonly<Record<string, string>>;

/** Adds `value` to the counter `metric` with these attributes. */
export type RecordMeasurement = (metric: MetricKey, value: number, attributes: Attributes) => void;

/** Emits one Claude Code event (an OTLP log record) with these attributes. */
export type EmitEvent = (name: string, attributes: Readonly<Record<string, string | number>>) => void;

/** What was recorded: the oracle of a benchmark run. */
export interface SentTotals {
  sessions: number;
  requests: number;
  tokens: { input: number; output: number; cacheRead: number; cacheCreation: number };
  cost: number;
  activeSeconds: { user: number; cli: number };
  linesAdded: number;
  linesRemoved: number;
  commits: number;
  pullRequests: number;
  /** Data points handed to the exporters (one per changed series per export); load generator only. */
  exportedDataPoints: number;
  failedExports: number;
  /** Events emitted, by kind (load generator with events on only). */
  events: { apiRequests: number; apiErrors: number; retriesExhausted: number; refusals: number; prompts: number; toolRuns: number; toolFailures: number };
}

export const DEFAULT_TEAMS: readonly string[] = ["platform", "payments", "mobile", "data"];
export const DEFAULT_MODELS: readonly string[] = ["claude-sonnet-5-5", "claude-haiku-5-5"];

export function emptyTotals(): SentTotals {
  return {
    sessions: 0,
    requests: 0,
    tokens: { input: 0, output: 0, cacheRead: 0, cacheCreation: 0 },
    cost: 0,
    activeSeconds: { user: 0, cli: 0 },
    linesAdded: 0,
    linesRemoved: 0,
    commits: 0,
    pullRequests: 0,
    exportedDataPoints: 0,
    failedExports: 0,
    events: { apiRequests: 0, apiErrors: 0, retriesExhausted: 0, refusals: 0, prompts: 0, toolRuns: 0, toolFailures: 0 },
  };
}

/** A simulated developer: the user id on their data points, the team attributes on their client's resource, the repositories they work in. */
export interface Developer {
  readonly userId: string;
  readonly resource: Attributes;
  readonly repositories: readonly string[];
}

/** Repositories per team, and how many of its team's each developer works in (a session runs in one). */
const TEAM_REPOSITORIES = 10;
const REPOSITORIES_PER_DEVELOPER = 3;

/** Developer number `index`; their team is teams[index % teams.length]. */
export function developer(index: number, teams: readonly string[] = DEFAULT_TEAMS): Developer {
  const team = teams[index % teams.length];
  // Claude Code's user.id is a 64-digit hex hash; its length matters for the index size.
  const userId = createHash("sha256").update(`bench-user-${index}`).digest("hex");
  const repositories = Array.from({ length: REPOSITORIES_PER_DEVELOPER }, (_, n) => `${team}-service-${(index + n) % TEAM_REPOSITORIES}`);
  return { userId, resource: { "team.id": team, department: `dept-${team}` }, repositories };
}

/**
 * The attributes every data point of a session carries: its repository as
 * Claude Code names it with OTEL_METRICS_INCLUDE_REPOSITORY (the URL and
 * provider, and terminal.type, are ones the Collector drops).
 */
export function sessionAttributes(sessionId: string, userId: string, repository: string): Attributes {
  return {
    "session.id": sessionId,
    "user.id": userId,
    "terminal.type": "bench",
    [REPOSITORY_ATTRIBUTES.owner]: "acme",
    [REPOSITORY_ATTRIBUTES.name]: repository,
    "vcs.repository.url.full": `https://github.com/acme/${repository}`,
    "vcs.provider.name": "github",
  };
}

/** The repository label the Collector writes for a data point with these attributes (see REPOSITORY_ATTRIBUTES). */
export function repositoryLabel(attributes: Attributes): [string, string][] {
  const repository = repositoryName(attributes);
  return repository === undefined ? [] : [[Label.repository, repository]];
}

/** A session's repository: one of its developer's, at random. */
export function sessionRepository(who: Developer, random: () => number): string {
  return who.repositories[Math.floor(random() * who.repositories.length)];
}

/** Share of requests a subagent makes (its own stream of cost and tokens), and the agent types. */
const SUBAGENT_SHARE = 0.2;
const AGENTS = ["Explore", "general-purpose"] as const;

/** What Claude Code records when a session starts. */
export function startSession(record: RecordMeasurement, session: Attributes, totals: SentTotals): void {
  record("sessions", 1, { ...session, start_type: "fresh" });
  totals.sessions++;
}

/** One API request and what a real session does around it. */
export function simulateRequest(record: RecordMeasurement, session: Attributes, model: string, random: () => number, totals: SentTotals): void {
  const usage = {
    input: 200 + Math.floor(random() * 3000),
    output: 50 + Math.floor(random() * 1500),
    cacheRead: Math.floor(random() * 40000),
    cacheCreation: Math.floor(random() * 4000),
  };
  // Who asked, as Claude Code 2.1.332 labels cost and tokens: the main conversation or a subagent, at an effort.
  const subagent = random() < SUBAGENT_SHARE ? AGENTS[Math.floor(random() * AGENTS.length)] : undefined;
  const request = { model, effort: "medium", query_source: subagent ? "subagent" : "main", ...(subagent ? { "agent.name": subagent } : {}) };
  for (const [type, count] of Object.entries(usage) as [keyof typeof usage, number][]) {
    record("tokens", count, { ...session, ...request, type });
    totals.tokens[type] += count;
  }
  // Micro-dollars keep the sum exact in floating point.
  const cost = Math.round(usage.input * 3 + usage.output * 15 + usage.cacheRead * 0.3 + usage.cacheCreation * 3.75) / 1e6;
  record("cost", cost, { ...session, ...request });
  totals.cost += cost;
  const cli = Math.round(random() * 20_000) / 1000;
  const user = Math.round(random() * 30_000) / 1000;
  record("activeTime", cli, { ...session, type: "cli" });
  record("activeTime", user, { ...session, type: "user" });
  totals.activeSeconds.cli += cli;
  totals.activeSeconds.user += user;
  totals.requests++;
  if (random() < 0.3) {
    const added = 1 + Math.floor(random() * 40);
    const removed = Math.floor(random() * 20);
    const decision = random() < 0.85 ? "accept" : "reject";
    record("editDecisions", 1, { ...session, tool_name: "Edit", decision, source: "config", language: "TypeScript" });
    if (decision === "accept") {
      record("linesOfCode", added, { ...session, model, type: "added" });
      record("linesOfCode", removed, { ...session, model, type: "removed" });
      totals.linesAdded += added;
      totals.linesRemoved += removed;
    }
  }
  if (random() < 0.05) {
    record("commits", 1, session);
    totals.commits++;
  }
  if (random() < 0.01) {
    record("pullRequests", 1, session);
    totals.pullRequests++;
  }
}

/**
 * Tools a request runs, with their share of runs, duration range in
 * milliseconds, failure rate and the error type Claude Code reports for a
 * failure. File tools take milliseconds; Bash from a tenth of a second to a
 * few minutes (tests, builds).
 */
const TOOLS = [
  { name: "Read", share: 0.35, ms: [2, 200], failure: 0.03, errorType: "TelemetrySafeError" },
  { name: "Bash", share: 0.25, ms: [100, 120_000], failure: 0.1, errorType: "ShellError" },
  { name: "Edit", share: 0.15, ms: [5, 100], failure: 0.05, errorType: "TelemetrySafeError" },
  { name: "Grep", share: 0.1, ms: [10, 2000], failure: 0.01, errorType: "TelemetrySafeError" },
  { name: "Glob", share: 0.1, ms: [5, 500], failure: 0.01, errorType: "TelemetrySafeError" },
  { name: "Write", share: 0.05, ms: [5, 100], failure: 0.02, errorType: "TelemetrySafeError" },
] as const;

/**
 * Event rates per API request (assumed, from the shape of the e2e's real
 * sessions: every request answered is one api_request, most answers run a
 * tool, a prompt starts a few requests; errors are requests whose retries all
 * failed, which is rare).
 */
const EVENT_RATES = { toolRun: 0.8, prompt: 0.2, apiError: 0.005, refusal: 0.001 };
const ERROR_STATUSES: readonly (number | undefined)[] = [429, 529, 500, undefined];

/**
 * The events Claude Code emits around one API request, with the attributes
 * it sets (and ids and content the Collector must drop: prompt.id, the
 * redacted prompt, the error message).
 */
export function simulateEvents(emit: EmitEvent, session: Attributes, model: string, random: () => number, totals: SentTotals): void {
  const between = (low: number, high: number) => Math.round(low + random() * (high - low));
  const common = { ...session, "prompt.id": `prompt-${Math.floor(random() * 1e9)}` };
  if (random() < EVENT_RATES.prompt) {
    emit("user_prompt", { ...common, prompt_length: String(between(10, 2000)), prompt: "<REDACTED>" });
    totals.events.prompts++;
  }
  if (random() < EVENT_RATES.apiError) {
    const status = ERROR_STATUSES[Math.floor(random() * ERROR_STATUSES.length)];
    const failure = { ...common, model, error: status === undefined ? "Connection error." : `scripted ${status}`, ...(status ? { status_code: status } : {}) };
    emit("api_error", { ...failure, duration_ms: between(5, 60_000), attempt: 11 });
    emit("api_retries_exhausted", { ...failure, total_attempts: 11, total_retry_duration_ms: between(10_000, 300_000) });
    totals.events.apiErrors++;
    totals.events.retriesExhausted++;
    return;
  }
  // Most answers take seconds; one in ten is a long output of up to two minutes.
  const durationMs = random() < 0.9 ? between(800, 15_000) : between(15_000, 120_000);
  emit("api_request", { ...common, model, duration_ms: durationMs, cost_usd: Math.round(random() * 1e5) / 1e6, input_tokens: between(200, 3000) });
  totals.events.apiRequests++;
  if (random() < EVENT_RATES.refusal) {
    emit("api_refusal", { ...common, model, attempt: 1 });
    totals.events.refusals++;
  }
  if (random() < EVENT_RATES.toolRun) {
    let pick = random();
    const tool = TOOLS.find((candidate) => (pick -= candidate.share) < 0) ?? TOOLS[0];
    const failed = random() < tool.failure;
    emit("tool_result", {
      ...common,
      tool_name: tool.name,
      success: String(!failed),
      duration_ms: String(between(tool.ms[0], tool.ms[1])),
      ...(failed ? { error_type: tool.errorType } : {}),
    });
    totals.events.toolRuns++;
    if (failed) totals.events.toolFailures++;
  }
}

/** A small deterministic generator, so a run can be repeated. */
export function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}
