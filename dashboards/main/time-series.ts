import { Label, Metric } from "../catalog";
import { DashboardKit, RowSpec, Unit, placed } from "../common";

export function timeSeriesRow(kit: DashboardKit): RowSpec {
  const q = kit.queries;
  return {
    title: "Time Series",
    panels: [
      placed(
        kit.timeseries("Token Usage Over Time", "Tokens per step, by token type.", Unit.count, {
          expr: q.perStepBy(Metric.tokens, [Label.type]),
          legend: `{{${Label.type}}}`,
        }),
        12,
        8,
      ),
      placed(
        kit.timeseries("Token Usage by Model Over Time", "Tokens of all types per step, by model.", Unit.count, {
          expr: q.perStepBy(Metric.tokens, [Label.model]),
          legend: `{{${Label.model}}}`,
        }),
        12,
        8,
      ),
      placed(
        kit.timeseries("Cost Over Time", "Cost in USD per step, by model.", Unit.usd, {
          expr: q.perStepBy(Metric.cost, [Label.model]),
          legend: `{{${Label.model}}}`,
        }),
        12,
        8,
      ),
      placed(
        kit.timeseries("Active Time Over Time", "Active seconds per step: CLI versus you.", Unit.seconds, {
          expr: q.perStepBy(Metric.activeTime, [Label.type]),
          legend: `{{${Label.type}}}`,
        }),
        12,
        8,
      ),
    ],
  };
}
