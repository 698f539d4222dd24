import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import { activityDashboard } from "./activity";
import { budgetsDashboard } from "./budgets";
import { DashboardConfig } from "./config";
import { healthDashboard } from "./health";
import { mainDashboard } from "./main";
import { spendDashboard } from "./spend";

/** Every dashboard of the project, by the file name it is written to under dashboards/json/. */
export function allDashboards(config: DashboardConfig): Record<string, dashboard.Dashboard> {
  return {
    "claude-code.json": mainDashboard(config),
    "claude-code-activity.json": activityDashboard(config),
    "claude-code-health.json": healthDashboard(config),
    "claude-code-spend.json": spendDashboard(config),
    ...(config.budgets ? { "claude-code-budgets.json": budgetsDashboard(config, config.budgets) } : {}),
  };
}

/** The dashboard model as Grafana stores it, with a trailing newline for files. */
export function dashboardJson(model: dashboard.Dashboard): string {
  return `${JSON.stringify(model, null, 2)}\n`;
}
