/**
 * Checks of the metrics the Collector derives from Claude Code's events against
 * the events themselves (recorded by the test before they reach the Collector):
 * every counter (of events, or of an attribute's seconds) per label set, and
 * every histogram's count and buckets, over the whole scenario, read from the
 * raw series as Prometheus holds them.
 */
import { BUCKET_LABEL, EventLabel, EventMetric, Label, OVERLOADED_ERROR, labelForAttribute, repositoryName } from "../telemetry/catalog";
import { ClaudeEvent } from "./event-receiver";
import { TimeRange } from "../testkit/grafana-evaluation";
import { query } from "../testkit/prometheus-api";
import { matches } from "../testkit/panel-checks";

export interface EventMetricCheck {
  readonly metric: string;
  readonly found: string;
  readonly expected: string;
  readonly passed: boolean;
}

/** One check per event metric (histograms: count and buckets), all label sets at once. */
export async function eventMetricChecks(prometheusUrl: string, events: readonly ClaudeEvent[], range: TimeRange): Promise<EventMetricCheck[]> {
  const checks: EventMetricCheck[] = [];
  for (const metric of Object.values(EventMetric)) {
    const matching = events.filter((event) => event.name === metric.event);
    const labels = metric.attributes.map(({ key }) => labelForAttribute(key));
    const keyOf = (event: ClaudeEvent) => metric.attributes.map(({ key, missing }) => String(attributeOf(event, key) ?? missing)).join(",");
    const series = metric.kind === "histogram" ? metric.count.name : metric.name;
    const valueOf = metric.kind === "counter" && metric.secondsOf ? (event: ClaudeEvent) => Number(event.attributes[metric.secondsOf!]) / 1000 : () => 1;
    checks.push(compare(metric.name, await totalsBy(prometheusUrl, series, labels, range), sumBy(matching, keyOf, valueOf)));
    if (metric.kind === "histogram") {
      const histogram = metric.duration;
      const bounds = [...histogram.buckets.map(String), "+Inf"];
      const expected: Record<string, number> = {};
      for (const event of matching) {
        const seconds = Number(event.attributes[histogram.attribute]) / 1000;
        for (const bound of bounds) {
          if (bound === "+Inf" || seconds <= Number(bound)) {
            const key = `${keyOf(event)},le=${bound}`;
            expected[key] = (expected[key] ?? 0) + 1;
          }
        }
      }
      // Prometheus 3 writes bucket bounds in float form (le="1.0"): compare them as numbers.
      const found = await totalsBy(prometheusUrl, metric.bucket.name, [...labels, BUCKET_LABEL], range, (le) => `le=${le === "+Inf" ? le : Number(le)}`);
      checks.push(compare(metric.bucket.name, found, expected));
    }
  }
  return checks;
}

/**
 * An event attribute as the Collector sees it: from the event, else its
 * resource (where Claude Code 2.1.48 puts the team attributes); the status of
 * an overloaded error written from its message, the repository from its owner
 * and name.
 */
export function attributeOf(event: ClaudeEvent, key: string): string | number | boolean | undefined {
  if (key === Label.repository) return repositoryName(event.attributes);
  const overloaded = key === EventLabel.statusCode && event.attributes[OVERLOADED_ERROR.attribute] === OVERLOADED_ERROR.message;
  return event.attributes[key] ?? event.resource[key] ?? (overloaded ? OVERLOADED_ERROR.statusCode : undefined);
}

function sumBy(events: readonly ClaudeEvent[], keyOf: (event: ClaudeEvent) => string, valueOf: (event: ClaudeEvent) => number): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const event of events) sums[keyOf(event)] = (sums[keyOf(event)] ?? 0) + valueOf(event);
  return sums;
}

/** Growth of `series` over the range per label set, label values joined like the oracle's keys; zero sets left out. */
async function totalsBy(
  prometheusUrl: string,
  series: string,
  labels: readonly string[],
  range: TimeRange,
  lastLabel: (value: string) => string = (value) => value,
): Promise<Record<string, number>> {
  const expr = `sum by (${labels.join(", ")}) (increase(${series}[${Math.round(range.to - range.from)}s] anchored))`;
  const data = await query(prometheusUrl, "query", { query: expr, time: String(range.to) });
  const totals: Record<string, number> = {};
  for (const { metric, value } of data.result) {
    const total = Number(value[1]);
    if (total === 0) continue;
    const values = labels.map((label, i) => (i === labels.length - 1 ? lastLabel(metric[label] ?? "") : (metric[label] ?? "")));
    totals[values.join(",")] = total;
  }
  return totals;
}

function compare(metric: string, found: Record<string, number>, expected: Record<string, number>): EventMetricCheck {
  const format = (values: Record<string, number>) =>
    Object.entries(values)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, value]) => `${key}=${value}`)
      .join(" ") || "none";
  const keys = new Set([...Object.keys(found), ...Object.keys(expected)]);
  // Sums of seconds from milliseconds differ in the last bits with the order of addition.
  const passed = [...keys].every((key) => matches(found[key], expected[key]));
  return { metric, found: format(found), expected: format(expected), passed };
}
