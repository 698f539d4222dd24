/**
 * The budgets dashboard, read like Grafana while alpha's and beta's budget
 * alerts fire, against its oracles: each team's spend today and this month
 * from the CLI's own api_request events, the budgets as the test set them,
 * the forecast from that spend and the days left in the month at the
 * forecast's evaluation time, and the alerts firing against those the real
 * Alertmanager holds (which Prometheus sent it) and those the spend and the
 * budgets call for.
 */
import { AlertSeries, BudgetSeries, SEVERITY_LABEL, Severity, labelForAttribute } from "../telemetry/catalog";
import { allOf } from "../testkit/grafana-evaluation";
import { Expectation, PanelCheck, checkPanels } from "../testkit/panel-checks";
import { query } from "../testkit/prometheus-api";
import { StackUnderTest } from "../testkit/targets";
import { untilAllRowsPass } from "../testkit/waits";
import { describeRow } from "../testkit/report";
import { TEAMS, Team } from "./scenario";

export interface BudgetsDashboardScenario {
  readonly label: string;
  readonly stack: StackUnderTest;
  /** The budgets dashboard as the stack provisions it. */
  readonly model: any;
  /** Each team's spend from the CLI's events; all of it today, in this month. */
  readonly spent: Readonly<Record<Team, number>>;
  readonly dailyBudgets: Readonly<Record<Team, number>>;
  readonly monthlyBudget: number;
  readonly warningFraction: number;
  /** The budgets' time zone offset from UTC, in seconds. */
  readonly utcOffsetSeconds: number;
  readonly log: (line: string) => void;
}

/** A check row: a panel's value against its oracle. */
export type DashboardRow = Omit<PanelCheck, "dashboard">;

/** How long Prometheus's ALERTS and Alertmanager's alerts may disagree (an alert resolving between the two reads). */
const AGREEMENT_TIMEOUT_MS = 120_000;

const TEAM_LABEL = labelForAttribute("team.id");
const DAILY_ALERTS = { exceeded: "TeamDailyBudgetExceeded", warning: "TeamDailyBudgetWarning" } as const;

export async function budgetsDashboardChecks(scenario: BudgetsDashboardScenario): Promise<DashboardRow[]> {
  const { label, stack } = scenario;
  if (!stack.alertmanagerUrl) throw new Error("the budgets dashboard checks need a stack with Alertmanager");
  const settled = await untilAllRowsPass(() => readOnce(scenario, stack.alertmanagerUrl!), describeRow, {
    what: `${label}: the budgets dashboard`,
    timeoutMs: AGREEMENT_TIMEOUT_MS,
    log: scenario.log,
  });
  return [...settled.result];
}

async function readOnce(scenario: BudgetsDashboardScenario, alertmanagerUrl: string): Promise<DashboardRow[]> {
  const { spent, dailyBudgets, monthlyBudget, utcOffsetSeconds } = scenario;
  const prometheusUrl = scenario.stack.prometheusUrl;
  const teams = Object.keys(TEAMS) as Team[];
  const name = (team: Team) => TEAMS[team]["team.id"];
  const perTeam = (value: (team: Team) => number, suffix = "") => Object.fromEntries(teams.map((team) => [`${name(team)}${suffix}`, value(team)]));

  const now = Math.floor(Date.now() / 1000);
  const range = { from: midnightBefore(now, utcOffsetSeconds), to: now, step: 60, utcOffsetSeconds };
  // The forecast's days left are those at the time the rule evaluated it: its sample's timestamp.
  const evaluatedAt = await sampleTimes(prometheusUrl, BudgetSeries.teamMonthForecast, now);
  const forecast = (team: Team) => spent[team] + (spent[team] / 7) * daysLeftInMonth(evaluatedAt[name(team)], utcOffsetSeconds);
  const held = await alertsInAlertmanager(alertmanagerUrl);

  const expected: Record<string, Expectation> = {
    "Spend Today against Daily Budget": { value: { ...perTeam((team) => spent[team], " spent"), ...perTeam((team) => dailyBudgets[team], " budget") } },
    "Share of Daily Budget Spent": { value: perTeam((team) => spent[team] / dailyBudgets[team]) },
    "Month to Date and Forecast against Monthly Budget": {
      value: { ...perTeam((team) => spent[team], " spent"), ...perTeam(forecast, " forecast"), ...perTeam(() => monthlyBudget, " budget") },
    },
    "Forecast Share of Monthly Budget": { value: perTeam((team) => forecast(team) / monthlyBudget) },
    "Alerts Firing Now": { value: held },
  };
  const panels = await checkPanels(prometheusUrl, [scenario.model], allOf(TEAM_LABEL), range, expected);
  const rows: DashboardRow[] = panels.map((check) => ({
    panel: `${scenario.label}: budgets dashboard: ${check.panel}${check.panel === "Alerts Firing Now" ? " = Alertmanager's alerts" : ""}`,
    found: check.found,
    expected: check.expected,
    passed: check.passed,
  }));

  // The daily budget alerts that the spend and the budgets call for, as the panel lists them.
  const calledFor = teams.flatMap((team) => [
    ...(spent[team] >= dailyBudgets[team] ? [alertKey(DAILY_ALERTS.exceeded, Severity.critical, name(team))] : []),
    ...(spent[team] >= scenario.warningFraction * dailyBudgets[team] ? [alertKey(DAILY_ALERTS.warning, Severity.warning, name(team))] : []),
  ]);
  const alertsPanel = panels.find((check) => check.panel === "Alerts Firing Now");
  const shown = Object.keys(held).filter((key) => Object.values(DAILY_ALERTS).some((alert) => key.startsWith(`${alert} `)));
  rows.push({
    panel: `${scenario.label}: budgets dashboard: Alerts Firing Now lists the daily budget alerts that the oracle's spend and the budgets call for`,
    found: alertsPanel?.passed ? shown.sort().join(", ") : `(panel differs from Alertmanager: ${alertsPanel?.found})`,
    expected: calledFor.sort().join(", "),
    passed: alertsPanel?.passed === true && shown.join(", ") === calledFor.join(", "),
  });
  return rows;
}

/** The name the Alerts Firing Now panel gives an alert: its legend, "alertname severity team". */
function alertKey(alertName: string, severity: string, team: string | undefined): string {
  return `${alertName} ${severity} ${team ?? ""}`;
}

/** Every alert Alertmanager holds (active, silenced or inhibited), counted by alertKey. */
async function alertsInAlertmanager(alertmanagerUrl: string): Promise<Record<string, number>> {
  const response = await fetch(`${alertmanagerUrl}/api/v2/alerts`);
  if (!response.ok) throw new Error(`Alertmanager's alerts: ${response.status}`);
  const counts: Record<string, number> = {};
  for (const alert of (await response.json()) as { labels: Record<string, string> }[]) {
    const key = alertKey(alert.labels[AlertSeries.alertName], alert.labels[SEVERITY_LABEL], alert.labels[TEAM_LABEL]);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** The timestamp (Unix seconds) of each team's latest sample of `series` at `time`. */
async function sampleTimes(prometheusUrl: string, series: string, time: number): Promise<Record<string, number>> {
  const data = await query(prometheusUrl, "query", { query: `timestamp(${series})`, time: String(time) });
  return Object.fromEntries(data.result.map((sample: any) => [sample.metric[TEAM_LABEL], Number(sample.value[1])]));
}

/** The start of the day that `time` (Unix seconds) is in, in the zone `utcOffsetSeconds`. */
export function midnightBefore(time: number, utcOffsetSeconds: number): number {
  return time - ((time + utcOffsetSeconds) % 86_400);
}

/** Days from `time` (Unix seconds) to the end of its month in the zone `utcOffsetSeconds`, fractional. */
export function daysLeftInMonth(time: number, utcOffsetSeconds: number): number {
  const local = time + utcOffsetSeconds;
  const date = new Date(local * 1000);
  const daysInMonth = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate();
  return daysInMonth - date.getUTCDate() + 1 - (local % 86_400) / 86_400;
}
