import { BUCKET_LABEL, EventHistogram, EventMetric, LATE_CLOSING_SECONDS, Label, Metric, ROLLUP_STEPS_LABEL, RecordedSeries, summedLevels } from "../telemetry/catalog";
import { DashboardConfig, filterMatcher } from "./config";

/** A window queries add growth over: the dashboard's range, or a time series' step. */
export type Window = "$__range" | "$__interval";

/** Label that tells the parts of a rolled-up growth apart until the caller sums them. */
const PART_LABEL = "part";

/**
 * A label no series has, so `all_users_guard!~"$user"` matches every series
 * while the user filter picks users, and none while it is "All" (".*", which
 * matches the empty value of a missing label). It switches off a finer
 * level's reading while a coarser one answers (see QueryBuilder.recordedGrowth).
 */
const ALL_USERS_GUARD = "all_users_guard";

/**
 * Label conditions added to a selector: a string matches exactly, a list matches
 * any of its values, e.g. { type: "input" } or { type: ["input", "cacheRead"] }.
 */
export type Matchers = Readonly<Record<string, string | readonly string[]>>;

/**
 * Builds every PromQL expression of the dashboards from the metric catalog and
 * the dashboard configuration, so the filter variables reach every selector.
 *
 * Counters are read from the recording rules (see renderers/recording-rules.ts
 * and `increase`): a value over the dashboard range from the rollup windows'
 * totals and running sums, a time series step from the per-interval sums. The
 * windows (t - window, t] of consecutive steps do not overlap, so a stat over
 * the dashboard range and the sum of a time series' steps both equal what
 * Claude Code counted. DashboardConfig.counterReading switches to other
 * readings for the benchmark.
 */
export class QueryBuilder {
  constructor(private readonly config: DashboardConfig) {}

  /**
   * `series{matchers..., filters..., extra...}`, with the filters that apply
   * to this metric; `series` is the raw counter or a recording rule's output,
   * `extra` further label matchers as PromQL.
   */
  selector(metric: RecordedSeries, matchers: Matchers = {}, series = this.seriesName(metric), extra: readonly string[] = []): string {
    const filters = this.config.filters
      .filter((filter) => appliesTo(filter.label, metric))
      .map(filterMatcher);
    const exact = Object.entries(matchers).map(([label, value]) =>
      typeof value === "string" ? `${label}="${value}"` : `${label}=~"${value.join("|")}"`,
    );
    return `${series}{${[...exact, ...filters, ...extra].join(", ")}}`;
  }

  /**
   * How much the counter grew over `window`, per series, for a caller that
   * sums it by `by`. The "recorded" reading (recordedGrowth) reads a dashboard
   * range from the rollups (rolledUpGrowth), in up to three parts per series
   * which every caller sums, and a time series step with stepGrowth.
   */
  increase(metric: RecordedSeries, matchers: Matchers = {}, window: Window = "$__range", by: readonly string[] = []): string {
    const selector = this.selector(metric, matchers);
    switch (this.config.counterReading) {
      case "recorded":
        return this.recordedGrowth(metric, matchers, window, by);
      case "recorded-intervals":
        return this.perIntervalSums(metric, matchers, window);
      case "raw-increase":
        return `increase(${selector}[${window}] anchored)`;
      case "raw-increase-metricsql":
        return `increase(${selector}[${window}])`;
      case "raw-sum":
        return selector;
    }
  }

  /**
   * The "recorded" reading of `increase`. The candidates are the summed
   * levels (see summedLevels) that keep every label the query groups by or
   * matches on, coarsest first, then the per-user series. A level answers
   * while the filters on the labels it adds up are "All": its selectors carry
   * every filter, and on a level that lacks a filter's label it matches only
   * as "All". Guards (see levelGuards) empty each candidate while one before
   * it answers, so exactly one answers: the coarsest that can.
   */
  private recordedGrowth(metric: RecordedSeries, matchers: Matchers, window: Window, by: readonly string[]): string {
    const growth = (series: RecordedSeries, extra: readonly string[] = []) =>
      window === "$__range" ? this.rolledUpGrowth(series, matchers, window, extra) : this.stepGrowth(series, matchers, extra);
    const used = [...by, ...Object.keys(matchers)];
    const candidates = [...summedLevels(metric).filter(({ summedAway }) => !used.some((label) => summedAway.includes(label))), { series: metric, summedAway: [] }];
    const parts: string[] = [];
    for (let i = 0; i < candidates.length; i++) {
      const guards = this.levelGuards(metric, candidates.slice(0, i));
      if (guards === undefined) break;
      parts.push(growth(candidates[i].series, guards));
    }
    return parts.join(" or ");
  }

  /**
   * The matchers that empty a level while one of the `coarser` levels
   * answers: one per coarser level, with the values of the filters on the
   * labels it adds up written one after another, which match the guard's
   * empty value only when every one is "All" (".*"), so `!~` empties the
   * selector exactly then. Undefined when a coarser level has no such filter:
   * it always answers, and this level is left out.
   */
  private levelGuards(metric: RecordedSeries, coarser: readonly { summedAway: readonly string[] }[]): string[] | undefined {
    const guards: string[] = [];
    for (const { summedAway } of coarser) {
      const names = this.config.filters.filter((filter) => summedAway.includes(filter.label) && appliesTo(filter.label, metric)).map((filter) => `$${filter.name}`);
      if (names.length === 0) return undefined;
      guards.push(`${ALL_USERS_GUARD}!~"${names.join("")}"`);
    }
    return guards;
  }

  /**
   * The growth in (t - window, t] from the rollup rules (see
   * renderers/recording-rules.ts), where every recorded growth is either in
   * one window total, written when its window closed, or in the running sum
   * of the window still open (a closed running sum is written below zero):
   *   the totals written in (t - window, t]
   * + the running sum at t, if open
   * - the running sum at t - window, if open.
   * The totals cover everything from the last closing at or before
   * t - window to the last closing at or before t; the second part adds what
   * came after that, up to t, and the third takes away what came before
   * t - window. What is left is exactly the growth in (t - window, t], for any
   * t and window, and a long range reads one total per series and window
   * instead of one sum per rule interval. No part matches series against
   * another, so labels a central store adds change nothing. A series without
   * rollups (the per-user series) is read as the sum of its per-interval sums.
   */
  private rolledUpGrowth(metric: RecordedSeries, matchers: Matchers, window: Window, extra: readonly string[]): string {
    const rollups = metric.rollups;
    if (rollups === undefined) return this.perIntervalSums(metric, matchers, window, extra);
    const totals = this.selector(metric, matchers, rollups.windowTotal, extra);
    const runningSum = this.selector(metric, matchers, rollups.windowToDate, extra);
    const part = (expression: string, name: string) => `label_replace(${expression}, "${PART_LABEL}", "${name}", "", "")`;
    return [
      part(`sum_over_time(${totals}[${window}])`, "closed windows"),
      part(`${runningSum} >= 0`, "open at the end"),
      part(`-(${runningSum} offset ${window} >= 0)`, "open at the start"),
    ].join(" or ");
  }

  /**
   * The growth in each time series step (t - step, t]. Grafana starts a range
   * query at a multiple of its step, so every step ends at one: where the step
   * is a whole multiple of the rollup window (ROLLUP_STEPS_LABEL lists those
   * steps on every recorded series), the step is whole windows, and its growth
   * is their totals, read LATE_CLOSING_SECONDS later so a total written late
   * still counts in its own step; at any other step, the per-interval sums.
   * The label matchers pick one of the two, so the other reads nothing.
   * (The running sums are never read per step: a step ends at every multiple
   * of itself, and reading them there costs more than the per-interval sums.)
   * A series without rollups is read from its per-interval sums at any step.
   */
  private stepGrowth(metric: RecordedSeries, matchers: Matchers, extra: readonly string[]): string {
    const rollups = metric.rollups;
    if (rollups === undefined) return this.perIntervalSums(metric, matchers, "$__interval", extra);
    const steps = `".*,$__interval,.*"`;
    const totals = this.selector(metric, matchers, rollups.windowTotal, [`${ROLLUP_STEPS_LABEL}=~${steps}`, ...extra]);
    const sums = this.selector(metric, matchers, metric.recorded, [`${ROLLUP_STEPS_LABEL}!~${steps}`, ...extra]);
    return `sum_over_time(${totals}[$__interval] offset -${LATE_CLOSING_SECONDS}s) or sum_over_time(${sums}[$__interval])`;
  }

  /** The growth in (t - window, t] as the sum of the per-interval sums. */
  private perIntervalSums(metric: RecordedSeries, matchers: Matchers, window: Window, extra: readonly string[] = []): string {
    return `sum_over_time(${this.selector(metric, matchers, metric.recorded, extra)}[${window}])`;
  }

  /** Total growth over the dashboard range; 0 when nothing was counted. */
  total(metric: RecordedSeries, matchers: Matchers = {}): string {
    return `sum(${this.increase(metric, matchers)}) or vector(0)`;
  }

  /** Growth over the dashboard range, summed per value of `by`; values that did not grow are left out. */
  totalBy(metric: RecordedSeries, by: readonly string[], matchers: Matchers = {}): string {
    return `(${this.sumBy(metric, by, matchers)} != 0)`;
  }

  /** totalBy for one label, with UNKNOWN where a series lacks the label. */
  totalByStated(metric: RecordedSeries, label: string, matchers: Matchers = {}): string {
    return stated(this.totalBy(metric, [label], matchers), label);
  }

  /**
   * The `count` largest values of totalByStated, and the rest summed into one
   * value named `others` when there are more than `count`. The values are
   * read three times (largest, all, and largest again to leave out of the
   * rest); PromQL has no way to name one result and read it twice.
   */
  topWithOthers(metric: RecordedSeries, label: string, count: number, others: string, matchers: Matchers = {}): string {
    const all = this.totalByStated(metric, label, matchers);
    const largest = `topk(${count}, ${all})`;
    return `${largest} or label_replace(sum(${all} unless on (${label}) ${largest}), "${label}", "${others}", "", "")`;
  }

  /** Growth in each time series step, summed per value of `by`; steps without growth are left out. */
  perStepBy(metric: RecordedSeries, by: readonly string[], matchers: Matchers = {}): string {
    return `(${this.sumBy(metric, by, matchers, "$__interval")} != 0)`;
  }

  /** numerator / denominator over the dashboard range, empty when the denominator is 0. */
  ratio(numerator: string, denominator: string): string {
    return `(${numerator}) / (${denominator} > 0)`;
  }

  /** Sum of the counter's growth over the dashboard range (no `or vector(0)`), for use inside ratios. */
  sumIncrease(metric: RecordedSeries, matchers: Matchers = {}, window: Window = "$__range"): string {
    return `sum(${this.increase(metric, matchers, window)})`;
  }

  /**
   * The q-quantile (0 to 1) of a histogram's observations in the dashboard
   * range, per value of `by`, interpolated linearly inside the bucket it falls in.
   */
  quantile(q: number, histogram: EventHistogram, by: readonly string[]): string {
    // Buckets that did not grow stay (they bound the next bucket from below), where the count grew.
    const buckets = this.sumBy(histogram.bucket, [BUCKET_LABEL, ...by]);
    return `histogram_quantile(${q}, ${buckets} and on (${by.join(", ")}) (${this.sumBy(histogram.count, by)} > 0))`;
  }

  /** Mean of a histogram's observations in the dashboard range, per value of `by`. */
  meanBy(histogram: EventHistogram, by: readonly string[]): string {
    return `${this.sumBy(histogram.sum, by)} / (${this.sumBy(histogram.count, by)} > 0)`;
  }

  /** Highest value of `expression` over the range, evaluated at every step. */
  maxOverRange(expression: string): string {
    return `max_over_time((${expression})[$__range:$__interval])`;
  }

  /** Growth over `window`, summed per value of `by`, zeros included. */
  private sumBy(metric: RecordedSeries, by: readonly string[], matchers: Matchers = {}, window: Window = "$__range"): string {
    return `sum by (${by.join(", ")}) (${this.increase(metric, matchers, window, by)})`;
  }

  /**
   * Query of a filter variable: the values `label` takes on every series the
   * dashboards read that carries it, so a model or team whose every request
   * failed in the range (API errors, no tokens) can still be picked. Each
   * label comes from the coarsest summed level that keeps it: the model and
   * team labels from a few series per team and model, the repository from a
   * few per team and stream, the user from a few per user. The users are
   * those of the picked teams: the team filters reach the user filter's query.
   */
  filterValues(label: string): string {
    const names = FILTERED_SERIES.filter((metric) => appliesTo(label, metric)).map((metric) => {
      const keeping = summedLevels(metric).find(({ summedAway }) => !summedAway.includes(label));
      return this.seriesName(keeping?.series ?? metric);
    });
    const teams = label === Label.userId ? this.config.filters.filter((filter) => !CATALOG_LABELS.includes(filter.label)).map(filterMatcher) : [];
    return `label_values({${[`__name__=~"${[...new Set(names)].join("|")}"`, ...teams].join(", ")}}, ${label})`;
  }

  private seriesName(metric: RecordedSeries): string {
    return this.config.counterReading.startsWith("raw-") ? metric.name : metric.recorded;
  }
}

/**
 * What a panel by label shows where a series lacks the label: Claude Code did
 * not send it (an older version, or a setting left off).
 */
export const UNKNOWN = "unknown";

/** `expression` with UNKNOWN as `label` where the label is missing (empty). */
export function stated(expression: string, label: string): string {
  return `label_replace(${expression}, "${label}", "${UNKNOWN}", "${label}", "")`;
}

const CATALOG_LABELS: readonly string[] = Object.values(Label);

/** Every series the dashboards read, a histogram by its count. */
const FILTERED_SERIES: readonly RecordedSeries[] = [
  ...Object.values(Metric),
  ...Object.values(EventMetric).map((metric) => (metric.kind === "histogram" ? metric.count : metric)),
];

/**
 * Whether a filter applies to a metric: Claude Code's own labels only where the
 * metric has them (model is only on some), team labels everywhere.
 */
function appliesTo(label: string, metric: RecordedSeries): boolean {
  return !CATALOG_LABELS.includes(label) || metric.labels.includes(label);
}
