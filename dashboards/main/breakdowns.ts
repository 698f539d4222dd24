import { Label, Metric } from "../../telemetry/catalog";
import { DashboardKit, RowSpec, Unit, placed } from "../common";

export function breakdownsRow(kit: DashboardKit): RowSpec {
  return {
    title: "Breakdowns",
    panels: [placed(tokensByType(kit), 8, 8), placed(tokensByModel(kit), 8, 8), placed(costByModel(kit), 8, 8)],
  };
}

function tokensByType(kit: DashboardKit) {
  return kit.pie("Tokens by Type", "Tokens in the selected range per token type.", Unit.count, {
    expr: kit.queries.totalBy(Metric.tokens, [Label.type]),
    legend: `{{${Label.type}}}`,
  });
}

function tokensByModel(kit: DashboardKit) {
  return kit.pie("Tokens by Model", "Tokens of all types in the selected range per model.", Unit.count, {
    expr: kit.queries.totalBy(Metric.tokens, [Label.model]),
    legend: `{{${Label.model}}}`,
  });
}

function costByModel(kit: DashboardKit) {
  return kit
    .barGauge("Cost by Model", "Cost in USD in the selected range per model.", Unit.usd, {
      expr: kit.queries.totalBy(Metric.cost, [Label.model]),
      legend: `{{${Label.model}}}`,
    })
    .decimals(2);
}
