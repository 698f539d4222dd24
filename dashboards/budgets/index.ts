import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import { AlertSeries, BUDGET_LABEL, BudgetPeriod, BudgetSeries, SEVERITY_LABEL } from "../../telemetry/catalog";
import { DashboardKit, RowSpec, Unit, addRows, baseDashboard, placed, thresholdSteps, buildDashboard } from "../common";
import { BudgetsView, DashboardConfig } from "../config";

export const BUDGETS_DASHBOARD_UID = "claude-code-budgets";

/**
 * Each team's spend in its day and month against its budgets, the month's
 * forecast, and the alerts firing now. Every panel reads the series the
 * alerting rules record at the end of the picked range, so a panel and an
 * alert's message show the same figure.
 */
export function budgetsDashboard(config: DashboardConfig, budgets: BudgetsView): dashboard.Dashboard {
  const kit = new DashboardKit(config);
  const builder = baseDashboard(
    config,
    BUDGETS_DASHBOARD_UID,
    "Claude Code Budgets",
    "Spend today and this month per team against its budgets (days and months in the budgets' time zone), the forecast to the month's end, and the alerts firing now. Values are at the end of the picked range; set budgets in stack.config.json (budgets) to fill the budget panels.",
  ).variables(kit.variables([budgets.team], BudgetSeries.budget));
  return buildDashboard(addRows(builder, [todayRow(kit, budgets), monthRow(kit, budgets), alertsRow(kit, budgets)]), config);
}

/** `name{matchers..., team=~"$team"}`: every query of this dashboard follows the team filter. */
function selector(name: string, budgets: BudgetsView, matchers: Readonly<Record<string, string>> = {}): string {
  const exact = Object.entries(matchers).map(([label, value]) => `${label}="${value}"`);
  return `${name}{${[...exact, `${budgets.team.label}=~"$${budgets.team.name}"`].join(", ")}}`;
}

function budgetOf(period: string, budgets: BudgetsView): string {
  return selector(BudgetSeries.budget, budgets, { [BUDGET_LABEL]: period });
}

/** Spend / budget per team, 0 to 1 and beyond. */
function share(spend: string, period: string, budgets: BudgetsView): string {
  return `${selector(spend, budgets)} / on (${budgets.team.label}) ${budgetOf(period, budgets)}`;
}

/** Share of a budget, green below the warning fraction, orange up to the budget, red beyond. */
function shareGauge(kit: DashboardKit, budgets: BudgetsView, title: string, description: string, expr: string) {
  return kit
    .barGauge(title, description, Unit.percent, { expr, legend: teamLegend(budgets) })
    .min(0)
    .max(1)
    .thresholds(thresholdSteps([["green", null], ["orange", budgets.warningFraction], ["red", 1]]));
}

function teamLegend(budgets: BudgetsView, suffix = ""): string {
  return `{{${budgets.team.label}}}${suffix}`;
}

function todayRow(kit: DashboardKit, budgets: BudgetsView): RowSpec {
  return {
    title: "Today",
    panels: [
      placed(
        kit.barGauge(
          "Spend Today against Daily Budget",
          "Each team's spend since its midnight (in the budgets' time zone) and its daily budget, in US dollars.",
          Unit.usd,
          { expr: selector(BudgetSeries.teamToday, budgets), legend: teamLegend(budgets, " spent") },
          { expr: budgetOf(BudgetPeriod.day, budgets), legend: teamLegend(budgets, " budget") },
        ),
        12,
        8,
      ),
      placed(
        shareGauge(
          kit,
          budgets,
          "Share of Daily Budget Spent",
          `Spend today / daily budget per team. TeamDailyBudgetWarning fires at ${Math.round(budgets.warningFraction * 100)} %, TeamDailyBudgetExceeded at 100 %.`,
          share(BudgetSeries.teamToday, BudgetPeriod.day, budgets),
        ),
        12,
        8,
      ),
    ],
  };
}

function monthRow(kit: DashboardKit, budgets: BudgetsView): RowSpec {
  return {
    title: "This Month",
    panels: [
      placed(
        kit.barGauge(
          "Month to Date and Forecast against Monthly Budget",
          "Each team's spend since the start of its month, the forecast to the month's end (month to date + the mean daily spend of the last 7 days × the days left) and its monthly budget, in US dollars.",
          Unit.usd,
          { expr: selector(BudgetSeries.teamMonthToDate, budgets), legend: teamLegend(budgets, " spent") },
          { expr: selector(BudgetSeries.teamMonthForecast, budgets), legend: teamLegend(budgets, " forecast") },
          { expr: budgetOf(BudgetPeriod.month, budgets), legend: teamLegend(budgets, " budget") },
        ),
        12,
        8,
      ),
      placed(
        shareGauge(
          kit,
          budgets,
          "Forecast Share of Monthly Budget",
          "Forecast for the month / monthly budget per team. TeamMonthlyBudgetForecast fires at 100 %.",
          share(BudgetSeries.teamMonthForecast, BudgetPeriod.month, budgets),
        ),
        12,
        8,
      ),
    ],
  };
}

function alertsRow(kit: DashboardKit, budgets: BudgetsView): RowSpec {
  const by = [AlertSeries.alertName, SEVERITY_LABEL, budgets.team.label];
  const firing = `sum by (${by.join(", ")}) (${selector(AlertSeries.name, budgets, { [AlertSeries.state]: AlertSeries.firing })})`;
  return {
    title: "Alerts",
    panels: [
      placed(
        kit
          .leaderboard(
            "Alerts Firing Now",
            "Every alert firing in Prometheus at the end of the range (ALERTS), by alert, severity and team, with the number of its series (a user's alerts count once per user). Alerts about the stack itself have no team and show only with the team filter at All. docs/alerts.md says what each means and what to do.",
            Unit.count,
            { expr: firing, legend: by.map((label) => `{{${label}}}`).join(" ") },
            "Series",
          )
          .decimals(0),
        24,
        8,
      ),
    ],
  };
}
