import { Label, Metric, MetricDefinition } from "../../telemetry/catalog";
import { DashboardKit, PlacedPanel, RowSpec, Unit, placed } from "../common";

export function timeSeriesRow(kit: DashboardKit): RowSpec {
  return {
    title: "Time Series",
    panels: [
      perStep(kit, "Token Usage Over Time", "Tokens per step, by token type.", Unit.count, Metric.tokens, Label.type),
      perStep(kit, "Token Usage by Model Over Time", "Tokens of all types per step, by model.", Unit.count, Metric.tokens, Label.model),
      perStep(kit, "Cost Over Time", "Cost in USD per step, by model.", Unit.usd, Metric.cost, Label.model),
      perStep(kit, "Active Time Over Time", "Active seconds per step: CLI versus you.", Unit.seconds, Metric.activeTime, Label.type),
    ],
  };
}

/** A half-width time series of what `metric` counted in each step, one series per value of `by`. */
function perStep(kit: DashboardKit, title: string, description: string, unit: string, metric: MetricDefinition, by: string): PlacedPanel {
  const panel = kit.timeseries(title, description, unit, { expr: kit.queries.perStepBy(metric, [by]), legend: `{{${by}}}` });
  return placed(panel, 12, 8);
}
