import { labelForAttribute } from "./catalog";

/** The one object every dashboard and query is built from. */
export interface DashboardConfig {
  /** Name of the dashboards' datasource variable; every query uses it. */
  readonly datasourceVariable: string;
  /** Template variables that filter every query, in the order they appear. */
  readonly filters: readonly FilterVariable[];
  /** Smallest step of time series queries: the Prometheus scrape interval. */
  readonly minInterval: string;
  /** Tags of every dashboard. */
  readonly tags: readonly string[];
}

/** A template variable bound to one label. */
export interface FilterVariable {
  /** Variable name, used as $name in queries. */
  readonly name: string;
  /** Label the variable filters on. */
  readonly label: string;
  /** Title shown above the drop-down. */
  readonly title: string;
}

/** Builds the dashboard configuration for a set of team attribute keys. */
export function dashboardConfig(options: { teamAttributeKeys: readonly string[]; scrapeInterval: string }): DashboardConfig {
  const teamFilters = options.teamAttributeKeys.map((key) => {
    const label = labelForAttribute(key);
    return { name: label, label, title: key };
  });
  return {
    datasourceVariable: "datasource",
    filters: [{ name: "user", label: "user_id", title: "User" }, { name: "model", label: "model", title: "Model" }, ...teamFilters],
    minInterval: options.scrapeInterval,
    tags: ["claude-code", "opentelemetry"],
  };
}
