import { stringify } from "yaml";
import { durationSeconds } from "../config/stack-config";
import { BUCKET_LABEL, EventHistogram, EventMetric, Label, Metric, RecordedSeries, eventSeries } from "../dashboards/catalog";

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
  /** Length of the rollup windows, a multiple of `interval`, e.g. "1h" (see windowToDateRule). */
  readonly rollupWindow: string;
}

/** File name of the rules, in the Prometheus container and beside the dashboards' JSON. */
export const RULES_FILE = "recording-rules.yml";

/** Name of the one rule group. */
export const RULE_GROUP = "claude-code-increments";

/** Label that tells the catch-up terms of a rule apart before they are summed. */
const CATCH_UP_LABEL = "catch_up";

/** Label that tells the parts of a window-to-date sum apart before they are summed. */
const PART_LABEL = "part";

/**
 * How many missed evaluations in a row a rule makes up for: a Prometheus that
 * is down for up to this many intervals (a restart, a container replaced by
 * a configuration change) loses nothing from the recorded sums.
 */
export const CATCH_UP_WINDOWS = 5;

/**
 * The growth of `series` in the window (t - interval, t], summed over
 * sessions, plus the growth of up to CATCH_UP_WINDOWS earlier windows whose
 * evaluation is missing: a window k intervals back is added for a group of
 * series only if the rule wrote nothing for that group in the k evaluations
 * since. (Nothing is also written when a window had no growth, and then the
 * added growth is zero.)
 */
function growthSum(series: RecordedSeries, intervalSeconds: number): string {
  const growth = (windowsBack: number) =>
    `increase(${series.name}[${intervalSeconds}s] anchored${windowsBack > 0 ? ` offset ${windowsBack * intervalSeconds}s` : ""})`;
  const catchUp = (windowsBack: number) => {
    // Recorded samples at t - interval ... t - windowsBack * interval.
    const written = `last_over_time(${series.recorded}[${(windowsBack - 1) * intervalSeconds + 1}s] offset ${intervalSeconds}s)`;
    const missed = `${growth(windowsBack)} unless ignoring (${Label.sessionId}) ${written}`;
    return `label_replace(${missed}, "${CATCH_UP_LABEL}", "${windowsBack}", "", "")`;
  };
  const terms = [growth(0), ...Array.from({ length: CATCH_UP_WINDOWS }, (_, i) => catchUp(i + 1))];
  return `sum without (${Label.sessionId}, ${CATCH_UP_LABEL}) (\n  ${terms.join("\nor\n  ")}\n)`;
}

/** The rule expression of a counter (or a histogram's count or sum): its growth, written only where it grew. */
export function increaseRule(series: RecordedSeries, intervalSeconds: number): string {
  return `${growthSum(series, intervalSeconds)} > 0`;
}

/**
 * The rule expression of a histogram's buckets: every bucket's growth,
 * zeros included, wherever the histogram's count grew. A bucket left out
 * because it did not grow would move the lower bound of the bucket after it
 * to zero in histogram_quantile.
 */
export function bucketRule(histogram: EventHistogram, intervalSeconds: number): string {
  return `${growthSum(histogram.bucket, intervalSeconds)}\nand ignoring (${BUCKET_LABEL})\n${increaseRule(histogram.count, intervalSeconds)}`;
}

/**
 * The rule expression of a series' growth since the start of the current
 * rollup window: this evaluation's recorded growth plus the previous
 * evaluation's running sum, if that one was written in the same window.
 * Windows are clock-aligned and half-open, [k * window, (k + 1) * window), by
 * the timestamps of the recorded samples; the running sum is written at every
 * evaluation from the window's first growth to its end, so its last sample in
 * a window is the window's total. The previous sum is found by Prometheus's
 * lookback (5 minutes): after a longer outage the window's running sum
 * restarts from the growth recorded after it.
 */
export function windowToDateRule(series: RecordedSeries, windowSeconds: number): string {
  const previous = `${series.windowToDate} offset 1ms`;
  const sameWindow = `timestamp(${previous}) >= time() - time() % ${windowSeconds}`;
  return [
    `sum without (${PART_LABEL}) (`,
    `  label_replace(last_over_time(${series.recorded}[1ms]), "${PART_LABEL}", "this", "", "")`,
    `  or`,
    `  label_replace((${previous}) and (${sameWindow}), "${PART_LABEL}", "earlier", "", "")`,
    `)`,
  ].join("\n");
}

/**
 * Every rule: one per counter, and a histogram's buckets, sum and count; each
 * followed by its window-to-date rule, which reads what the first one wrote
 * in the same evaluation (rules of a group run in order).
 */
export function recordingRules(intervalSeconds: number, windowSeconds: number): { record: string; expr: string }[] {
  const rules: { record: string; expr: string }[] = [];
  const add = (series: RecordedSeries, expr: string) => {
    rules.push({ record: series.recorded, expr });
    rules.push({ record: series.windowToDate, expr: windowToDateRule(series, windowSeconds) });
  };
  for (const metric of Object.values(Metric)) add(metric, increaseRule(metric, intervalSeconds));
  for (const metric of Object.values(EventMetric)) {
    for (const series of eventSeries(metric)) {
      const isBucket = metric.kind === "histogram" && series === metric.bucket;
      add(series, isBucket ? bucketRule(metric, intervalSeconds) : increaseRule(series, intervalSeconds));
    }
  }
  return rules;
}

/**
 * Renders the rules file. Every counter (and every series of a histogram) gets
 * one rule that records its growth per interval without the session label, so
 * dashboards add up a few series per user instead of reading every sample of
 * every session ever written.
 *
 * Why the sums are exact: each evaluation covers (t - interval, t], the next
 * one starts where it ended, and `anchored` takes the last sample before the
 * window as its start (never extrapolating), so the windows' growths add up to
 * the counter's growth. A new series' first value counts because Prometheus
 * writes a zero at its start time (created-timestamp-zero-ingestion). Windows
 * without growth write nothing (`> 0`). The query offset lets a scrape finish
 * before its window is read, and the catch-up terms (see growthSum) make up
 * for evaluations missed while Prometheus was down.
 */
export function renderRecordingRules(options: RecordingRulesOptions): string {
  const intervalSeconds = durationSeconds(options.interval);
  const windowSeconds = durationSeconds(options.rollupWindow);
  const config = {
    groups: [{ name: RULE_GROUP, interval: options.interval, query_offset: options.scrapeInterval, rules: recordingRules(intervalSeconds, windowSeconds) }],
  };
  return stringify(config, { lineWidth: 0 });
}
