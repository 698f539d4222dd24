import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import { DashboardKit, addRows, baseDashboard, buildDashboard } from "../common";
import { DashboardConfig } from "../config";
import { breakdownsRow } from "./breakdowns";
import { timeSeriesRow } from "./time-series";
import { timeTrackingRow } from "./time-tracking";
import { tokenStatsRow } from "./token-stats";

export const MAIN_DASHBOARD_UID = "claude-code-overview";

/** The 22-panel Claude Code dashboard: tokens, cost, cache, time and code, per person and team. */
export function mainDashboard(config: DashboardConfig): dashboard.Dashboard {
  const kit = new DashboardKit(config);
  const builder = baseDashboard(
    config,
    MAIN_DASHBOARD_UID,
    "Claude Code",
    "Tokens, cost, cache efficiency, active time, sessions, commits and lines of code from Claude Code's OpenTelemetry metrics.",
  ).variables(kit.variables());
  return buildDashboard(addRows(builder, [tokenStatsRow(kit), breakdownsRow(kit), timeTrackingRow(kit), timeSeriesRow(kit)]), config);
}
