import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import { EditDecision, Label, Metric } from "../../telemetry/catalog";
import { DashboardKit, PlacedPanel, RowSpec, Unit, addRows, baseDashboard, placed, buildDashboard } from "../common";
import { DashboardConfig } from "../config";

export const ACTIVITY_DASHBOARD_UID = "claude-code-activity";

/** What the main dashboard does not show: edit decisions, pull requests, line balance and leaderboards. */
export function activityDashboard(config: DashboardConfig): dashboard.Dashboard {
  const kit = new DashboardKit(config);
  const builder = baseDashboard(
    config,
    ACTIVITY_DASHBOARD_UID,
    "Claude Code Activity",
    "Code edit decisions, pull requests, lines added versus removed, and cost and token leaderboards per user and team.",
  ).variables(kit.variables());
  return buildDashboard(addRows(builder, [codeEditsRow(kit), codeOutputRow(kit), leaderboardsRow(kit)]), config);
}

function codeEditsRow(kit: DashboardKit): RowSpec {
  const q = kit.queries;
  const accepted = q.sumIncrease(Metric.editDecisions, { decision: EditDecision.accept });
  // One selector for both decisions: a sum of two would be empty when either has no series.
  const decided = q.sumIncrease(Metric.editDecisions, { decision: [EditDecision.accept, EditDecision.reject] });
  const decisionLegend = `{{${Label.decision}}}`;
  return {
    title: "Code Edits",
    panels: [
      placed(
        kit
          .stat("Edit Decisions", "Edit, Write and NotebookEdit proposals accepted and rejected.", Unit.count, [
            { expr: q.total(Metric.editDecisions, { decision: EditDecision.accept }), legend: "Accepted" },
            { expr: q.total(Metric.editDecisions, { decision: EditDecision.reject }), legend: "Rejected" },
          ])
          .decimals(0),
        8,
        6,
      ),
      placed(
        kit.gauge(
          "Acceptance Rate",
          "Accepted edit proposals / all decided edit proposals.",
          Unit.percent,
          { expr: q.ratio(accepted, decided), legend: "Acceptance rate" },
          { min: 0, max: 1, decimals: 1, steps: [["red", null], ["orange", 0.5], ["green", 0.8]] },
        ),
        4,
        6,
      ),
      placed(
        kit.barGauge("Decisions by Tool", "Edit decisions per tool and decision.", Unit.count, {
          expr: q.totalBy(Metric.editDecisions, [Label.toolName, Label.decision]),
          legend: `{{${Label.toolName}}} ${decisionLegend}`,
        }),
        6,
        6,
      ),
      placed(
        kit.barGauge("Decisions by Language", "Edit decisions per file language and decision.", Unit.count, {
          expr: q.totalBy(Metric.editDecisions, [Label.language, Label.decision]),
          legend: `{{${Label.language}}} ${decisionLegend}`,
        }),
        6,
        6,
      ),
    ],
  };
}

function codeOutputRow(kit: DashboardKit): RowSpec {
  const q = kit.queries;
  return {
    title: "Code Output",
    panels: [
      placed(
        kit
          .stat("Pull Requests", "Pull requests Claude Code created in the selected range.", Unit.count, [
            { expr: q.total(Metric.pullRequests), legend: "Pull requests" },
          ])
          .decimals(0),
        6,
        8,
      ),
      placed(
        kit.timeseries("Lines Added vs Removed", "Lines added and removed per step.", Unit.count, {
          expr: q.perStepBy(Metric.linesOfCode, [Label.type]),
          legend: `{{${Label.type}}}`,
        }),
        18,
        8,
      ),
    ],
  };
}

function leaderboardsRow(kit: DashboardKit): RowSpec {
  // Cost and tokens by model are on the main dashboard, by repository on the spend dashboard.
  const groups = kit.config.filters.filter((filter) => filter.label !== Label.model && filter.label !== Label.repository);
  const panels: PlacedPanel[] = groups.flatMap((group) => [
    placed(
      kit.leaderboard(`Cost by ${group.title}`, `Cost in USD in the selected range per ${group.title}.`, Unit.usd, {
        expr: kit.queries.totalByStated(Metric.cost, group.label),
      }, "Cost").decimals(2),
      12,
      8,
    ),
    placed(
      kit.leaderboard(`Tokens by ${group.title}`, `Tokens of all types in the selected range per ${group.title}.`, Unit.count, {
        expr: kit.queries.totalByStated(Metric.tokens, group.label),
      }, "Tokens").decimals(0),
      12,
      8,
    ),
  ]);
  return { title: "Leaderboards", panels };
}
