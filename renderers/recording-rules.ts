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
  /** Length of the rollup windows, a multiple of `interval`, e.g. "1h" (see windowTotalRule). */
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
 * The running sum at the previous evaluation (found by Prometheus's lookback,
 * 5 minutes), unless a window total was written at that same evaluation,
 * which closed it.
 */
function openRunningSum(series: RecordedSeries): string {
  const previous = `${series.windowToDate} offset 1ms`;
  const previousTotal = `${series.windowTotal} offset 1ms`;
  return `(${previous}) unless (${previousTotal} and timestamp(${previousTotal}) == timestamp(${previous}))`;
}

/**
 * The rule expression of a series' running sum in the current rollup window:
 * this evaluation's recorded growth plus the previous running sum, if that is
 * still open. Written at every evaluation from the window's first growth until
 * the window is closed (see windowTotalRule).
 */
export function windowToDateRule(series: RecordedSeries): string {
  return [
    `sum without (${PART_LABEL}) (`,
    `  label_replace(last_over_time(${series.recorded}[1ms]), "${PART_LABEL}", "this", "", "")`,
    `  or`,
    `  label_replace(${openRunningSum(series)}, "${PART_LABEL}", "earlier", "", "")`,
    `)`,
  ].join("\n");
}

/**
 * The rule expression of a window total: the running sum, written at the last
 * evaluation of each clock-aligned window [k * window, (k + 1) * window), which
 * closes it. If that evaluation was missed (Prometheus down), the first one
 * after it that still finds the previous running sum open closes it, with this
 * evaluation's growth in it. Either way each recorded growth is in exactly one
 * total or in the running sum still open, which is what the dashboards add up
 * (see QueryBuilder.increase).
 */
export function windowTotalRule(series: RecordedSeries, intervalSeconds: number, windowSeconds: number): string {
  const lastOfWindow = `${series.windowToDate} and on () (vector(time()) % ${windowSeconds} >= ${windowSeconds - intervalSeconds})`;
  const openFromEarlierWindow = `${series.windowToDate} and (timestamp(${series.windowToDate} offset 1ms) < time() - time() % ${windowSeconds}) and (${openRunningSum(series)})`;
  return `${lastOfWindow}\nor\n${openFromEarlierWindow}`;
}

/**
 * Every rule: for each counter, and a histogram's buckets, sum and count, its
 * growth per interval, then its running sum and window total, each reading
 * what the rules before it wrote in the same evaluation (rules of a group run
 * in order).
 */
export function recordingRules(intervalSeconds: number, windowSeconds: number): { record: string; expr: string }[] {
  const rules: { record: string; expr: string }[] = [];
  const add = (series: RecordedSeries, expr: string) => {
    rules.push({ record: series.recorded, expr });
    rules.push({ record: series.windowToDate, expr: windowToDateRule(series) });
    rules.push({ record: series.windowTotal, expr: windowTotalRule(series, intervalSeconds, windowSeconds) });
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
