import { Metric, TokenType } from "../../telemetry/catalog";
import { DashboardKit, RowSpec, Unit, placed } from "../common";

export function tokenStatsRow(kit: DashboardKit): RowSpec {
  return {
    title: "Token Stats",
    panels: [
      placed(totalCost(kit), 4, 5),
      placed(tokenStat(kit, "Input Tokens", TokenType.input, "Uncached input tokens sent to the model."), 3, 5),
      placed(tokenStat(kit, "Output Tokens", TokenType.output, "Tokens the model generated."), 3, 5),
      placed(tokenStat(kit, "Cache Read Tokens", TokenType.cacheRead, "Input tokens served from the prompt cache."), 3, 5),
      placed(tokenStat(kit, "Cache Creation Tokens", TokenType.cacheCreation, "Input tokens written to the prompt cache."), 3, 5),
      placed(cacheEfficiency(kit), 4, 5),
      placed(costPerThousandOutputTokens(kit), 4, 5),
    ],
  };
}

function totalCost(kit: DashboardKit) {
  return kit
    .stat("Total Cost", "Estimated cost in USD of all API requests in the selected range.", Unit.usd, [
      { expr: kit.queries.total(Metric.cost), legend: "Cost" },
    ])
    .decimals(2);
}

function tokenStat(kit: DashboardKit, title: string, type: string, description: string) {
  return kit
    .stat(title, description, Unit.count, [{ expr: kit.queries.total(Metric.tokens, { type }), legend: title }])
    .decimals(0);
}

function cacheEfficiency(kit: DashboardKit) {
  const q = kit.queries;
  const cacheRead = q.sumIncrease(Metric.tokens, { type: TokenType.cacheRead });
  const cacheReadAndInput = q.sumIncrease(Metric.tokens, { type: [TokenType.cacheRead, TokenType.input] });
  return kit.gauge(
    "Cache Efficiency",
    "Share of input served from the prompt cache: cache read / (cache read + input).",
    Unit.percent,
    { expr: q.ratio(cacheRead, cacheReadAndInput), legend: "Cache efficiency" },
    { min: 0, max: 1, decimals: 1, steps: [["red", null], ["orange", 0.5], ["green", 0.8]] },
  );
}

function costPerThousandOutputTokens(kit: DashboardKit) {
  const q = kit.queries;
  return kit
    .stat("Cost per 1K Output Tokens", "Total cost divided by thousands of output tokens.", Unit.usd, [
      {
        expr: q.ratio(q.sumIncrease(Metric.cost), `${q.sumIncrease(Metric.tokens, { type: TokenType.output })} / 1000`),
        legend: "Cost per 1K output tokens",
      },
    ])
    .decimals(4);
}
