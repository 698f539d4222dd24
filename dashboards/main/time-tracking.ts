import { ActiveTimeType, Label, LinesType, Metric } from "../../telemetry/catalog";
import { DashboardKit, RowSpec, Unit, placed } from "../common";
import { Window } from "../queries";

export function timeTrackingRow(kit: DashboardKit): RowSpec {
  return {
    title: "Time Tracking",
    panels: [
      placed(sessions(kit), 4, 4),
      placed(commits(kit), 4, 4),
      placed(linesOfCode(kit), 4, 4),
      placed(activeTime(kit, "Active Time (You)", ActiveTimeType.user, "Time you spent typing or reading in Claude Code."), 4, 4),
      placed(activeTime(kit, "Active Time (CLI)", ActiveTimeType.cli, "Time Claude Code spent running tools and generating responses."), 4, 4),
      placed(peakLeverage(kit), 4, 4),
      placed(activeTimeDistribution(kit), 12, 8),
      placed(productivityRatio(kit), 12, 8),
    ],
  };
}

function sessions(kit: DashboardKit) {
  return kit
    .stat("Sessions", "Claude Code sessions started in the selected range.", Unit.count, [
      { expr: kit.queries.total(Metric.sessions), legend: "Sessions" },
    ])
    .decimals(0);
}

function commits(kit: DashboardKit) {
  return kit
    .stat("Commits", "Git commits Claude Code created in the selected range.", Unit.count, [
      { expr: kit.queries.total(Metric.commits), legend: "Commits" },
    ])
    .decimals(0);
}

function linesOfCode(kit: DashboardKit) {
  const q = kit.queries;
  return kit
    .stat("Lines of Code", "Lines added and removed by Claude Code's edits in the selected range.", Unit.count, [
      { expr: q.total(Metric.linesOfCode, { type: LinesType.added }), legend: "Added" },
      { expr: q.total(Metric.linesOfCode, { type: LinesType.removed }), legend: "Removed" },
    ])
    .decimals(0);
}

function activeTime(kit: DashboardKit, title: string, type: string, description: string) {
  return kit.stat(title, description, Unit.seconds, [{ expr: kit.queries.total(Metric.activeTime, { type }), legend: title }]);
}

/** CLI time / user time per step: how many seconds Claude Code worked per second of yours. */
function leverage(kit: DashboardKit, window: Window): string {
  const q = kit.queries;
  return q.ratio(
    q.sumIncrease(Metric.activeTime, { type: ActiveTimeType.cli }, window),
    q.sumIncrease(Metric.activeTime, { type: ActiveTimeType.user }, window),
  );
}

function peakLeverage(kit: DashboardKit) {
  return kit
    .stat("Peak Leverage", "Highest CLI time / user time ratio of any step in the selected range.", Unit.ratio, [
      { expr: kit.queries.maxOverRange(leverage(kit, "$__interval")), legend: "Peak leverage" },
    ])
    .decimals(1);
}

function activeTimeDistribution(kit: DashboardKit) {
  return kit.pie("Active Time Distribution", "Active time in the selected range: CLI versus you.", Unit.seconds, {
    expr: kit.queries.totalBy(Metric.activeTime, [Label.type]),
    legend: `{{${Label.type}}}`,
  });
}

function productivityRatio(kit: DashboardKit) {
  return kit.gauge(
    "Productivity Ratio",
    "CLI active time divided by your active time over the selected range.",
    Unit.ratio,
    { expr: leverage(kit, "$__range"), legend: "CLI / user" },
    { min: 0, max: 10, decimals: 1, steps: [["orange", null], ["green", 1], ["blue", 5]] },
  );
}
