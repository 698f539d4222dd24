import { stringify } from "yaml";
import { durationSeconds } from "../config/stack-config";
import { Label, Metric, MetricDefinition } from "../dashboards/catalog";

/** What the recording rules depend on. */
export interface RecordingRulesOptions {
  /** Prometheus duration between evaluations, and the window each one covers, e.g. "1m". */
  readonly interval: string;
  /**
   * Prometheus's scrape interval, which is also its scrape timeout: each
   * evaluation reads this far behind the clock (query_offset), so a scrape that
   * started inside a window has been written before the window is read.
   */
  readonly scrapeInterval: string;
}

/** File name of the rules, in the Prometheus container and beside the dashboards' JSON. */
export const RULES_FILE = "recording-rules.yml";

/** Name of the one rule group. */
export const RULE_GROUP = "claude-code-increments";

/** Label that tells the catch-up terms of a rule apart before they are summed. */
const CATCH_UP_LABEL = "catch_up";

/**
 * How many missed evaluations in a row a rule makes up for: a Prometheus that
 * is down for up to this many intervals (a restart, a container replaced by
 * a configuration change) loses nothing from the recorded sums.
 */
export const CATCH_UP_WINDOWS = 5;

/**
 * The expression that records how much `metric` grew in the window
 * (t - interval, t], summed over sessions, plus the growth of up to
 * CATCH_UP_WINDOWS earlier windows whose evaluation is missing: a window k
 * intervals back is added for a group of series only if the rule wrote
 * nothing for that group in the k evaluations since. (Nothing is also written
 * when a window had no growth, and then the added growth is zero.)
 */
export function increaseRule(metric: MetricDefinition, intervalSeconds: number): string {
  const growth = (windowsBack: number) =>
    `increase(${metric.name}[${intervalSeconds}s] anchored${windowsBack > 0 ? ` offset ${windowsBack * intervalSeconds}s` : ""})`;
  const catchUp = (windowsBack: number) => {
    // Recorded samples at t - interval ... t - windowsBack * interval.
    const written = `last_over_time(${metric.recorded}[${(windowsBack - 1) * intervalSeconds + 1}s] offset ${intervalSeconds}s)`;
    const missed = `${growth(windowsBack)} unless ignoring (${Label.sessionId}) ${written}`;
    return `label_replace(${missed}, "${CATCH_UP_LABEL}", "${windowsBack}", "", "")`;
  };
  const terms = [growth(0), ...Array.from({ length: CATCH_UP_WINDOWS }, (_, i) => catchUp(i + 1))];
  return `sum without (${Label.sessionId}, ${CATCH_UP_LABEL}) (\n  ${terms.join("\nor\n  ")}\n) > 0`;
}

/**
 * Renders the rules file. Every counter gets one rule that records its growth
 * per interval without the session label, so dashboards add up a few series
 * per user instead of reading every sample of every session ever written.
 *
 * Why the sums are exact: each evaluation covers (t - interval, t], the next
 * one starts where it ended, and `anchored` takes the last sample before the
 * window as its start (never extrapolating), so the windows' growths add up to
 * the counter's growth. A new series' first value counts because Prometheus
 * writes a zero at its start time (created-timestamp-zero-ingestion). Windows
 * without growth write nothing (`> 0`). The query offset lets a scrape finish
 * before its window is read, and the catch-up terms (see increaseRule) make up
 * for evaluations missed while Prometheus was down.
 */
export function renderRecordingRules(options: RecordingRulesOptions): string {
  const intervalSeconds = durationSeconds(options.interval);
  const rules = Object.values(Metric).map((metric) => ({ record: metric.recorded, expr: increaseRule(metric, intervalSeconds) }));
  const config = { groups: [{ name: RULE_GROUP, interval: options.interval, query_offset: options.scrapeInterval, rules }] };
  return stringify(config, { lineWidth: 0 });
}
