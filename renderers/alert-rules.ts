import { stringify } from "yaml";
import { Budget, BudgetsConfig, AlertingConfig, teamBudget, timeZoneOffsetSeconds } from "../config/alerting-config";
import { durationSeconds } from "../config/stack-config";
import { BUDGET_LABEL, BudgetPeriod, BudgetSeries, EventMetric, Label, Metric, RecordedSeries, SEVERITY_LABEL, Severity, StackMetric } from "../telemetry/catalog";
import { COLLECTOR_JOB, COLLECTOR_TELEMETRY_JOB, PROMETHEUS_JOB } from "./prometheus-config";
import { RecordingRule } from "./recording-rules";

/** What the alerting rules depend on. */
export interface AlertRulesOptions {
  /** The recording rules' interval, which the budget rules also run at, e.g. "1m". */
  readonly interval: string;
  /** Prometheus's scrape interval: the rules read this far behind the clock, like the recording rules. */
  readonly scrapeInterval: string;
  readonly budgets: BudgetsConfig;
  readonly alerting: AlertingConfig;
  /** Label of the team attribute that budgets and alerts count by (budgetTeamAttribute), e.g. team_id. */
  readonly teamLabel: string;
  /**
   * Team mode's series budget per team, for TeamOverSeriesBudget.
   * @default - no such alert
   */
  readonly maxSeriesPerTeam?: number;
  /**
   * The main dashboard's URL, which each budget alert links to with its team
   * (and user) picked and the range of its period.
   * @default - no link
   */
  readonly dashboardUrl?: string;
}

/** File name of the alerting rules in the Prometheus container. */
export const ALERT_RULES_FILE = "alert-rules.yml";

/** Labels the budget rules compute a period from, on series inside their subqueries only. */
const DAY_LABEL = "budget_day";
const MONTH_LABEL = "budget_month";
const BLOCK_LABEL = "budget_block";
const PART_LABEL = "part";

/** An alerting rule as Prometheus's rule file holds it. */
export interface AlertingRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

type Rule = AlertingRule | RecordingRule;

/** Names of the rule groups, for Prometheus's /api/v1/rules and the tests. */
export const ALERT_GROUPS = {
  budgets: "claude-code-budgets",
  perUser: "claude-code-per-user",
  usage: "claude-code-usage",
  stack: "claude-code-stack",
} as const;

/**
 * How often the rules that read every user's sums run (unless the rule
 * interval is longer): the per-user budgets and SpendSpike, which need not be
 * as quick as a team's budgets. Under Prometheus's 5-minute lookback, so their
 * series never go missing between two evaluations.
 */
export const PER_USER_INTERVAL = "4m";

/**
 * Renders the alerting rules file: budgets (recorded, so dashboards and
 * annotations read them), each team's spend in its day and month, and the
 * alerts on them, on the API's answers and on the stack itself.
 */
export function renderAlertRules(options: AlertRulesOptions): string {
  const offset = options.scrapeInterval;
  const budgets = budgetRules(options);
  const perUserInterval = durationSeconds(options.interval) >= durationSeconds(PER_USER_INTERVAL) ? options.interval : PER_USER_INTERVAL;
  const groups = [
    { name: ALERT_GROUPS.budgets, interval: options.interval, query_offset: offset, rules: budgets.team },
    { name: ALERT_GROUPS.perUser, interval: perUserInterval, query_offset: offset, rules: [...budgets.perUser, spendSpikeAlert(options)] },
    { name: ALERT_GROUPS.usage, interval: options.interval, query_offset: offset, rules: usageAlerts(options) },
    { name: ALERT_GROUPS.stack, interval: options.interval, rules: stackAlerts(options) },
  ];
  return stringify({ groups: groups.filter((group) => group.rules.length > 0) }, { lineWidth: 0 });
}

/**
 * Spend in US dollars of each group of `by` labels since the start of the
 * current period (a day or a month in the budgets' time zone), from the
 * recording rules' per-interval sums: exactly the samples a dashboard adds up
 * over the same range. Prometheus has no ranges of varying length, so three
 * parts cover (period start, now] without overlap:
 * - whole blocks: a subquery walks the last day (or 31 days) one block at a
 *   time (an hour, or the longest step that divides the zone's offset: see
 *   blockSeconds), labels each block's sum with the period it falls in, and
 *   keeps those of the current period. Periods start at block boundaries;
 * - the rule intervals of the block under way, the same way one interval at
 *   a time, each holding at most one sample of a series;
 * - the samples written after the last whole interval.
 * Subquery steps fall on multiples of their step since 1970, which is what
 * makes the blocks and intervals line up with the periods.
 */
export function spendSincePeriodStart(series: RecordedSeries, by: readonly string[], period: "day" | "month", intervalSeconds: number, offsetSeconds: number): string {
  const block = blockSeconds(intervalSeconds, offsetSeconds);
  const { label, range } = period === "day" ? { label: DAY_LABEL, range: "1d" } : { label: MONTH_LABEL, range: "31d" };
  const current = periodOf(period, label, offsetSeconds);
  const labelled = (expression: string, name: string, labels: string) => `${expression} * on () group_left (${name}) ${labels}`;
  const blockOf = (shift: string) => `count_values("${BLOCK_LABEL}", floor(vector((time()${shift}) / ${block})))`;
  const wholeBlocks = `sum_over_time((${labelled(`sum_over_time(${series.recorded}[${block}s])`, label, current)})[${range}:${block}s]) and on (${label}) ${current}`;
  const intervalsOfBlock = `sum_over_time((${labelled(`last_over_time(${series.recorded}[${intervalSeconds}s])`, BLOCK_LABEL, blockOf(" - 0.001"))})[${block}s:${intervalSeconds}s]) and on (${BLOCK_LABEL}) ${blockOf("")}`;
  const afterLastInterval = `${series.recorded} and (timestamp(${series.recorded}) > time() - time() % ${intervalSeconds})`;
  const part = (expression: string, name: string) => `  label_replace(${expression}, "${PART_LABEL}", "${name}", "", "")`;
  return [
    `sum by (${by.join(", ")}) (`,
    part(wholeBlocks, "whole blocks"),
    `  or`,
    part(intervalsOfBlock, "intervals of the block under way"),
    `  or`,
    part(afterLastInterval, "since the last whole interval"),
    `)`,
  ].join("\n");
}

/**
 * The step of spendSincePeriodStart's long subquery: the longest of an hour,
 * 30, 15, 10, 5 or 2 minutes that divides the zone's offset and is a whole
 * number of rule intervals (else the rule interval), so days start on a step.
 */
export function blockSeconds(intervalSeconds: number, offsetSeconds: number): number {
  const candidates = [3600, 1800, 900, 600, 300, 120];
  return candidates.find((step) => offsetSeconds % step === 0 && step % intervalSeconds === 0) ?? intervalSeconds;
}

/**
 * A one-sample vector whose `label` names the period that the evaluation
 * time (a subquery step, or the rule's time) ends: periods are (start, end],
 * like a dashboard's range. The day number since 1970, or the month as
 * year * 12 + month, in the zone `offsetSeconds`.
 */
function periodOf(period: "day" | "month", label: string, offsetSeconds: number): string {
  // A millisecond back, so a block that ends at midnight is in the day it ends.
  const local = `time() - 0.001 + ${offsetSeconds}`;
  const value = period === "day" ? `floor(vector((${local}) / 86400))` : `year(vector(${local})) * 12 + month(vector(${local}))`;
  return `count_values("${label}", ${value})`;
}

/** Days from the evaluation time to the end of its month, in the zone `offsetSeconds` (fractional). */
function daysLeftInMonth(offsetSeconds: number): string {
  const local = `vector(time() + ${offsetSeconds})`;
  return `(days_in_month(${local}) - day_of_month(${local}) + 1 - (time() + ${offsetSeconds}) % 86400 / 86400)`;
}

/**
 * The budget rules in two groups: a team's day and month (every rule
 * interval), and the users' days (every PER_USER_INTERVAL). Each group
 * records its spends, then its budgets, then alerts on them.
 */
function budgetRules(options: AlertRulesOptions): { team: Rule[]; perUser: Rule[] } {
  const { budgets } = options;
  const team = options.teamLabel;
  const intervalSeconds = durationSeconds(options.interval);
  const offsetSeconds = timeZoneOffsetSeconds(budgets.timeZone);
  const cost = Metric.cost;
  const needs = (key: keyof Budget) => [budgets.otherTeams, ...Object.values(budgets.teams)].some((budget) => (budget[key] ?? 0) > 0);
  const teamRules: Rule[] = [];
  const perUser: Rule[] = [];

  if (needs("dailyUsd") || needs("monthlyUsd")) {
    teamRules.push({ record: BudgetSeries.teamToday, expr: spendSincePeriodStart(cost.allUsers!, [team], "day", intervalSeconds, offsetSeconds) });
  }
  if (needs("monthlyUsd")) {
    teamRules.push({ record: BudgetSeries.teamMonthToDate, expr: spendSincePeriodStart(cost.allUsers!, [team], "month", intervalSeconds, offsetSeconds) });
    const dailyMean = `sum by (${team}) (sum_over_time(${cost.allUsers!.recorded}[7d])) / 7`;
    teamRules.push({
      record: BudgetSeries.teamMonthForecast,
      // A team without spend in the last 7 days is forecast at its month to date.
      expr: `${BudgetSeries.teamMonthToDate} + on (${team}) (${dailyMean} * on () group_left () ${daysLeftInMonth(offsetSeconds)})\nor\n${BudgetSeries.teamMonthToDate}`,
    });
  }
  if (needs("userDailyUsd")) {
    perUser.push({ record: BudgetSeries.userToday, expr: spendSincePeriodStart(cost.byUser!, [team, Label.userId], "day", intervalSeconds, offsetSeconds) });
  }

  const periods = [
    { key: "dailyUsd", period: BudgetPeriod.day, spend: BudgetSeries.teamToday, group: teamRules },
    { key: "monthlyUsd", period: BudgetPeriod.month, spend: BudgetSeries.teamMonthToDate, group: teamRules },
    { key: "userDailyUsd", period: BudgetPeriod.userDay, spend: BudgetSeries.userToday, group: perUser },
  ] as const;
  for (const { key, period, spend, group } of periods) {
    if (!needs(key)) continue;
    group.push(...budgetsOf(budgets, key, period, team, spend));
  }
  const alerts = budgetAlerts(options, team, needs);
  teamRules.push(...alerts.filter((alert) => alert.labels[BUDGET_LABEL] !== BudgetPeriod.userDay));
  perUser.push(...alerts.filter((alert) => alert.labels[BUDGET_LABEL] === BudgetPeriod.userDay));
  return { team: teamRules, perUser };
}

/**
 * The budgets of one period as series: one per named team, and one per other
 * team that spent in the period (`spend`: the period's team spend) when
 * `otherTeams` has this budget. A series keeps its labels when its amount
 * changes, so a changed budget continues the same series (a new series
 * beside an old one that Prometheus still looks back to would match twice).
 */
function budgetsOf(budgets: BudgetsConfig, key: keyof Budget, period: string, team: string, spend: string): RecordingRule[] {
  const rules: RecordingRule[] = [];
  for (const name of Object.keys(budgets.teams).sort()) {
    const amount = teamBudget(budgets, name)[key];
    if (amount > 0) rules.push({ record: BudgetSeries.budget, expr: `vector(${amount})`, labels: { [team]: name, [BUDGET_LABEL]: period } });
  }
  const other = budgets.otherTeams[key];
  if (other > 0) {
    const named = Object.keys(budgets.teams);
    rules.push({
      record: BudgetSeries.budget,
      expr: `group by (${team}) (${spend}${named.length > 0 ? `{${team}!~"${named.map(escapeRegex).join("|")}"}` : ""}) * 0 + ${other}`,
      labels: { [BUDGET_LABEL]: period },
    });
  }
  return rules;
}

function budgetAlerts(options: AlertRulesOptions, team: string, needs: (key: keyof Budget) => boolean): AlertingRule[] {
  const { budgets } = options;
  const zone = budgets.timeZone;
  const fraction = budgets.warningFraction;
  const alerts: AlertingRule[] = [];
  const budgetOf = (period: string) => `${BudgetSeries.budget}{${BUDGET_LABEL}="${period}"}`;
  // Annotation text from a query at the alert's evaluation, for `labels` of the alert, printed with `format`.
  const queried = (query: string, labels: readonly string[], format: string) =>
    `{{ with printf "${query}" ${labels.map((l) => `$labels.${l}`).join(" ")} | query }}{{ . | first | value | printf "${format}" }}{{ end }}`;
  const budgetText = (period: string) => queried(`${BudgetSeries.budget}{${team}='%s',${BUDGET_LABEL}='${period}'}`, [team], "%.2f");
  const percent = (spend: string, period: string) =>
    queried(`100 * ${spend}{${team}='%s'} / on (${team}) ${BudgetSeries.budget}{${BUDGET_LABEL}='${period}'}`, [team], "%.0f");
  const link = (labels: readonly string[], from: string) =>
    options.dashboardUrl ? `${options.dashboardUrl}?from=${from}&to=now&${labels.map((l) => `var-${dashboardVariable(l)}={{ $labels.${l} }}`).join("&")}` : "";

  const teamAlert = (name: string, severity: keyof typeof Severity, period: string, spend: string, threshold: string, words: { when: string; summary: string }) => {
    const labels = [team];
    alerts.push({
      alert: name,
      expr: `${spend} >= on (${team}) (${threshold})`,
      labels: { [SEVERITY_LABEL]: Severity[severity], [BUDGET_LABEL]: period },
      annotations: {
        summary: words.summary,
        description: `team {{ $labels.${team} }} spent ${"$"}{{ $value | printf "%.2f" }} ${words.when} (${zone}); budget ${"$"}${budgetText(period)}, ${percent(spend, period)} %`,
        ...(options.dashboardUrl ? { dashboard: link(labels, period === BudgetPeriod.month ? "now/M" : "now/d") } : {}),
      },
    });
  };
  if (needs("dailyUsd")) {
    const spend = BudgetSeries.teamToday;
    teamAlert("TeamDailyBudgetWarning", "warning", BudgetPeriod.day, spend, `${budgetOf(BudgetPeriod.day)} * ${fraction}`, {
      when: "today",
      summary: `A team has spent ${Math.round(fraction * 100)} % of its daily budget`,
    });
    teamAlert("TeamDailyBudgetExceeded", "critical", BudgetPeriod.day, spend, budgetOf(BudgetPeriod.day), { when: "today", summary: "A team has spent its daily budget" });
  }
  if (needs("monthlyUsd")) {
    teamAlert("TeamMonthlyBudgetExceeded", "critical", BudgetPeriod.month, BudgetSeries.teamMonthToDate, budgetOf(BudgetPeriod.month), {
      when: "this month",
      summary: "A team has spent its monthly budget",
    });
    teamAlert("TeamMonthlyBudgetForecast", "warning", BudgetPeriod.month, BudgetSeries.teamMonthForecast, budgetOf(BudgetPeriod.month), {
      when: "by the end of the month at its pace of the last 7 days (forecast)",
      summary: "A team is on course to spend more than its monthly budget this month",
    });
  }
  if (needs("userDailyUsd")) {
    const labels = [team, Label.userId];
    alerts.push({
      alert: "UserDailyBudgetExceeded",
      expr: `${BudgetSeries.userToday} >= on (${team}) group_left () ${budgetOf(BudgetPeriod.userDay)}`,
      labels: { [SEVERITY_LABEL]: Severity.warning, [BUDGET_LABEL]: BudgetPeriod.userDay },
      annotations: {
        summary: "A user has spent their daily budget",
        description: `user {{ $labels.${Label.userId} }} of team {{ $labels.${team} }} spent ${"$"}{{ $value | printf "%.2f" }} today (${zone}); budget per user ${"$"}${budgetText(BudgetPeriod.userDay)}`,
        ...(options.dashboardUrl ? { dashboard: link(labels, "now/d") } : {}),
      },
    });
  }
  return alerts;
}

/**
 * A user's last hour far above their usual hour: the last hour's sums against
 * their dollars per hour of activity in the rollup windows closed in the 7
 * days before it (one total per window, not a sum per minute).
 */
function spendSpikeAlert(options: AlertRulesOptions): AlertingRule {
  const { alerting } = options;
  const team = options.teamLabel;
  const user = [team, Label.userId].join(", ");
  const lastHour = `sum by (${user}) (sum_over_time(${Metric.cost.byUser!.recorded}[1h]))`;
  // The sums per user: the per-user series have no rollups.
  const closedWindows = (series: RecordedSeries) => `sum by (${user}) (sum_over_time(${series.byUser!.rollups!.windowTotal}[7d] offset 1h))`;
  const usualHour = `(${closedWindows(Metric.cost)} / (${closedWindows(Metric.activeTime)} / 3600 > 0))`;
  return {
    alert: "SpendSpike",
    expr: `(${lastHour} >= ${alerting.spikeMinUsd}) > ${alerting.spikeFactor} * ${usualHour}`,
    labels: { [SEVERITY_LABEL]: Severity.warning },
    annotations: {
      summary: "A user spent far more in the last hour than in their usual hour of work",
      description: `user {{ $labels.${Label.userId} }} of team {{ $labels.${team} }} spent ${"$"}{{ $value | printf "%.2f" }} in the last hour, more than ${alerting.spikeFactor} times their spend per active hour over the 7 days before`,
    },
  };
}

/** Alerts on how Claude Code is used: failing API calls, metrics gone missing. */
function usageAlerts(options: AlertRulesOptions): AlertingRule[] {
  const { alerting } = options;
  const team = options.teamLabel;
  const sum = (series: RecordedSeries, range: string, by: readonly string[]) => `sum by (${by.join(", ")}) (sum_over_time(${series.recorded}[${range}]))`;
  const answers = sum(EventMetric.apiRequests.allUsers!, "15m", [team]);
  const errors = sum(EventMetric.apiErrors.allUsers!, "15m", [team]);
  const calls = `sum by (${team}) (label_replace(${errors}, "${PART_LABEL}", "errors", "", "") or label_replace(${answers}, "${PART_LABEL}", "answers", "", ""))`;
  const tokens = sum(Metric.tokens.allUsers!, "15m", [team]);
  return [
    {
      alert: "ApiErrorRate",
      expr: `(${errors} / on (${team}) ${calls} > ${alerting.apiErrorRatio}) and on (${team}) ${calls} >= ${alerting.minApiRequests}`,
      labels: { [SEVERITY_LABEL]: Severity.warning },
      annotations: {
        summary: "Many API calls of a team failed in the last 15 minutes",
        description: `{{ $value | humanizePercentage }} of team {{ $labels.${team} }}'s API calls failed after their last retry in the last 15 minutes`,
      },
    },
    {
      alert: "ApiRetriesExhausted",
      expr: `${sum(EventMetric.apiRetriesExhausted.allUsers!, "15m", [team])} > 0`,
      labels: { [SEVERITY_LABEL]: Severity.warning },
      annotations: {
        summary: "API calls of a team failed on every retry",
        description: `{{ $value }} API calls of team {{ $labels.${team} }} failed on every retry in the last 15 minutes`,
      },
    },
    {
      alert: "TokenMetricsMissing",
      expr: `(${answers} > 0) unless on (${team}) (${tokens} > 0)`,
      for: "5m",
      labels: { [SEVERITY_LABEL]: Severity.warning },
      annotations: {
        summary: "Claude Code reports API calls but no tokens",
        description: `team {{ $labels.${team} }} made {{ $value }} API calls in the last 15 minutes and its token and cost metrics did not grow: a client stopped exporting metrics while its events still arrive (Claude Code issue 92776)`,
      },
    },
  ];
}

/** Alerts on the stack itself. */
function stackAlerts(options: AlertRulesOptions): AlertingRule[] {
  // How much the Collector's own counters `names` grew in 5 minutes. It creates some of them at
  // the first event they count, so a new series counts whole. One name at a time: increase()
  // drops the name, and two counters with the same labels would then collide.
  const grownIn5m = (names: readonly string[]) => {
    const parts = names.flatMap((name) => {
      const selector = `${name}{job="${COLLECTOR_TELEMETRY_JOB}"}`;
      return [
        `label_replace(increase(${selector}[5m]), "${PART_LABEL}", "${name} growth", "", "")`,
        `label_replace(${selector} unless ${selector} offset 5m, "${PART_LABEL}", "${name} new", "", "")`,
      ];
    });
    return `sum by (instance) (\n  ${parts.join("\n  or\n  ")}\n) > 0`;
  };
  const alerts: AlertingRule[] = [
    {
      alert: "CollectorDown",
      expr: `${StackMetric.up}{job="${COLLECTOR_JOB}"} == 0`,
      for: "1m",
      labels: { [SEVERITY_LABEL]: Severity.critical },
      annotations: {
        summary: "Prometheus cannot scrape the Collector",
        description: "The Collector at {{ $labels.instance }} has not answered Prometheus's scrapes for a minute: Claude Code's numbers stop reaching the dashboards (clients keep what they could not send for a while).",
      },
    },
    {
      alert: "CollectorRefusingData",
      expr: grownIn5m(StackMetric.collectorRefused),
      labels: { [SEVERITY_LABEL]: Severity.critical },
      annotations: {
        summary: "The Collector refuses data",
        description: "The Collector refused {{ $value }} data points or records in the last 5 minutes (its memory limit: raise `collector.memoryLimitMiB`): those numbers are lost.",
      },
    },
    {
      alert: "CollectorExportFailing",
      expr: grownIn5m(StackMetric.collectorExportFailed),
      labels: { [SEVERITY_LABEL]: Severity.critical },
      annotations: { summary: "The Collector fails to export", description: "The Collector failed to export {{ $value }} data points or records in the last 5 minutes." },
    },
    {
      alert: "RuleEvaluationFailing",
      expr: `sum by (rule_group) (increase(${StackMetric.ruleEvaluationFailures}{job="${PROMETHEUS_JOB}"}[5m])) > 0`,
      labels: { [SEVERITY_LABEL]: Severity.critical },
      annotations: {
        summary: "Prometheus's rules fail",
        description: "{{ $value }} evaluations of the rule group {{ $labels.rule_group }} failed in the last 5 minutes: the dashboards miss what those rules record.",
      },
    },
    {
      alert: "RuleEvaluationSlow",
      expr: `${StackMetric.ruleGroupLastDuration}{job="${PROMETHEUS_JOB}"} > 0.5 * ${StackMetric.ruleGroupInterval}{job="${PROMETHEUS_JOB}"}`,
      for: "5m",
      labels: { [SEVERITY_LABEL]: Severity.warning },
      annotations: {
        summary: "Prometheus's rules take more than half their interval",
        description: "The rule group {{ $labels.rule_group }} took {{ $value | humanizeDuration }} at its last evaluation, more than half its interval: past the whole interval, evaluations are skipped.",
      },
    },
  ];
  if (options.maxSeriesPerTeam !== undefined) {
    alerts.push({
      alert: "TeamOverSeriesBudget",
      expr: `${StackMetric.samplesScraped}{job="${COLLECTOR_JOB}"} > ${options.maxSeriesPerTeam}`,
      labels: { [SEVERITY_LABEL]: Severity.critical },
      annotations: {
        summary: "A team has more series than its budget",
        description: `The exporter of team {{ $labels.instance }} serves {{ $value }} series, more than \`teamMode.maxSeriesPerTeam\` (${options.maxSeriesPerTeam}): Prometheus refuses that team's scrapes until the excess expires.`,
      },
    });
  }
  return alerts;
}

/** An amount of US dollars as plan reviews print it: 200 -> "200.00", 0.0075 -> "0.0075". */
export function dollars(amount: number): string {
  return Number.isInteger(Math.round(amount * 100 * 1e6) / 1e6) ? amount.toFixed(2) : String(amount);
}

/** The dashboards' variable of a label (see dashboards/config.ts: user_id is $user). */
function dashboardVariable(label: string): string {
  return label === Label.userId ? "user" : label;
}

/** `text` as a literal in a PromQL or Alertmanager regular expression. */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
