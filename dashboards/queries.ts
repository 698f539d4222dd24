import { BUCKET_LABEL, EventHistogram, Label, RecordedSeries } from "./catalog";
import { DashboardConfig } from "./config";

/**
 * Label conditions added to a selector: a string matches exactly, a list matches
 * any of its values, e.g. { type: "input" } or { type: ["input", "cacheRead"] }.
 */
export type Matchers = Readonly<Record<string, string | readonly string[]>>;

/**
 * Builds every PromQL expression of the dashboards from the metric catalog and
 * the dashboard configuration, so the filter variables reach every selector.
 *
 * Counters are read from the recording rules' per-interval sums (see
 * renderers/recording-rules.ts) with `sum_over_time(...[window])`: the windows
 * (t - window, t] of consecutive steps do not overlap, so a stat over the
 * dashboard range and the sum of a time series' steps both equal what Claude
 * Code counted. DashboardConfig.counterReading switches to the raw series for
 * the benchmark.
 */
export class QueryBuilder {
  constructor(private readonly config: DashboardConfig) {}

  /** `series{filters..., matchers...}`, with the filters that apply to this metric; `series` is the raw counter or its recorded sums. */
  selector(metric: RecordedSeries, matchers: Matchers = {}, series = this.seriesName(metric)): string {
    const filters = this.config.filters
      .filter((filter) => appliesTo(filter.label, metric))
      .map((filter) => `${filter.label}=~"$${filter.name}"`);
    const exact = Object.entries(matchers).map(([label, value]) =>
      typeof value === "string" ? `${label}="${value}"` : `${label}=~"${value.join("|")}"`,
    );
    return `${series}{${[...exact, ...filters].join(", ")}}`;
  }

  /** How much the counter grew over `window`, per series. */
  increase(metric: RecordedSeries, matchers: Matchers = {}, window = "$__range"): string {
    const selector = this.selector(metric, matchers);
    switch (this.config.counterReading) {
      case "recorded":
        return `sum_over_time(${selector}[${window}])`;
      case "raw-increase":
        return `increase(${selector}[${window}] anchored)`;
      case "raw-sum":
        return selector;
    }
  }

  /** Total growth over the dashboard range; 0 when nothing was counted. */
  total(metric: RecordedSeries, matchers: Matchers = {}): string {
    return `sum(${this.increase(metric, matchers)}) or vector(0)`;
  }

  /** Growth over the dashboard range, summed per value of `by`. */
  totalBy(metric: RecordedSeries, by: readonly string[], matchers: Matchers = {}): string {
    return `sum by (${by.join(", ")}) (${this.increase(metric, matchers)})`;
  }

  /** Growth in each time series step, summed per value of `by`. */
  perStepBy(metric: RecordedSeries, by: readonly string[], matchers: Matchers = {}): string {
    return `sum by (${by.join(", ")}) (${this.increase(metric, matchers, "$__interval")})`;
  }

  /** numerator / denominator over the dashboard range, empty when the denominator is 0. */
  ratio(numerator: string, denominator: string): string {
    return `(${numerator}) / (${denominator} > 0)`;
  }

  /** Sum of the counter's growth over the dashboard range (no `or vector(0)`), for use inside ratios. */
  sumIncrease(metric: RecordedSeries, matchers: Matchers = {}, window = "$__range"): string {
    return `sum(${this.increase(metric, matchers, window)})`;
  }

  /**
   * The q-quantile (0 to 1) of a histogram's observations in the dashboard
   * range, per value of `by`, interpolated linearly inside the bucket it falls in.
   */
  quantile(q: number, histogram: EventHistogram, by: readonly string[]): string {
    return `histogram_quantile(${q}, ${this.totalBy(histogram.bucket, [BUCKET_LABEL, ...by])})`;
  }

  /** Mean of a histogram's observations in the dashboard range, per value of `by`. */
  meanBy(histogram: EventHistogram, by: readonly string[]): string {
    return `${this.totalBy(histogram.sum, by)} / (${this.totalBy(histogram.count, by)} > 0)`;
  }

  /** Highest value of `expression` over the range, evaluated at every step. */
  maxOverRange(expression: string): string {
    return `max_over_time((${expression})[$__range:$__interval])`;
  }

  /** Query of a template variable: the values `label` takes on `metric`. */
  labelValues(metric: RecordedSeries, label: string): string {
    return `label_values(${this.seriesName(metric)}, ${label})`;
  }

  private seriesName(metric: RecordedSeries): string {
    return this.config.counterReading === "recorded" ? metric.recorded : metric.name;
  }
}

const CATALOG_LABELS: readonly string[] = Object.values(Label);

/**
 * Whether a filter applies to a metric: Claude Code's own labels only where the
 * metric has them (model is only on some), team labels everywhere.
 */
function appliesTo(label: string, metric: RecordedSeries): boolean {
  return !CATALOG_LABELS.includes(label) || metric.labels.includes(label);
}
