/**
 * The grafana/grafana provider release these bindings were written against.
 * Attribute names follow that release's documented schema for the provider,
 * grafana_data_source, grafana_folder and grafana_dashboard.
 */
export const GRAFANA_PROVIDER = {
  providerName: "grafana",
  providerVersion: "4.24.0",
  providerVersionConstraint: "4.24.0",
} as const;
