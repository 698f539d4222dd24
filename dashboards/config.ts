import { budgetTeamAttribute } from "../config/alerting-config";
import { StackConfig } from "../config/stack-config";
import { Label, labelForAttribute } from "../telemetry/catalog";

/** The one object every dashboard and query is built from. */
export interface DashboardConfig {
  /** Name of the dashboards' datasource variable; every query uses it. */
  readonly datasourceVariable: string;
  /** Template variables that filter every query, in the order they appear. */
  readonly filters: readonly FilterVariable[];
  /** Smallest step of time series queries: the recording rules' interval. */
  readonly minInterval: string;
  /** How queries read counters; see CounterReading. */
  readonly counterReading: CounterReading;
  /** Tags of every dashboard. */
  readonly tags: readonly string[];
  /**
   * The budgets dashboard's team filter and warning fraction, when the stack
   * runs its alerting rules.
   * @default - no budgets dashboard
   */
  readonly budgets?: BudgetsView;
}

/** What the budgets dashboard is built from. */
export interface BudgetsView {
  /** The team attribute that budgets count by, as a filter variable. */
  readonly team: FilterVariable;
  /** Share of a budget at which the warning alert fires: the gauges turn orange there. */
  readonly warningFraction: number;
}

/**
 * How queries read the counters:
 * - "recorded": the recording rules' rollup window totals inside the range
 *   and the running sums at its ends (what the stack provisions: exact, and
 *   its cost grows with users and windows, not with sessions and minutes);
 * - "recorded-intervals": add up the recording rules' per-interval sums (the
 *   stack's previous design: exact, one sample per rule interval);
 * - "raw-increase": anchored increase() over every session's series (exact,
 *   but reads every sample ever scraped in the range);
 * - "raw-increase-metricsql": increase() over every session's series as a
 *   user of VictoriaMetrics writes it (MetricsQL has no `anchored`: its
 *   increase() starts from the last sample before the window and does not
 *   extrapolate);
 * - "raw-sum": sum of the counters' current values, as public copies of this
 *   dashboard do (ignores the time picker, drops finished sessions).
 * All but the first exist so the benchmark can time them on the same data.
 */
export type CounterReading = "recorded" | "recorded-intervals" | "raw-increase" | "raw-increase-metricsql" | "raw-sum";

/** A template variable bound to one label. */
export interface FilterVariable {
  /** Variable name, used as $name in queries. */
  readonly name: string;
  /** Label the variable filters on. */
  readonly label: string;
  /** Title shown above the drop-down. */
  readonly title: string;
}

/** The label matcher of a filter, which every selector it reaches carries. */
export function filterMatcher(filter: FilterVariable): string {
  return `${filter.label}=~"$${filter.name}"`;
}

/** Builds the dashboard configuration for a set of team attribute keys. */
export function dashboardConfig(options: {
  teamAttributeKeys: readonly string[];
  ruleInterval: string;
  counterReading?: CounterReading;
  /** The team attribute key budgets count by, and the warning fraction. @default - no budgets dashboard */
  budgets?: { teamAttribute: string; warningFraction: number };
}): DashboardConfig {
  const teamFilter = (key: string): FilterVariable => {
    const label = labelForAttribute(key);
    return { name: label, label, title: key };
  };
  const teamFilters = options.teamAttributeKeys.map(teamFilter);
  return {
    datasourceVariable: "datasource",
    filters: [
      { name: "user", label: Label.userId, title: "User" },
      { name: "model", label: Label.model, title: "Model" },
      { name: "repository", label: Label.repository, title: "Repository" },
      ...teamFilters,
    ],
    minInterval: options.ruleInterval,
    counterReading: options.counterReading ?? "recorded",
    tags: ["claude-code", "opentelemetry"],
    budgets: options.budgets && { team: teamFilter(options.budgets.teamAttribute), warningFraction: options.budgets.warningFraction },
  };
}

/** The dashboard configuration of a stack. */
export function stackDashboardConfig(config: StackConfig, counterReading?: CounterReading): DashboardConfig {
  return dashboardConfig({
    teamAttributeKeys: Object.keys(config.teamAttributes),
    ruleInterval: config.prometheus.ruleInterval,
    counterReading,
    budgets: config.alerting.enabled
      ? { teamAttribute: budgetTeamAttribute(config.budgets, Object.keys(config.teamAttributes)), warningFraction: config.budgets.warningFraction }
      : undefined,
  });
}
