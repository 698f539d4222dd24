/**
 * What every panel of the Health dashboard must show, computed from Claude
 * Code's own events (recorded by the test's receiver before the Collector sees
 * them) without Prometheus. Percentiles are computed the way Prometheus
 * interpolates inside histogram buckets, from the events' exact durations and
 * the catalog's bucket bounds.
 */
import { ABSENT, EventLabel, EventMetric, Label, OVERLOADED_ERROR, ToolOutcome } from "../telemetry/catalog";
import { LATENCY_QUANTILES, TOOL_QUANTILE, percentileName } from "../dashboards/health";
import { UNKNOWN } from "../dashboards/queries";
import { ClaudeEvent } from "./event-receiver";
import { attributeOf } from "./event-metrics";
import type { CheckRow } from "../testkit/report";
import type { Expectation } from "../testkit/panel-checks";

/** The events a view shows (already filtered to its team), by name. */
export function healthExpectations(events: readonly ClaudeEvent[]): Record<string, Expectation> {
  const named = (name: string) => events.filter((event) => event.name === name);
  const requests = named(EventMetric.apiRequests.event);
  const errors = named(EventMetric.apiErrors.event);
  const prompts = named(EventMetric.prompts.event);
  const tools = named(EventMetric.toolResults.event);
  const failedTools = tools.filter((event) => attribute(event, EventLabel.success) === ToolOutcome.failed);
  const model = (event: ClaudeEvent) => attribute(event, Label.model);
  const tool = (event: ClaudeEvent) => attribute(event, Label.toolName);
  const status = (event: ClaudeEvent) => attribute(event, EventLabel.statusCode, ABSENT);
  const seconds = (event: ClaudeEvent) => Number(event.attributes.duration_ms) / 1000;

  const latency: Record<string, number> = {};
  for (const [name, durations] of Object.entries(groupValues(requests, model, seconds))) {
    for (const quantile of LATENCY_QUANTILES) {
      latency[`${name} ${percentileName(quantile)}`] = bucketQuantile(quantile, durations, EventMetric.apiDuration.duration.buckets);
    }
  }
  const toolDurations = groupValues(tools, tool, seconds);
  const toolRuns = countBy(tools, tool);
  const toolSuccesses = countBy(tools.filter((event) => attribute(event, EventLabel.success) === ToolOutcome.succeeded), tool);
  const people: Record<string, Expectation> = {};
  for (const [title, key] of PEOPLE_GROUPS) {
    people[`API Requests by ${title}`] = { value: countBy(requests, key) };
    people[`Prompts by ${title}`] = { value: countBy(prompts, key) };
  }

  return {
    "API Requests": { value: requests.length },
    "API Errors": { value: errors.length },
    "API Error Rate": { value: errors.length / (errors.length + requests.length) },
    "Retries Exhausted": { value: named(EventMetric.apiRetriesExhausted.event).length },
    "Time Lost to Exhausted Retries": { value: sum(named(EventMetric.apiRetryTime.event).map((event) => Number(event.attributes[EventMetric.apiRetryTime.secondsOf!]) / 1000)) },
    Refusals: { value: named(EventMetric.apiRefusals.event).length },
    Prompts: { value: prompts.length },
    "API Errors by Status Over Time": { value: countBy(errors, (event) => statusGroup(status(event))) },
    "API Errors by Model and Status": { value: countBy(errors, (event) => `${model(event)} ${status(event)}`) },
    "API Latency by Model": { value: latency },
    "API Requests by Model Over Time": { value: countBy(requests, model) },
    "Tool Runs": { value: { Succeeded: tools.length - failedTools.length, Failed: failedTools.length } },
    "Tool Success Rate": { value: mapValues(toolRuns, (runs, name) => (toolSuccesses[name] ?? 0) / runs) },
    "Tool Failures by Error Type": { value: countBy(failedTools, (event) => `${tool(event)} ${attribute(event, EventLabel.errorType, ABSENT)}`) },
    // A tool whose every run took 0 ms has no bar: its duration sum never grew, so no sum was recorded.
    "Slowest Tools (Mean)": { value: grown(mapValues(toolDurations, (durations) => sum(durations) / durations.length)) },
    [`Slowest Tools (${percentileName(TOOL_QUANTILE)})`]: {
      value: mapValues(toolDurations, (durations) => bucketQuantile(TOOL_QUANTILE, durations, EventMetric.toolDuration.duration.buckets)),
    },
    ...people,
  };
}

/** The e2e's leaderboard groups (the filters but Model; its team attributes are team.id and department) and each event's value of them. */
const PEOPLE_GROUPS: readonly [string, (event: ClaudeEvent) => string][] = [
  ["User", (event) => attribute(event, "user.id", UNKNOWN)],
  ["Repository", (event) => attribute(event, Label.repository, UNKNOWN)],
  ["team.id", (event) => attribute(event, "team.id", UNKNOWN)],
  ["department", (event) => attribute(event, "department", UNKNOWN)],
];

/** The entries that are not 0: panels by label leave out the values that did not grow. */
export function grown(values: Readonly<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== 0));
}

/** 429, 529 and none as they are; any other status by its class. */
function statusGroup(status: string): string {
  if (["429", String(OVERLOADED_ERROR.statusCode), ABSENT].includes(status)) return status;
  return `${status[0]}xx`;
}

/**
 * The q-quantile Prometheus's histogram_quantile gives for these observations
 * in buckets with these upper bounds (and +Inf): the rank q·n falls in the
 * first bucket whose cumulative count reaches it, and the value is
 * interpolated linearly between that bucket's bounds (0 below the first); in
 * the +Inf bucket it is the highest finite bound.
 */
export function bucketQuantile(q: number, observations: readonly number[], bounds: readonly number[]): number {
  const cumulative = bounds.map((bound) => observations.filter((value) => value <= bound).length);
  const rank = q * observations.length;
  const bucket = cumulative.findIndex((count) => count >= rank);
  if (bucket === -1) return bounds[bounds.length - 1];
  const lower = bucket === 0 ? 0 : bounds[bucket - 1];
  const below = bucket === 0 ? 0 : cumulative[bucket - 1];
  return lower + (bounds[bucket] - lower) * ((rank - below) / (cumulative[bucket] - below));
}

/**
 * The bucket (lower, upper] that holds the true q-quantile of the observations
 * (the ceil(q·n)-th smallest): histogram_quantile's value always lies in it, so
 * a percentile panel is off by at most that bucket's width.
 */
export function bucketOfTrueQuantile(q: number, observations: readonly number[], bounds: readonly number[]): { lower: number; upper: number; value: number } {
  const sorted = [...observations].sort((a, b) => a - b);
  const value = sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
  const upperIndex = bounds.findIndex((bound) => value <= bound);
  const upper = upperIndex === -1 ? Infinity : bounds[upperIndex];
  const lower = upperIndex === 0 ? 0 : upperIndex === -1 ? bounds[bounds.length - 1] : bounds[upperIndex - 1];
  return { lower, upper, value };
}

/**
 * For every percentile the Health dashboard shows (All view): the value
 * histogram_quantile gives lies in the bucket of the true quantile.
 */
export function quantileBucketChecks(events: readonly ClaudeEvent[]): CheckRow[] {
  const histograms = [
    { metric: EventMetric.apiDuration, key: (event: ClaudeEvent) => attribute(event, Label.model), quantiles: LATENCY_QUANTILES },
    { metric: EventMetric.toolDuration, key: (event: ClaudeEvent) => attribute(event, Label.toolName), quantiles: [TOOL_QUANTILE] },
  ];
  return histograms.flatMap(({ metric, key, quantiles }) => {
    const groups = groupValues(events.filter((event) => event.name === metric.event), key, (event) => Number(event.attributes.duration_ms) / 1000);
    return Object.entries(groups).flatMap(([name, durations]) =>
      quantiles.map((quantile) => {
        const estimate = bucketQuantile(quantile, durations, metric.duration.buckets);
        const truth = bucketOfTrueQuantile(quantile, durations, metric.duration.buckets);
        return {
          panel: `${metric.name} ${name} ${percentileName(quantile)}: shown value in the bucket of the true value (${truth.value} s of ${durations.length})`,
          found: String(estimate),
          expected: `in [${truth.lower}, ${truth.upper}]`,
          passed: estimate >= truth.lower && estimate <= truth.upper,
        };
      }),
    );
  });
}

function attribute(event: ClaudeEvent, key: string, missing = ""): string {
  return String(attributeOf(event, key) ?? missing);
}

function groupValues(events: readonly ClaudeEvent[], key: (event: ClaudeEvent) => string, value: (event: ClaudeEvent) => number): Record<string, number[]> {
  const groups: Record<string, number[]> = {};
  for (const event of events) (groups[key(event)] ??= []).push(value(event));
  return groups;
}

function countBy(events: readonly ClaudeEvent[], key: (event: ClaudeEvent) => string): Record<string, number> {
  return mapValues(groupValues(events, key, () => 1), (ones) => ones.length);
}

function mapValues<T>(record: Readonly<Record<string, T>>, map: (value: T, key: string) => number): Record<string, number> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, map(value, key)]));
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
