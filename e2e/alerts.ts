/**
 * The budget and stack alerts end to end: after the scenario's sessions,
 * team alpha's daily budget is set a cent or less under what its sessions
 * cost and beta's between 80 % and 100 % of its spend, Prometheus reloads the rules, and the real
 * Alertmanager's notifications to the test's webhook are compared with the
 * oracle (the CLI's own api_request events) and with the main dashboard's
 * Total Cost for the team over the same day, and the budgets dashboard is
 * read against the same oracle (e2e/budgets-dashboard.ts). Then a silence holds alpha's
 * repeat back while beta's warning repeats, raising alpha's budget resolves
 * its alert, and a stopped Collector fires CollectorDown until it is back.
 */
import { BudgetPeriod, BudgetSeries } from "../telemetry/catalog";
import { evaluateDashboard } from "../testkit/grafana-evaluation";
import { queryNumber } from "../testkit/prometheus-api";
import { StackUnderTest } from "../testkit/targets";
import { expectWithin } from "../testkit/waits";
import { AlertWebhook, Notification } from "./alert-webhook";
import { budgetsDashboardChecks, midnightBefore } from "./budgets-dashboard";
import { ClaudeEvent } from "./event-receiver";
import { ALL_FILTERS, teamOf } from "./oracle";
import { TEAMS, Team } from "./scenario";

export interface AlertCheck {
  readonly panel: string;
  readonly found: string;
  readonly expected: string;
  readonly passed: boolean;
}

export interface AlertScenario {
  readonly label: string;
  readonly stack: StackUnderTest;
  readonly webhook: AlertWebhook;
  /** The CLI's own events: the oracle of cost. */
  readonly events: readonly ClaudeEvent[];
  /** The main dashboard as the stack provisions it. */
  readonly mainDashboard: any;
  /** The budgets dashboard as the stack provisions it. */
  readonly budgetsDashboard: any;
  /** Every team's monthly budget in the rules (budgets.otherTeams.monthlyUsd). */
  readonly monthlyBudget: number;
  readonly warningFraction: number;
  /** The budgets' time zone offset from UTC, in seconds. */
  readonly utcOffsetSeconds: number;
  /** The alerting rules the stack uploads for these daily budgets by team (a real synth). */
  readonly rulesFor: (dailyUsd: Readonly<Record<Team, number>>) => string;
  /** Also silence alpha's alert while beta's repeats, and stop the Collector. */
  readonly full: boolean;
  readonly log: (line: string) => void;
}

const EXCEEDED = "TeamDailyBudgetExceeded";
const WARNING = "TeamDailyBudgetWarning";
/** Longest wait for a notification: a rule interval, Alertmanager's group wait and a group interval, twice over. */
export const NOTIFICATION_TIMEOUT_MS = 240_000;

export async function alertChecks(scenario: AlertScenario): Promise<AlertCheck[]> {
  const { stack, webhook, log, label } = scenario;
  if (!stack.alertmanagerUrl || !stack.replaceAlertRules) throw new Error("the alert checks need a local stack with alerting");
  const checks: AlertCheck[] = [];
  const row = (panel: string, found: string, expected: string, passed = found === expected) => checks.push({ panel, found, expected, passed });
  const team = (name: Team) => TEAMS[name]["team.id"];
  const spent = (name: Team) => sum(scenario.events.filter((e) => e.name === "api_request" && teamOf(e) === name).map((e) => Number(e.attributes.cost_usd)));
  const alpha = spent("alpha");
  const beta = spent("beta");
  if (!(alpha >= 0.02 && beta > 0)) throw new Error(`the scenario's sessions must cost alpha at least $0.02 and beta something, got $${alpha} and $${beta}`);

  // The scenario's requests that failed on every attempt.
  const exhausted = [...new Set(scenario.events.filter((e) => e.name === "api_retries_exhausted").map((e) => teamOf(e)))].filter((t): t is Team => t !== undefined).sort();
  const notifiedExhausted = () => (Object.keys(TEAMS) as Team[]).filter((name) => webhook.of({ alertname: "ApiRetriesExhausted", team_id: team(name) }, "firing").length > 0);
  await expectWithin(`${label}: ApiRetriesExhausted for ${exhausted.join(", ")}`, () => notifiedExhausted().length >= exhausted.length, NOTIFICATION_TIMEOUT_MS).catch(() => undefined);
  row(`${label}: ApiRetriesExhausted notified for the teams whose API calls failed on every retry (the CLI's api_retries_exhausted events)`, notifiedExhausted().join(", ") || "none", exhausted.join(", ") || "none");
  row(`${label}: budget notifications while every budget is far off ($1000)`, String(webhook.notifications.filter((n) => [EXCEEDED, WARNING].includes(n.groupLabels.alertname)).length), "0");

  // Alpha a cent or less under its spend; beta between 80 % and 100 % of its budget (whole cents).
  const alphaBudget = Math.floor(alpha * 100) / 100;
  const betaBudget = Math.floor((beta / 0.81) * 100) / 100;
  if (!(betaBudget > beta)) throw new Error(`no budget in whole cents puts beta's $${beta} between 80 % and 100 % of it`);
  const budgetsSetAt = Date.now();
  await setBudgets(scenario, { alpha: alphaBudget, beta: betaBudget });
  log(`${label}: daily budgets alpha $${alphaBudget.toFixed(2)} (spent $${alpha.toFixed(4)}), beta $${betaBudget.toFixed(2)} (spent $${beta.toFixed(4)})`);

  const alphaExceeded = { alertname: EXCEEDED, team_id: team("alpha") };
  const betaWarning = { alertname: WARNING, team_id: team("beta") };
  const first = await notification(webhook, alphaExceeded, "firing", budgetsSetAt, "alpha's TeamDailyBudgetExceeded");
  row(`${label}: seconds from the budget change to alpha's notification at the webhook`, ((first.receivedAt - budgetsSetAt) / 1000).toFixed(0), `under ${NOTIFICATION_TIMEOUT_MS / 1000}`, true);
  await notification(webhook, betaWarning, "firing", budgetsSetAt, "beta's TeamDailyBudgetWarning");

  const description = first.alerts[0]?.annotations.description ?? "";
  const notifiedSpend = /spent \$(\d+\.\d\d) today/.exec(description)?.[1];
  row(`${label}: alpha's notification: spend to the cent = oracle (the CLI's api_request events)`, notifiedSpend ?? description, alpha.toFixed(2));
  row(`${label}: alpha's notification: budget`, /budget \$(\d+\.\d\d)/.exec(description)?.[1] ?? description, alphaBudget.toFixed(2));
  const now = Math.floor(Date.now() / 1000);
  const dashboardCost = await totalCost(scenario, team("alpha"), midnightBefore(now, scenario.utcOffsetSeconds), now);
  row(`${label}: alpha's notification: spend = the main dashboard's Total Cost for alpha today`, notifiedSpend ?? description, dashboardCost.toFixed(2));
  const recorded = await queryNumber(stack.prometheusUrl, `${BudgetSeries.teamToday}{team_id="${team("alpha")}"}`);
  row(`${label}: alpha's spend today in Prometheus, unrounded = oracle`, String(recorded), String(alpha), Math.abs(recorded - alpha) < 1e-9);
  row(`${label}: firing notifications of alpha's TeamDailyBudgetExceeded`, String(webhook.of(alphaExceeded, "firing").length), "1");
  row(`${label}: notifications of beta's TeamDailyBudgetExceeded (beta at ${((beta / betaBudget) * 100).toFixed(0)} %)`, String(webhook.of({ alertname: EXCEEDED, team_id: team("beta") }).length), "0");
  row(`${label}: notifications of alpha's TeamDailyBudgetWarning (inhibited by its TeamDailyBudgetExceeded)`, String(webhook.of({ alertname: WARNING, team_id: team("alpha") }).length), "0");
  checks.push(
    ...(await budgetsDashboardChecks({
      label,
      stack,
      model: scenario.budgetsDashboard,
      spent: { alpha, beta },
      dailyBudgets: { alpha: alphaBudget, beta: betaBudget },
      monthlyBudget: scenario.monthlyBudget,
      warningFraction: scenario.warningFraction,
      utcOffsetSeconds: scenario.utcOffsetSeconds,
      log,
    })),
  );

  let silence: string | undefined;
  if (scenario.full) {
    silence = await createSilence(stack.alertmanagerUrl, { alertname: EXCEEDED, team_id: team("alpha") }, "the end-to-end test holds a repeat back");
    const silencedAt = Date.now();
    // Both groups started together and repeat on the same interval: once beta's
    // warning has repeated twice since the silence, alpha's repeat was due too.
    await expectWithin(
      `${label}: two repeats of beta's warning after the silence`,
      () => webhook.of(betaWarning, "firing").filter((n) => n.receivedAt > silencedAt).length >= 2,
      NOTIFICATION_TIMEOUT_MS,
    );
    row(`${label}: silence made through Alertmanager's API: alpha's repeats while beta's warning repeated twice`, String(webhook.of(alphaExceeded, "firing").length - 1), "0");
  }

  // Raised to twice its spend: alpha is under its budget and under the warning.
  const raisedAt = Date.now();
  await setBudgets(scenario, { alpha: Math.ceil(alpha * 200) / 100, beta: betaBudget });
  await expectWithin(`${label}: alpha's alert no longer firing in Prometheus`, async () => (await queryNumber(stack.prometheusUrl, `count(ALERTS{alertname="${EXCEEDED}", team_id="${team("alpha")}"}) or vector(0)`)) === 0, NOTIFICATION_TIMEOUT_MS);
  if (silence) await expireSilence(stack.alertmanagerUrl, silence);
  const resolved = await notification(webhook, alphaExceeded, "resolved", raisedAt, "alpha's resolved TeamDailyBudgetExceeded");
  row(`${label}: raising alpha's budget resolves its alert (seconds to the resolved notification)`, ((resolved.receivedAt - raisedAt) / 1000).toFixed(0), `under ${NOTIFICATION_TIMEOUT_MS / 1000}`, true);

  if (scenario.full) {
    const stoppedAt = Date.now();
    await stack.stopCollector();
    const down = await notification(webhook, { alertname: "CollectorDown" }, "firing", stoppedAt, "CollectorDown");
    row(`${label}: Collector stopped: CollectorDown at the webhook after its 1 minute (seconds)`, ((down.receivedAt - stoppedAt) / 1000).toFixed(0), "60 to 240", down.receivedAt - stoppedAt >= 60_000);
    const startedAt = Date.now();
    await stack.startCollector();
    const up = await notification(webhook, { alertname: "CollectorDown" }, "resolved", startedAt, "CollectorDown resolved");
    row(`${label}: Collector back: CollectorDown resolved (seconds)`, ((up.receivedAt - startedAt) / 1000).toFixed(0), `under ${NOTIFICATION_TIMEOUT_MS / 1000}`, true);
  }
  return checks;
}

/** Has Prometheus load the alerting rules for these budgets and waits until its budget series show them. */
async function setBudgets(scenario: AlertScenario, dailyUsd: Readonly<Record<Team, number>>): Promise<void> {
  await scenario.stack.replaceAlertRules!(scenario.rulesFor(dailyUsd));
  for (const name of Object.keys(dailyUsd) as Team[]) {
    const budget = `${BudgetSeries.budget}{team_id="${TEAMS[name]["team.id"]}", budget="${BudgetPeriod.day}"}`;
    await expectWithin(`Prometheus evaluating ${name}'s daily budget of $${dailyUsd[name]}`, async () => (await queryNumber(scenario.stack.prometheusUrl, `${budget} or vector(-1)`)) === dailyUsd[name], 150_000);
  }
}

/** The first notification of the group after `since` with `status`. */
async function notification(webhook: AlertWebhook, group: Readonly<Record<string, string>>, status: "firing" | "resolved", since: number, what: string): Promise<Notification> {
  const found = () => webhook.of(group, status).find((n) => n.receivedAt >= since);
  await expectWithin(`${what} notification at the webhook`, () => found() !== undefined, NOTIFICATION_TIMEOUT_MS);
  return found()!;
}

/** The main dashboard's Total Cost for one team over (from, to], read like Grafana does. */
async function totalCost(scenario: AlertScenario, team: string, from: number, to: number): Promise<number> {
  const variables = { ...ALL_FILTERS, team_id: [team] };
  const panels = await evaluateDashboard(scenario.stack.prometheusUrl, scenario.mainDashboard, variables, { from, to, step: 60, utcOffsetSeconds: scenario.utcOffsetSeconds });
  const value = panels.find((panel) => panel.title === "Total Cost")?.value;
  if (typeof value !== "number") throw new Error(`the main dashboard's Total Cost for team ${team} has no single value: ${JSON.stringify(value)}`);
  return value;
}

/** A silence of an hour through Alertmanager's API, for alerts with exactly these labels; its id. */
export async function createSilence(alertmanagerUrl: string, labels: Readonly<Record<string, string>>, comment: string): Promise<string> {
  const body = {
    matchers: Object.entries(labels).map(([name, value]) => ({ name, value, isRegex: false, isEqual: true })),
    startsAt: new Date().toISOString(),
    endsAt: new Date(Date.now() + 3_600_000).toISOString(),
    createdBy: "claude-code-monitoring tests",
    comment,
  };
  const response = await fetch(`${alertmanagerUrl}/api/v2/silences`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`Alertmanager refused the silence: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { silenceID: string }).silenceID;
}

async function expireSilence(alertmanagerUrl: string, id: string): Promise<void> {
  const response = await fetch(`${alertmanagerUrl}/api/v2/silence/${id}`, { method: "DELETE" });
  if (!response.ok) throw new Error(`Alertmanager did not expire silence ${id}: ${response.status}`);
}

/**
 * A fixed time zone in which it is about noon now (to the half hour), so the
 * run crosses no midnight of the budgets' day and the zone is rarely UTC.
 */
export function zoneAtNoon(nowMs = Date.now()): { timeZone: string; utcOffsetSeconds: number } {
  const secondsOfDay = Math.floor(nowMs / 1000) % 86_400;
  let offset = Math.round((43_200 - secondsOfDay) / 1800) * 1800;
  if (offset <= -43_200) offset += 86_400;
  const sign = offset < 0 ? "-" : "+";
  const hours = String(Math.floor(Math.abs(offset) / 3600)).padStart(2, "0");
  const minutes = String((Math.abs(offset) % 3600) / 60).padStart(2, "0");
  return { timeZone: `${sign}${hours}:${minutes}`, utcOffsetSeconds: offset };
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
