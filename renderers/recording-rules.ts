import { stringify } from "yaml";
import { durationSeconds } from "../config/stack-config";
import {
  BUCKET_LABEL,
  EventHistogram,
  EventMetric,
  LATE_CLOSING_SECONDS,
  Label,
  Metric,
  ROLLUP_STEPS_LABEL,
  RecordedSeries,
  Rollups,
  SummedLevel,
  eventSeries,
  writtenLevels,
} from "../telemetry/catalog";
import { ROUNDED_STEPS, intervalText } from "../telemetry/grafana-intervals";

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
function growthSum(series: RecordedSeries, intervalSeconds: number, catchUpWindows: number): string {
  const growth = (windowsBack: number) =>
    `increase(${series.name}[${intervalSeconds}s] anchored${windowsBack > 0 ? ` offset ${windowsBack * intervalSeconds}s` : ""})`;
  const catchUp = (windowsBack: number) => {
    // Recorded samples at t - interval ... t - windowsBack * interval.
    const written = `last_over_time(${series.recorded}[${(windowsBack - 1) * intervalSeconds + 1}s] offset ${intervalSeconds}s)`;
    const missed = `${growth(windowsBack)} unless ignoring (${Label.sessionId}, ${ROLLUP_STEPS_LABEL}) ${written}`;
    return `label_replace(${missed}, "${CATCH_UP_LABEL}", "${windowsBack}", "", "")`;
  };
  const terms = [growth(0), ...Array.from({ length: catchUpWindows }, (_, i) => catchUp(i + 1))];
  return `sum without (${Label.sessionId}, ${CATCH_UP_LABEL}) (\n  ${terms.join("\nor\n  ")}\n)`;
}

/**
 * The rule expression of a counter (or a histogram's count or sum): its growth,
 * written only where it grew. The backfill reads it without catch-up terms
 * (`catchUpWindows` 0): it evaluates every window of the past.
 */
export function increaseRule(series: RecordedSeries, intervalSeconds: number, catchUpWindows = CATCH_UP_WINDOWS): string {
  return `${growthSum(series, intervalSeconds, catchUpWindows)} > 0`;
}

/**
 * The rule expression of a histogram's buckets: every bucket's growth,
 * zeros included, wherever the histogram's count grew. A bucket left out
 * because it did not grow would move the lower bound of the bucket after it
 * to zero in histogram_quantile.
 */
export function bucketRule(histogram: EventHistogram, intervalSeconds: number, catchUpWindows = CATCH_UP_WINDOWS): string {
  return `${growthSum(histogram.bucket, intervalSeconds, catchUpWindows)}\nand ignoring (${BUCKET_LABEL})\n${increaseRule(histogram.count, intervalSeconds, catchUpWindows)}`;
}

/**
 * The rule expression of a summed level (see summedLevels): the per-interval
 * sums of the level it reads, written just before in this evaluation,
 * without the labels the level adds up.
 */
export function summedLevelRule({ summedAway, from }: SummedLevel): string {
  return `sum without (${summedAway.join(", ")}) (last_over_time(${from.recorded}[1ms]))`;
}

/** Value the running sum is written with when its window closes: anything below zero reads as "closed". */
export const CLOSED = -1;

/**
 * The running sum this evaluation would have: its recorded growth plus the
 * previous running sum if that is still open (found by Prometheus's lookback,
 * 5 minutes).
 */
function runningSum(recorded: string, rollups: Rollups): string {
  return [
    `sum without (${PART_LABEL}) (`,
    `  label_replace(last_over_time(${recorded}[1ms]), "${PART_LABEL}", "this", "", "")`,
    `  or`,
    `  label_replace((${rollups.windowToDate} offset 1ms) >= 0, "${PART_LABEL}", "earlier", "", "")`,
    `)`,
  ].join("\n");
}

/**
 * The evaluations that close a window: the last one of each clock-aligned
 * window (k * window, (k + 1) * window] (by the time of the per-interval
 * sums: right-closed like a time series step), or, if that one was missed
 * (Prometheus down), the first one after it that still finds a running sum
 * open from an earlier window.
 */
function closings(rollups: Rollups, intervalSeconds: number, windowSeconds: number): { lastOfWindow: string; openFromEarlierWindow: string } {
  const previous = `${rollups.windowToDate} offset 1ms`;
  // Time to the end of this evaluation's window (0 at the end itself); the window starts a window before that end.
  const toWindowEnd = `(${windowSeconds} - time() % ${windowSeconds}) % ${windowSeconds}`;
  return {
    lastOfWindow: `on () (vector(${toWindowEnd}) < ${intervalSeconds})`,
    openFromEarlierWindow: `(timestamp(${previous}) <= time() - ${windowSeconds} + ${toWindowEnd}) and ((${previous}) >= 0)`,
  };
}

/**
 * The rule expression of a window total: the running sum at the evaluation
 * that closes the window, written once. Each recorded growth is thus in
 * exactly one total or in a running sum still open, which is what the
 * dashboards add up (see QueryBuilder.increase).
 */
export function windowTotalRule(recorded: string, rollups: Rollups, intervalSeconds: number, windowSeconds: number): string {
  const sum = `(\n${runningSum(recorded, rollups)}\n)`;
  const { lastOfWindow, openFromEarlierWindow } = closings(rollups, intervalSeconds, windowSeconds);
  return `(${sum} and ${lastOfWindow})\nor\n(${sum} and (${openFromEarlierWindow}))`;
}

/**
 * The rule expression of a series' running sum in its rollup window: written
 * at every evaluation from the window's first growth, and as CLOSED at the
 * evaluation whose window total (written just before, by windowTotalRule)
 * closes it.
 */
export function windowToDateRule(recorded: string, rollups: Rollups): string {
  const closedNow = `last_over_time(${rollups.windowTotal}[1ms])`;
  return `(\n${runningSum(recorded, rollups)}\n) unless ${closedNow}\nor\n${closedNow} * 0 + (${CLOSED})`;
}

/**
 * Every rule: for each counter, and a histogram's buckets, sum and count, its
 * growth per interval (per user: no rollups, see RecordedSeries.rollups);
 * then for each summed level (per user, over users per stream, over users
 * per repository, then over all users) its growth per interval, window
 * total and running sum, and the same for the levels a rollback to the
 * previous release reads (see rollbackLevels). Each reads what the rules
 * before it wrote in the same evaluation (rules of a group run in order).
 */
export function recordingRules(intervalSeconds: number, windowSeconds: number): RecordingRule[] {
  const rules: RecordingRule[] = [];
  // The window totals and running sums take the label from the per-interval sums they add up;
  // the per-user sums, which have none, keep it so their series stay those of earlier releases.
  const labels = { [ROLLUP_STEPS_LABEL]: rollupSteps(intervalSeconds, windowSeconds) };
  const addOutputs = (series: RecordedSeries, expr: string) => {
    const { recorded, rollups } = series;
    rules.push({ record: recorded, expr, labels: { ...labels } });
    if (rollups === undefined) return;
    rules.push({ record: rollups.windowTotal, expr: windowTotalRule(recorded, rollups, intervalSeconds, windowSeconds) });
    rules.push({ record: rollups.windowToDate, expr: windowToDateRule(recorded, rollups) });
  };
  const add = (series: RecordedSeries, expr: string) => {
    addOutputs(series, expr);
    for (const level of writtenLevels(series)) addOutputs(level.series, summedLevelRule(level));
  };
  for (const { series, expr } of perIntervalRules(intervalSeconds)) add(series, expr);
  return rules;
}

/** Every recorded series (counters, and each series of a histogram) with the expression of its per-interval sums. */
export function perIntervalRules(intervalSeconds: number, catchUpWindows = CATCH_UP_WINDOWS): { series: RecordedSeries; expr: string }[] {
  const rules = Object.values(Metric).map((metric) => ({ series: metric as RecordedSeries, expr: increaseRule(metric, intervalSeconds, catchUpWindows) }));
  for (const metric of Object.values(EventMetric)) {
    for (const series of eventSeries(metric)) {
      const isBucket = metric.kind === "histogram" && series === metric.bucket;
      rules.push({ series, expr: isBucket ? bucketRule(metric, intervalSeconds, catchUpWindows) : increaseRule(series, intervalSeconds, catchUpWindows) });
    }
  }
  return rules;
}

/** One recording rule as Prometheus's rule file holds it. */
export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * The ROLLUP_STEPS_LABEL value: the steps Grafana can pick that are whole
 * multiples of the window, between commas (",1h,2h,3h,6h,12h,1d," for an hour).
 * A step at such a multiple ends at a window's end, so its growth is the
 * totals of its windows; read LATE_CLOSING_SECONDS later, which needs the
 * window's first total to come later than that after the step starts. None
 * for a window that short.
 */
export function rollupSteps(intervalSeconds: number, windowSeconds: number): string {
  const steps = windowSeconds - intervalSeconds < LATE_CLOSING_SECONDS ? [] : ROUNDED_STEPS.filter((step) => step % windowSeconds === 0);
  return `,${steps.map(intervalText).join(",")},`;
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
