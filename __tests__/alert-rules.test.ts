/**
 * The alerting rules under `promtool test rules` of the Prometheus release the
 * stack pins (built from its module, as the end-to-end test does): raw
 * counters as the Collector's exporter serves them go through the recording
 * rules and the alerting rules together, and each alert is checked just
 * below and just above its threshold, across a day in a zone east of UTC,
 * across months of 28, 30 and 31 days, with a counter reset and for a team
 * without a budget.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { resolveConfig } from "../config/stack-config";
import { ALERT_RULES_FILE, renderAlertRules } from "../renderers/alert-rules";
import { RULES_FILE, renderRecordingRules } from "../renderers/recording-rules";
import { COLLECTOR_JOB, COLLECTOR_TELEMETRY_JOB, PROMETHEUS_JOB } from "../renderers/prometheus-config";
import { EventMetric, Metric, StackMetric } from "../telemetry/catalog";
import { buildPrometheus, imageVersion, promtoolTestRules } from "../testkit/toolchain";

const DASHBOARD = "http://127.0.0.1:3000/d/claude-code";
const SERIES_BUDGET = 500;

/** The stack configuration of every case: budgets for alpha, a default for other teams, none for gamma. */
const CONFIG = resolveConfig({
  teamAttributes: { "team.id": "alpha", department: "eng" },
  budgets: {
    timeZone: "+05:30",
    teams: { alpha: { dailyUsd: 10, monthlyUsd: 100, userDailyUsd: 6 }, gamma: { dailyUsd: 0, monthlyUsd: 0, userDailyUsd: 0 } },
    otherTeams: { dailyUsd: 5 },
  },
  alerting: { spikeFactor: 4, spikeMinUsd: 1, apiErrorRatio: 0.2, minApiRequests: 10 },
});

/** A Claude Code counter series as the exporter serves it: cumulative values by minute from the test's start. */
interface Counter {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Cumulative value at each listed minute; between and after them the last value is served again. */
  readonly points: Readonly<Record<number, number>>;
}

function cost(team: string, user: string, session: string, points: Record<number, number>): Counter {
  return { name: Metric.cost.name, labels: { team_id: team, department: "eng", user_id: user, session_id: session, model: "claude-opus-4-6" }, points };
}

/** The promtool `values` text of a counter over `minutes` minutes. */
function values(counter: Counter, minutes: number): string {
  const out: string[] = [];
  let last: number | undefined;
  for (let minute = 0; minute <= minutes; minute++) {
    last = counter.points[minute] ?? last;
    out.push(last === undefined ? "_" : String(last));
  }
  return out.join(" ");
}

function series(counter: Counter): string {
  return `${counter.name}{${Object.entries(counter.labels).map(([key, value]) => `${key}="${value}"`).join(", ")}}`;
}

interface AlertCase {
  readonly name: string;
  /** RFC 3339 time of minute 0. */
  readonly start: string;
  readonly minutes: number;
  readonly counters: readonly Counter[];
  /** Raw input series in promtool's own notation, for the stack's own metrics. */
  readonly raw?: readonly { series: string; values: string }[];
  readonly alerts?: readonly { minute: number; alertname: string; expected: readonly { labels: Record<string, string>; annotations?: Record<string, string> }[] }[];
  readonly values?: readonly { minute: number; expr: string; expected: readonly { labels: string; value: number }[] }[];
}

const budgetLabels = (alertname: string, team: string, severity: string, budget: string) => ({ alertname, team_id: team, severity, budget });

/** Alpha's spend: $4 before its midnight (18:30 UTC in +05:30), then $9.5 after it. */
const ALPHA_ACROSS_MIDNIGHT = [
  cost("alpha", "ann", "s1", { 0: 0, 10: 4 }),
  cost("alpha", "ann", "s2", { 35: 0, 40: 5 }),
  cost("alpha", "bob", "s3", { 35: 0, 45: 4.5 }),
];

const CASES: AlertCase[] = [
  {
    name: "day boundary in +05:30: the day starts at 18:30 UTC; alpha at $9.50 of $10 warns, past $10 it is over",
    start: "2026-03-10T18:00:00Z",
    minutes: 60,
    counters: [...ALPHA_ACROSS_MIDNIGHT, cost("alpha", "bob", "s4", { 50: 0, 55: 0.6 })],
    values: [
      { minute: 25, expr: "team:claude_code_cost_usage_USD:today", expected: [{ labels: 'team:claude_code_cost_usage_USD:today{team_id="alpha"}', value: 4 }] },
      { minute: 32, expr: "team:claude_code_cost_usage_USD:today", expected: [] },
      { minute: 50, expr: "team:claude_code_cost_usage_USD:today", expected: [{ labels: 'team:claude_code_cost_usage_USD:today{team_id="alpha"}', value: 9.5 }] },
      { minute: 58, expr: "team:claude_code_cost_usage_USD:today", expected: [{ labels: 'team:claude_code_cost_usage_USD:today{team_id="alpha"}', value: 10.1 }] },
    ],
    alerts: [
      { minute: 25, alertname: "TeamDailyBudgetWarning", expected: [] },
      {
        minute: 50,
        alertname: "TeamDailyBudgetWarning",
        expected: [
          {
            labels: budgetLabels("TeamDailyBudgetWarning", "alpha", "warning", "daily"),
            annotations: {
              summary: "A team has spent 80 % of its daily budget",
              description: "team alpha spent $9.50 today (+05:30); budget $10.00, 95 %",
              dashboard: `${DASHBOARD}?from=now/d&to=now&var-team_id=alpha`,
            },
          },
        ],
      },
      { minute: 50, alertname: "TeamDailyBudgetExceeded", expected: [] },
      {
        minute: 58,
        alertname: "TeamDailyBudgetExceeded",
        expected: [
          {
            labels: budgetLabels("TeamDailyBudgetExceeded", "alpha", "critical", "daily"),
            annotations: {
              summary: "A team has spent its daily budget",
              description: "team alpha spent $10.10 today (+05:30); budget $10.00, 101 %",
              dashboard: `${DASHBOARD}?from=now/d&to=now&var-team_id=alpha`,
            },
          },
        ],
      },
    ],
  },
  {
    name: "user daily budget: ann at $5 of $6 stays under; bob passes $6",
    start: "2026-03-10T19:00:00Z",
    minutes: 30,
    counters: [cost("alpha", "ann", "s1", { 0: 0, 5: 5 }), cost("alpha", "bob", "s2", { 0: 0, 5: 5.99, 20: 6.01 })],
    alerts: [
      { minute: 10, alertname: "UserDailyBudgetExceeded", expected: [] },
      {
        minute: 25,
        alertname: "UserDailyBudgetExceeded",
        expected: [
          {
            labels: { alertname: "UserDailyBudgetExceeded", team_id: "alpha", user_id: "bob", severity: "warning", budget: "user daily" },
            annotations: {
              summary: "A user has spent their daily budget",
              description: "user bob of team alpha spent $6.01 today (+05:30); budget per user $6.00",
              dashboard: `${DASHBOARD}?from=now/d&to=now&var-team_id=alpha&var-user=bob`,
            },
          },
        ],
      },
    ],
  },
  {
    name: "other teams: beta has the default $5 and passes it; gamma sets no budget and spends $50; a counter reset still counts",
    start: "2026-03-10T19:00:00Z",
    minutes: 30,
    counters: [
      // 3 + 1.5 after the reset to 1.5 (the restart of a cumulative client), then + 1 = $5.50.
      cost("beta", "cat", "s1", { 0: 0, 5: 3, 10: 1.5, 20: 2.5 }),
      cost("gamma", "dan", "s2", { 0: 0, 5: 50 }),
    ],
    values: [{ minute: 25, expr: "team:claude_code_cost_usage_USD:today", expected: [{ labels: 'team:claude_code_cost_usage_USD:today{team_id="beta"}', value: 5.5 }, { labels: 'team:claude_code_cost_usage_USD:today{team_id="gamma"}', value: 50 }] }],
    alerts: [
      { minute: 15, alertname: "TeamDailyBudgetExceeded", expected: [] },
      {
        minute: 25,
        alertname: "TeamDailyBudgetExceeded",
        expected: [
          {
            labels: budgetLabels("TeamDailyBudgetExceeded", "beta", "critical", "daily"),
            annotations: {
              summary: "A team has spent its daily budget",
              description: "team beta spent $5.50 today (+05:30); budget $5.00, 110 %",
              dashboard: `${DASHBOARD}?from=now/d&to=now&var-team_id=beta`,
            },
          },
        ],
      },
    ],
  },
  ...monthBoundaryCases(),
  {
    name: "monthly budget: $99.99 this month stays under $100; one cent more is over",
    start: "2026-03-10T10:00:00Z",
    minutes: 20,
    counters: [cost("alpha", "ann", "s1", { 0: 0, 5: 99.99, 12: 100 })],
    alerts: [
      { minute: 10, alertname: "TeamMonthlyBudgetExceeded", expected: [] },
      {
        minute: 15,
        alertname: "TeamMonthlyBudgetExceeded",
        expected: [
          {
            labels: budgetLabels("TeamMonthlyBudgetExceeded", "alpha", "critical", "monthly"),
            annotations: {
              summary: "A team has spent its monthly budget",
              description: "team alpha spent $100.00 this month (+05:30); budget $100.00, 100 %",
              dashboard: `${DASHBOARD}?from=now/M&to=now&var-team_id=alpha`,
            },
          },
        ],
      },
    ],
  },
  {
    name: "forecast: $70 on 20 April (+05:30) and a 7-day mean of $10 a day forecast $70 + 10 x 10.5 days = $175 past $100",
    // 12:00 local on 20 April is 06:30 UTC; 10.5 days are left in April.
    start: "2026-04-20T06:20:00Z",
    minutes: 15,
    counters: [cost("alpha", "ann", "s1", { 0: 0, 5: 70 })],
    values: [
      { minute: 10, expr: "team:claude_code_cost_usage_USD:month_to_date", expected: [{ labels: 'team:claude_code_cost_usage_USD:month_to_date{team_id="alpha"}', value: 70 }] },
      // The rules read 10 s (the query offset) behind the evaluation: 10.5 days and 10 s are left.
      { minute: 10, expr: "round(team:claude_code_cost_usage_USD:month_forecast, 0.01)", expected: [{ labels: '{team_id="alpha"}', value: 175 }] },
    ],
    alerts: [
      { minute: 10, alertname: "TeamMonthlyBudgetExceeded", expected: [] },
      {
        minute: 10,
        alertname: "TeamMonthlyBudgetForecast",
        expected: [
          {
            labels: budgetLabels("TeamMonthlyBudgetForecast", "alpha", "warning", "monthly"),
            annotations: {
              summary: "A team is on course to spend more than its monthly budget this month",
              description: "team alpha spent $175.00 by the end of the month at its pace of the last 7 days (forecast) (+05:30); budget $100.00, 175 %",
              dashboard: `${DASHBOARD}?from=now/M&to=now&var-team_id=alpha`,
            },
          },
        ],
      },
    ],
  },
  {
    name: "spend spike: $1 per active hour usually (the 10:00 window); $3.90 in the last hour stays under 4x, $4.50 is over",
    start: "2026-03-10T10:00:00Z",
    minutes: 240,
    counters: [
      cost("alpha", "ann", "s1", { 0: 0, 50: 1 }),
      { name: Metric.activeTime.name, labels: { team_id: "alpha", department: "eng", user_id: "ann", session_id: "s1", type: "cli" }, points: { 0: 0, 50: 3600 } },
      cost("alpha", "ann", "s2", { 150: 0, 160: 3.9 }),
      cost("alpha", "ann", "s3", { 200: 0, 210: 0.6 }),
    ],
    alerts: [
      { minute: 170, alertname: "SpendSpike", expected: [] },
      {
        minute: 215,
        alertname: "SpendSpike",
        expected: [
          {
            labels: { alertname: "SpendSpike", team_id: "alpha", user_id: "ann", severity: "warning" },
            annotations: {
              summary: "A user spent far more in the last hour than in their usual hour of work",
              description: "user ann of team alpha spent $4.50 in the last hour, more than 4 times their spend per active hour over the 7 days before",
            },
          },
        ],
      },
    ],
  },
  {
    name: "API error rate: 2 of 10 calls (20 %) stays under 20 %; 3 of 11 is over; 4 of 8 is too few calls",
    start: "2026-03-10T10:00:00Z",
    minutes: 20,
    counters: [
      event(EventMetric.apiRequests.name, "alpha", { 0: 0, 5: 8 }),
      event(EventMetric.apiErrors.name, "alpha", { 0: 0, 5: 2, 12: 3 }, { status_code: "500" }),
      event(EventMetric.apiRequests.name, "beta", { 0: 0, 5: 4 }),
      event(EventMetric.apiErrors.name, "beta", { 0: 0, 5: 4 }, { status_code: "529" }),
    ],
    alerts: [
      { minute: 10, alertname: "ApiErrorRate", expected: [] },
      {
        minute: 15,
        alertname: "ApiErrorRate",
        expected: [
          {
            labels: { alertname: "ApiErrorRate", team_id: "alpha", severity: "warning" },
            annotations: {
              summary: "Many API calls of a team failed in the last 15 minutes",
              description: "27.27% of team alpha's API calls failed after their last retry in the last 15 minutes",
            },
          },
        ],
      },
    ],
  },
  {
    name: "requests failing on every retry, and metrics that stop while events still arrive (Claude Code issue 92776)",
    start: "2026-03-10T10:00:00Z",
    minutes: 30,
    counters: [
      event(EventMetric.apiRetriesExhausted.name, "alpha", { 0: 0, 5: 1 }, { status_code: "529" }),
      event(EventMetric.apiRequests.name, "beta", { 0: 0, 2: 3, 10: 6 }),
      { name: Metric.tokens.name, labels: { team_id: "alpha", department: "eng", user_id: "ann", session_id: "s1", type: "input", model: "m" }, points: { 0: 0, 2: 100 } },
      event(EventMetric.apiRequests.name, "alpha", { 0: 0, 2: 1 }),
    ],
    alerts: [
      {
        minute: 10,
        alertname: "ApiRetriesExhausted",
        expected: [
          {
            labels: { alertname: "ApiRetriesExhausted", team_id: "alpha", severity: "warning" },
            annotations: { summary: "API calls of a team failed on every retry", description: "1 API calls of team alpha failed on every retry in the last 15 minutes" },
          },
        ],
      },
      { minute: 6, alertname: "TokenMetricsMissing", expected: [] },
      {
        minute: 12,
        alertname: "TokenMetricsMissing",
        expected: [
          {
            labels: { alertname: "TokenMetricsMissing", team_id: "beta", severity: "warning" },
            annotations: {
              summary: "Claude Code reports API calls but no tokens",
              description:
                "team beta made 6 API calls in the last 15 minutes and its token and cost metrics did not grow: a client stopped exporting metrics while its events still arrive (Claude Code issue 92776)",
            },
          },
        ],
      },
    ],
  },
  {
    name: "the stack: Collector down past 1 minute, refusing data, rules failing or slow",
    start: "2026-03-10T10:00:00Z",
    minutes: 20,
    counters: [],
    // The Collector creates its export failure counter at the first failure.
    raw: [
      { series: `${StackMetric.up}{job="${COLLECTOR_JOB}", instance="collector:8889"}`, values: "1x5 0x10 1x5" },
      { series: `${StackMetric.collectorRefused[0]}{job="${COLLECTOR_TELEMETRY_JOB}", instance="collector:8888", receiver="otlp"}`, values: "0x10 7x10" },
      { series: `${StackMetric.ruleEvaluationFailures}{job="${PROMETHEUS_JOB}", rule_group="g"}`, values: "0x3 2x17" },
      { series: `${StackMetric.ruleGroupLastDuration}{job="${PROMETHEUS_JOB}", rule_group="g"}`, values: "29x5 31x15" },
      { series: `${StackMetric.ruleGroupInterval}{job="${PROMETHEUS_JOB}", rule_group="g"}`, values: "60x20" },
      { series: `${StackMetric.collectorExportFailed[0]}{job="${COLLECTOR_TELEMETRY_JOB}", instance="collector:8888", exporter="prometheus"}`, values: "_x10 3x10" },
      { series: `${StackMetric.samplesScraped}{job="${COLLECTOR_JOB}", instance="beta"}`, values: `${SERIES_BUDGET}x10 ${SERIES_BUDGET + 1}x10` },
    ],
    alerts: [
      { minute: 6, alertname: "CollectorDown", expected: [] },
      {
        minute: 8,
        alertname: "CollectorDown",
        expected: [
          {
            labels: { alertname: "CollectorDown", job: COLLECTOR_JOB, instance: "collector:8889", severity: "critical" },
            annotations: {
              summary: "Prometheus cannot scrape the Collector",
              description:
                "The Collector at collector:8889 has not answered Prometheus's scrapes for a minute: Claude Code's numbers stop reaching the dashboards (clients keep what they could not send for a while).",
            },
          },
        ],
      },
      { minute: 18, alertname: "CollectorDown", expected: [] },
      { minute: 9, alertname: "CollectorRefusingData", expected: [] },
      {
        minute: 12,
        alertname: "CollectorRefusingData",
        expected: [
          {
            labels: { alertname: "CollectorRefusingData", instance: "collector:8888", severity: "critical" },
            annotations: {
              summary: "The Collector refuses data",
              description: "The Collector refused 7 data points or records in the last 5 minutes (its memory limit: raise `collector.memoryLimitMiB`): those numbers are lost.",
            },
          },
        ],
      },
      { minute: 3, alertname: "RuleEvaluationFailing", expected: [] },
      {
        minute: 5,
        alertname: "RuleEvaluationFailing",
        expected: [
          {
            labels: { alertname: "RuleEvaluationFailing", rule_group: "g", severity: "critical" },
            annotations: {
              summary: "Prometheus's rules fail",
              description: "2 evaluations of the rule group g failed in the last 5 minutes: the dashboards miss what those rules record.",
            },
          },
        ],
      },
      { minute: 9, alertname: "CollectorExportFailing", expected: [] },
      {
        minute: 12,
        alertname: "CollectorExportFailing",
        expected: [
          {
            labels: { alertname: "CollectorExportFailing", instance: "collector:8888", severity: "critical" },
            annotations: { summary: "The Collector fails to export", description: "The Collector failed to export 3 data points or records in the last 5 minutes." },
          },
        ],
      },
      { minute: 10, alertname: "TeamOverSeriesBudget", expected: [] },
      {
        minute: 12,
        alertname: "TeamOverSeriesBudget",
        expected: [
          {
            labels: { alertname: "TeamOverSeriesBudget", job: COLLECTOR_JOB, instance: "beta", severity: "critical" },
            annotations: {
              summary: "A team has more series than its budget",
              description: `The exporter of team beta serves ${SERIES_BUDGET + 1} series, more than \`teamMode.maxSeriesPerTeam\` (${SERIES_BUDGET}): Prometheus refuses that team's scrapes until the excess expires.`,
            },
          },
        ],
      },
      { minute: 9, alertname: "RuleEvaluationSlow", expected: [] },
      {
        minute: 11,
        alertname: "RuleEvaluationSlow",
        expected: [
          {
            labels: { alertname: "RuleEvaluationSlow", job: PROMETHEUS_JOB, rule_group: "g", severity: "warning" },
            annotations: {
              summary: "Prometheus's rules take more than half their interval",
              description: "The rule group g took 31s at its last evaluation, more than half its interval: past the whole interval, evaluations are skipped.",
            },
          },
        ],
      },
    ],
  },
];

function event(name: string, team: string, points: Record<number, number>, extra: Record<string, string> = {}): Counter {
  return { name, labels: { team_id: team, department: "eng", user_id: "ann", session_id: "s", model: "m", ...extra }, points };
}

/**
 * For months of 31 (January), 28 (February 2026) and 30 days (April): $60
 * in the month's last hour (local time, +05:30) and $50 in the next month's
 * first: each month to date stays under $100; a month with both would be over.
 */
function monthBoundaryCases(): AlertCase[] {
  const months = [
    { days: 31, lastDay: "2026-01-31" },
    { days: 28, lastDay: "2026-02-28" },
    { days: 30, lastDay: "2026-04-30" },
  ];
  return months.map(({ days, lastDay }) => ({
    name: `month of ${days} days: $60 before its end at 18:30 UTC on ${lastDay} and $50 after it are two months`,
    start: `${lastDay}T18:00:00Z`,
    minutes: 60,
    counters: [cost("alpha", "ann", "s1", { 0: 0, 10: 60 }), cost("alpha", "ann", "s2", { 40: 0, 45: 50 })],
    values: [
      { minute: 25, expr: "team:claude_code_cost_usage_USD:month_to_date", expected: [{ labels: 'team:claude_code_cost_usage_USD:month_to_date{team_id="alpha"}', value: 60 }] },
      { minute: 55, expr: "team:claude_code_cost_usage_USD:month_to_date", expected: [{ labels: 'team:claude_code_cost_usage_USD:month_to_date{team_id="alpha"}', value: 50 }] },
    ],
    alerts: [{ minute: 55, alertname: "TeamMonthlyBudgetExceeded", expected: [] }],
  }));
}

/** promtool's test file for `cases`, against the rules files in the same folder. */
function promtoolTests(cases: readonly AlertCase[]): string {
  return stringify(
    {
      rule_files: [RULES_FILE, ALERT_RULES_FILE],
      evaluation_interval: "1m",
      tests: cases.map((c) => ({
        name: c.name,
        interval: "1m",
        start_timestamp: c.start,
        input_series: [...c.counters.map((counter) => ({ series: series(counter), values: values(counter, c.minutes) })), ...(c.raw ?? [])],
        alert_rule_test: (c.alerts ?? []).map((a) => ({
          eval_time: `${a.minute}m`,
          alertname: a.alertname,
          exp_alerts: a.expected.map((e) => {
            const { alertname: _name, ...labels } = e.labels;
            return { exp_labels: labels, ...(e.annotations ? { exp_annotations: e.annotations } : {}) };
          }),
        })),
        promql_expr_test: (c.values ?? []).map((v) => ({ expr: v.expr, eval_time: `${v.minute}m`, exp_samples: v.expected })),
      })),
    },
    { lineWidth: 0 },
  );
}

describe("alerting rules under promtool test rules", () => {
  const prometheusVersion = imageVersion(CONFIG.images.prometheus);
  let promtool: string;

  beforeAll(() => {
    promtool = buildPrometheus(prometheusVersion, (line) => console.log(line)).promtool;
  }, 20 * 60_000);

  test.each(CASES.map((c) => [c.name, c] as const))("%s", (_name, alertCase) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alert-rules-"));
    const interval = CONFIG.prometheus.ruleInterval;
    fs.writeFileSync(path.join(dir, RULES_FILE), renderRecordingRules({ interval, scrapeInterval: CONFIG.prometheus.scrapeInterval, rollupWindow: "1h" }));
    fs.writeFileSync(
      path.join(dir, ALERT_RULES_FILE),
      renderAlertRules({ interval, scrapeInterval: CONFIG.prometheus.scrapeInterval, budgets: CONFIG.budgets, alerting: CONFIG.alerting, teamLabel: "team_id", dashboardUrl: DASHBOARD, maxSeriesPerTeam: SERIES_BUDGET }),
    );
    fs.writeFileSync(path.join(dir, "tests.yml"), promtoolTests([alertCase]));
    expect(promtoolTestRules(promtool, dir)).toContain("SUCCESS");
    fs.rmSync(dir, { recursive: true, force: true });
  }, 120_000);
});
