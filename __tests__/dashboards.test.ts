import * as fs from "fs";
import * as path from "path";
import { loadConfig } from "../config/load-config";
import { allDashboards, dashboardJson } from "../dashboards";
import { AlertSeries, BUCKET_LABEL, BudgetSeries, EventLabel, EventMetric, KEPT_ATTRIBUTES, Label, Metric, RecordedSeries, SUMMED_BY_REPOSITORY, SUMMED_BY_STREAM, SUMMED_OVER_USERS, eventSeries, summedLevels, labelForAttribute } from "../telemetry/catalog";
import { dashboardConfig, stackDashboardConfig } from "../dashboards/config";
import { QueryBuilder, UNKNOWN } from "../dashboards/queries";
import { OTHER_REPOSITORIES, SPEND_DASHBOARD_UID, TOP_REPOSITORIES } from "../dashboards/spend";
import { RULES_FILE, renderRecordingRules } from "../renderers/recording-rules";
import { ALERT_RULES_FILE } from "../renderers/alert-rules";
import { standaloneAlertRules } from "../scripts/standalone-rules";
import { parsePromQL } from "./promql";

const config = dashboardConfig({ teamAttributeKeys: ["team.id", "department"], ruleInterval: "1m", budgets: { teamAttribute: "team.id", warningFraction: 0.8 } });
const dashboards = allDashboards(config);
const main = dashboards["claude-code.json"] as any;
const activity = dashboards["claude-code-activity.json"] as any;
const health = dashboards["claude-code-health.json"] as any;
const budgets = dashboards["claude-code-budgets.json"] as any;
const spend = dashboards["claude-code-spend.json"] as any;

function panelsOf(model: any): any[] {
  return (model.panels as any[]).flatMap((panel) => (panel.type === "row" ? panel.panels ?? [] : [panel]));
}

function rowsOf(model: any): any[] {
  return (model.panels as any[]).filter((panel) => panel.type === "row");
}

const RECORDED: readonly RecordedSeries[] = [...Object.values(Metric), ...Object.values(EventMetric).flatMap(eventSeries)];

describe("main dashboard", () => {
  const panels = panelsOf(main);

  test("has exactly 22 panels in 4 rows with the design's titles", () => {
    expect(panels).toHaveLength(22);
    expect(rowsOf(main).map((row) => row.title)).toEqual(["Token Stats", "Breakdowns", "Time Tracking", "Time Series"]);
    expect(panels.map((panel) => panel.title)).toEqual([
      "Total Cost", "Input Tokens", "Output Tokens", "Cache Read Tokens", "Cache Creation Tokens", "Cache Efficiency", "Cost per 1K Output Tokens",
      "Tokens by Type", "Tokens by Model", "Cost by Model",
      "Sessions", "Commits", "Lines of Code", "Active Time (You)", "Active Time (CLI)", "Peak Leverage", "Active Time Distribution", "Productivity Ratio",
      "Token Usage Over Time", "Token Usage by Model Over Time", "Cost Over Time", "Active Time Over Time",
    ]);
  });

  test("panel types: 12 stat, 2 gauge, 3 pie, 1 bar gauge, 4 time series", () => {
    const counts: Record<string, number> = {};
    for (const panel of panels) counts[panel.type] = (counts[panel.type] ?? 0) + 1;
    expect(counts).toEqual({ stat: 12, gauge: 2, piechart: 3, bargauge: 1, timeseries: 4 });
  });

  test("units fit each panel", () => {
    const unitOf = (title: string) => panels.find((panel) => panel.title === title).fieldConfig.defaults.unit;
    expect(unitOf("Total Cost")).toBe("currencyUSD");
    expect(unitOf("Cost per 1K Output Tokens")).toBe("currencyUSD");
    expect(unitOf("Cost by Model")).toBe("currencyUSD");
    expect(unitOf("Cost Over Time")).toBe("currencyUSD");
    expect(unitOf("Cache Efficiency")).toBe("percentunit");
    expect(unitOf("Active Time (You)")).toBe("s");
    expect(unitOf("Active Time (CLI)")).toBe("s");
    expect(unitOf("Peak Leverage")).toBe("suffix:x");
    expect(unitOf("Productivity Ratio")).toBe("suffix:x");
    expect(unitOf("Input Tokens")).toBe("short");
    expect(unitOf("Sessions")).toBe("short");
  });

  test("Commits counts commits, not edit decisions", () => {
    const commits = panels.find((panel) => panel.title === "Commits");
    expect(commits.targets[0].expr).toContain(Metric.commits.name);
    expect(commits.targets[0].expr).not.toContain(Metric.editDecisions.name);
  });

  test("stats are instant queries over the range; time series are range queries per step", () => {
    for (const panel of panels) {
      for (const target of panel.targets) {
        if (panel.type === "timeseries") {
          expect(target.range).toBe(true);
          expect(target.expr).toContain("[$__interval])");
          expect(target.expr).not.toContain("$__range");
        } else {
          expect(target.instant).toBe(true);
          expect(target.expr).toContain("$__range");
        }
      }
    }
  });

  test("stable uid, sensible refresh and default range", () => {
    expect(main.uid).toBe("claude-code-overview");
    expect(main.refresh).toBe("1m");
    expect(main.time).toEqual({ from: "now-24h", to: "now" });
  });
});

describe("activity dashboard", () => {
  const panels = panelsOf(activity);
  const exprs = panels.flatMap((panel) => panel.targets.map((target: any) => target.expr)).join("\n");

  test("shows edit decisions by tool and language, pull requests, lines and leaderboards", () => {
    expect(activity.uid).toBe("claude-code-activity");
    expect(exprs).toContain(`by (${Label.toolName}, ${Label.decision})`);
    expect(exprs).toContain(`by (${Label.language}, ${Label.decision})`);
    expect(exprs).toContain(Metric.pullRequests.name);
    expect(exprs).toContain(`${Metric.linesOfCode.recorded}{`);
    const titles = panels.map((panel) => panel.title);
    expect(titles).toEqual(
      expect.arrayContaining(["Cost by User", "Tokens by User", "Cost by team.id", "Tokens by team.id", "Cost by department", "Tokens by department"]),
    );
  });
});

describe("health dashboard", () => {
  const panels = panelsOf(health);
  const exprs = (title: string) => panels.find((panel) => panel.title === title).targets.map((target: any) => target.expr as string);

  test("shows API errors, retries, refusals, latency, tools and people in four rows; the main dashboard keeps its 22 panels", () => {
    expect(health.uid).toBe("claude-code-health");
    expect(rowsOf(health).map((row) => row.title)).toEqual(["API", "Latency", "Tools", "Requests and Prompts"]);
    expect(panelsOf(main)).toHaveLength(22);
    expect(panels.map((panel) => panel.title)).toEqual(
      expect.arrayContaining(["API Error Rate", "Retries Exhausted", "Refusals", "API Latency by Model", "Tool Success Rate", "Prompts by department"]),
    );
  });

  test("percentiles are read from the recorded buckets over the whole range, per model where requests were counted", () => {
    const [p50, p95, p99] = exprs("API Latency by Model");
    const q = new QueryBuilder(config);
    const { bucket, count } = EventMetric.apiDuration;
    expect(p95).toBe(`histogram_quantile(0.95, sum by (${BUCKET_LABEL}, model) (${q.increase(bucket, {}, "$__range", [BUCKET_LABEL, "model"])}) and on (model) (sum by (model) (${q.increase(count, {}, "$__range", ["model"])}) > 0))`);
    expect(p50).toContain("histogram_quantile(0.5,");
    expect(p99).toContain("histogram_quantile(0.99,");
  });

  test("errors by status keep 429, 529 and none apart and group other statuses by class", () => {
    const [expr] = exprs("API Errors by Status Over Time");
    expect(expr.startsWith("sum by (status) (label_replace(label_replace(label_replace(")).toBe(true);
    expect(expr).toContain(`"status", "$1", "${EventLabel.statusCode}", "(429|529|none)")`);
    expect(expr).toContain(`"status", "5xx", "${EventLabel.statusCode}", "5.."`);
  });

  test("the success rate of tools is drawn from 0 to 100 %", () => {
    const panel = panels.find((p) => p.title === "Tool Success Rate");
    expect(panel.fieldConfig.defaults).toMatchObject({ unit: "percentunit", min: 0, max: 1 });
  });

  test("the time lost to exhausted retries is the sum of their retry durations", () => {
    const [expr] = exprs("Time Lost to Exhausted Retries");
    expect(expr).toBe(new QueryBuilder(config).total(EventMetric.apiRetryTime));
  });

  test("the panels the Model filter does not reach are those on tools and prompts, which carry no model", () => {
    const unfiltered = panels.filter((panel) => panel.description.includes("Not filtered by Model")).map((panel) => panel.title);
    expect(unfiltered).toEqual([
      "Prompts", "Tool Runs", "Tool Success Rate", "Tool Failures by Error Type", "Slowest Tools (Mean)", "Slowest Tools (p95)",
      "Prompts by User", "Prompts by Repository", "Prompts by team.id", "Prompts by department",
    ]);
  });

  test("a tool that never succeeded shows a success rate of 0, not no data", () => {
    const [expr] = exprs("Tool Success Rate");
    // The runs are parenthesised: 0 * (runs != 0), not (0 * runs) != 0, which would drop every tool.
    expect(expr).toContain(" or (0 * (sum by (tool_name) (");
  });
});

describe("spend dashboard", () => {
  const panels = panelsOf(spend);
  const expr = (title: string) => panels.find((panel) => panel.title === title)!.targets[0].expr as string;

  test("is the dashboard of where the money goes", () => {
    expect(spend.uid).toBe(SPEND_DASHBOARD_UID);
    expect(panels.map((panel) => panel.title)).toEqual([
      "Cost by Repository", "Tokens by Repository", "Cache Hit Ratio by Repository", "Commits by Repository", "Pull Requests by Repository",
      "Cost by Repository Over Time", "Cost by Request Source", "Tokens by Request Source", "Cost by Effort", "Cost by Model and Effort",
      "Cost by Agent", "Cost by Skill", "Cost by MCP Server",
    ]);
  });

  test("per repository: the largest by name, the rest summed as one value, missing ones as unknown", () => {
    const cost = expr("Cost by Repository");
    expect(cost.startsWith(`topk(${TOP_REPOSITORIES}, label_replace(`)).toBe(true);
    expect(cost).toContain(` unless on (repository) topk(${TOP_REPOSITORIES}, `);
    expect(cost).toMatch(new RegExp(`\\)\\), "repository", "${OTHER_REPOSITORIES}", "", ""\\)$`));
    expect(cost).toContain(`"repository", "${UNKNOWN}", "repository", "")`);
  });

  test("agents, skills and MCP servers: only the requests that name one", () => {
    expect(expr("Cost by Agent")).toContain('agent_name=~".+"');
    expect(expr("Cost by Skill")).toContain('skill_name=~".+"');
    expect(expr("Cost by MCP Server")).toContain('mcp_server_name=~".+"');
  });
});

describe.each([
  ["main", main],
  ["activity", activity],
  ["health", health],
  ["spend", spend],
  ["budgets", budgets],
])("%s dashboard layout", (_name, model) => {
  const panels = panelsOf(model);

  test("every panel has a unique title, a description and a unit", () => {
    expect(new Set(panels.map((panel) => panel.title)).size).toBe(panels.length);
    for (const panel of panels) {
      expect(panel.description).toMatch(/\w/);
      expect(panel.fieldConfig.defaults.unit).toMatch(/\w/);
    }
  });

  test("no two panels overlap and all fit the 24-column grid", () => {
    const all = model.panels as any[];
    for (const panel of all) expect(panel.gridPos.x + panel.gridPos.w).toBeLessThanOrEqual(24);
    for (let i = 0; i < all.length; i++) {
      for (let j = i + 1; j < all.length; j++) {
        const a = all[i].gridPos;
        const b = all[j].gridPos;
        const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
        expect(overlap ? `${all[i].title} overlaps ${all[j].title}` : "").toBe("");
      }
    }
  });

  test("rows can be collapsed", () => {
    for (const row of rowsOf(model)) expect(row.collapsed).toBe(false);
  });
});

describe.each([
  ["main", main],
  ["activity", activity],
  ["health", health],
  ["spend", spend],
])("%s dashboard queries", (_name, model) => {
  const panels = panelsOf(model);

  test("variables: datasource, user, model and each team attribute", () => {
    const variables = model.templating.list as any[];
    expect(variables.map((variable) => variable.name)).toEqual(["datasource", "user", "model", "repository", "team_id", "department"]);
    for (const variable of variables.slice(1)) {
      expect(variable).toMatchObject({ type: "query", multi: true, includeAll: true, allValue: ".*" });
      expect(variable.datasource).toEqual({ type: "prometheus", uid: "${datasource}" });
    }
  });

  test("each filter offers the values of its label on every series the dashboards read (the user's per user, the others summed over users)", () => {
    const read = [...Object.values(Metric), ...Object.values(EventMetric).map((metric) => (metric.kind === "histogram" ? metric.count : metric))];
    const offered = (name: string) => {
      const variable = (model.templating.list as any[]).find((v) => v.name === name);
      const [, names, matchers, label] = /^label_values\(\{__name__=~"([^"]+)"(.*)\}, (\w+)\)$/.exec(variable.query)!;
      return { names: names.split("|").sort(), matchers, label };
    };
    const recorded = (series: readonly RecordedSeries[]) => series.map((metric) => metric.recorded).sort();
    // The users of the picked teams only.
    expect(offered("user")).toEqual({ names: recorded(read.map((metric) => metric.byUser!)), matchers: ', team_id=~"$team_id", department=~"$department"', label: "user_id" });
    expect(offered("repository")).toEqual({ names: recorded(read.map((metric) => metric.allUsersByRepository ?? metric.allUsersByStream!)), matchers: "", label: "repository" });
    expect(offered("model")).toEqual({ names: recorded(read.filter((metric) => metric.labels.includes(Label.model)).map((metric) => metric.allUsers!)), matchers: "", label: "model" });
    expect(offered("model").names).toContain(EventMetric.apiErrors.allUsers!.recorded);
    expect(offered("team_id")).toEqual({ names: recorded(read.map((metric) => metric.allUsers!)), matchers: "", label: "team_id" });
  });

  test("a panel says it is not filtered by Model exactly when one of its series has no model", () => {
    for (const panel of panels) {
      const selectors = panel.targets.flatMap((target: any) => parsePromQL(target.expr).selectors);
      const reached = selectors.every((selector: any) => selector.matchers.includes('model=~"$model"'));
      expect(`${panel.title}: ${panel.description.includes("Not filtered by Model") ? "says not filtered" : "filtered"}`).toBe(
        `${panel.title}: ${reached ? "filtered" : "says not filtered"}`,
      );
    }
  });

  const targets = panels.flatMap((panel) => panel.targets.map((target: any) => ({ panel: panel.title, target })));

  test.each(targets.map(({ panel, target }) => [panel, target.refId, target]))(
    "%s (%s): valid PromQL over the recording rules' sums that honours every variable",
    (_panel, _refId, target: any) => {
      expect(target.datasource).toEqual({ type: "prometheus", uid: "${datasource}" });
      const query = parsePromQL(target.expr);
      expect(query.errors).toEqual([]);
      expect(query.selectors.length).toBeGreaterThan(0);
      const allUsersLevels = RECORDED.map((series) => series.allUsers!);
      const byStreamLevels = RECORDED.map((series) => series.allUsersByStream!);
      const byUserLevels = RECORDED.map((series) => series.byUser!);
      const byRepositoryLevels = RECORDED.flatMap((series) => (series.allUsersByRepository ? [series.allUsersByRepository] : []));
      const outputs = (level: RecordedSeries) => [level.recorded, ...(level.rollups ? [level.rollups.windowTotal, level.rollups.windowToDate] : [])];
      const reads = (levels: RecordedSeries[]) => query.selectors.some((selector) => levels.some((level) => outputs(level).includes(selector.metric)));
      const [readsAllUsers, readsByStream, readsByUser, readsByRepository] = [reads(allUsersLevels), reads(byStreamLevels), reads(byUserLevels), reads(byRepositoryLevels)];
      for (const selector of query.selectors) {
        // Counters are read through the recording rules (a range through the rollups, a step through the per-interval sums), never raw.
        const level = [...RECORDED, ...allUsersLevels, ...byStreamLevels, ...byUserLevels, ...byRepositoryLevels].find((series) => outputs(series).includes(selector.metric));
        expect(level && outputs(level)).toContain(selector.metric);
        // A time series step reads the window totals or, at steps that are not whole windows, the per-interval sums: never both.
        if (selector.metric === level!.recorded && level!.rollups) expect(selector.matchers).toContain('rollup_steps!~".*,1m,.*"');
        if (selector.metric === level!.rollups?.windowTotal && target.expr.includes("$__interval")) expect(selector.matchers).toContain('rollup_steps=~".*,1m,.*"');
        expect(selector.matchers).toEqual(expect.arrayContaining(['user_id=~"$user"', 'team_id=~"$team_id"', 'department=~"$department"']));
        if (level!.labels.includes(Label.model)) expect(selector.matchers).toContain('model=~"$model"');
        // A finer level reads nothing while the filters on the labels a coarser one adds up are "All".
        const finer = !allUsersLevels.includes(level!);
        if (readsAllUsers && finer) expect(selector.matchers).toContain('all_users_guard!~"$user$repository"');
        if (readsByStream && finer && !byStreamLevels.includes(level!) && !byRepositoryLevels.includes(level!)) expect(selector.matchers).toContain('all_users_guard!~"$user"');
        if (readsByRepository && byStreamLevels.includes(level!)) expect(selector.matchers).toContain('all_users_guard!~"$user$model"');
        if (readsByUser && RECORDED.includes(level!)) expect(selector.matchers).toContainEqual(expect.stringMatching(/^all_users_guard!~"[$a-z_]*\$repository[$a-z_]*"$/));
      }
      // The sums per stream unless the query is by user, over both unless by user, repository or stream,
      // per user unless it is by or matches on any other label of Claude Code's.
      const grouping = (labels: readonly string[]) => query.groupingLabels.some((label) => labels.includes(label));
      const catalogLabels: string[] = [...Object.values(Label), ...Object.values(EventLabel)];
      const otherThanUser = (labels: readonly string[]) => labels.some((label) => catalogLabels.includes(label) && label !== Label.userId && label !== BUCKET_LABEL);
      const matchedLabels = (selector: (typeof query.selectors)[number]) =>
        selector.matchers.filter((matcher) => !matcher.includes('"$') && !/^(rollup_steps|all_users_guard)/.test(matcher)).map((matcher) => /^\w+/.exec(matcher)![0]);
      expect(readsByStream).toBe(!grouping(SUMMED_BY_STREAM));
      expect(readsByUser).toBe(!otherThanUser(query.groupingLabels) && query.selectors.some((selector) => !otherThanUser(matchedLabels(selector))));
      expect(readsAllUsers).toBe(!grouping(SUMMED_OVER_USERS));
      // A panel by repository reads the sums by repository where a series has them, unless it is also by user, model or stream.
      const withByRepository = RECORDED.filter((series) => series.allUsersByRepository && query.selectors.some((selector) => summedLevels(series).some((l) => outputs(l.series).includes(selector.metric))));
      if (grouping([Label.repository]) && !grouping(SUMMED_BY_REPOSITORY) && withByRepository.length > 0) expect(readsByRepository).toBe(true);
      if (grouping(SUMMED_BY_REPOSITORY)) expect(readsByRepository).toBe(false);
      expect(query.groupingLabels).not.toContain(Label.sessionId);
      // A sum of two sums is empty as soon as one side has no series (e.g. no rejected edits yet).
      expect(target.expr).not.toMatch(/\)\)\s*\+\s*sum\(/);
      expect(target.expr).toMatch(/^(sum|max_over_time|histogram_quantile|label_replace|topk|\()/);
    },
  );
});

describe("budgets dashboard", () => {
  const panels = panelsOf(budgets);
  const budgetSeries: string[] = [...Object.values(BudgetSeries), AlertSeries.name];

  test("shows each team's day and month against its budgets and the alerts firing now", () => {
    expect(rowsOf(budgets).map((row) => row.title)).toEqual(["Today", "This Month", "Alerts"]);
    expect(panels.map((panel) => panel.title)).toEqual([
      "Spend Today against Daily Budget", "Share of Daily Budget Spent",
      "Month to Date and Forecast against Monthly Budget", "Forecast Share of Monthly Budget",
      "Alerts Firing Now",
    ]);
  });

  test("filters by the budgets' team attribute, whose values are the teams with a budget", () => {
    const variables = budgets.templating.list as any[];
    expect(variables.map((variable) => variable.name)).toEqual(["datasource", "team_id"]);
    expect(variables[1]).toMatchObject({ query: `label_values(${BudgetSeries.budget}, team_id)`, multi: true, includeAll: true, allValue: ".*" });
  });

  test("the share gauges turn orange at the warning fraction and red at the budget", () => {
    for (const panel of panels.filter((p) => p.title.includes("Share"))) {
      expect(panel.fieldConfig.defaults.thresholds.steps.map((step: any) => step.value)).toEqual([null, 0.8, 1]);
    }
  });

  test.each(panels.flatMap((panel) => panel.targets.map((target: any) => [panel.title, target.refId, target])))(
    "%s (%s): valid PromQL over what the alerting rules record, filtered by team",
    (_panel, _refId, target: any) => {
      const query = parsePromQL(target.expr);
      expect(query.errors).toEqual([]);
      for (const selector of query.selectors) {
        expect(budgetSeries).toContain(selector.metric);
        expect(selector.matchers).toContain('team_id=~"$team_id"');
      }
    },
  );

  test("says nothing of filters it does not have", () => {
    for (const panel of panels) expect(panel.description).not.toContain("Not filtered");
  });

  test("is provisioned only with alerting on", () => {
    expect(Object.keys(allDashboards(dashboardConfig({ teamAttributeKeys: ["team.id"], ruleInterval: "1m" })))).not.toContain("claude-code-budgets.json");
  });
});

describe("catalog", () => {
  test("the Collector keeps every attribute behind a label the dashboards use", () => {
    const keptLabels = KEPT_ATTRIBUTES.map(labelForAttribute);
    for (const label of Object.values(Label)) expect(keptLabels).toContain(label);
  });
});

describe("query builder", () => {
  test("a list of values matches any of them in one selector", () => {
    const q = new QueryBuilder(dashboardConfig({ teamAttributeKeys: [], ruleInterval: "1m" }));
    expect(q.selector(Metric.tokens, { type: ["cacheRead", "input"] })).toBe(
      'claude_code_token_usage_tokens_total:increase{type=~"cacheRead|input", user_id=~"$user", model=~"$model", repository=~"$repository"}',
    );
  });

  const commits = "claude_code_commit_count_total:increase";
  /** A selector of the commit counter's rule output `name`, with the filters and these guards. */
  const commitSelector = (name: string, ...guards: string[]) =>
    `${name}{${['user_id=~"$user"', 'repository=~"$repository"', ...guards.map((guard) => `all_users_guard!~"${guard}"`)].join(", ")}}`;
  /** The growth over the range from a summed level's rollups. */
  const rolledUp = (level: string, ...guards: string[]) => {
    const runningSum = commitSelector(`${commits}${level}_window_to_date`, ...guards);
    return [
      `label_replace(sum_over_time(${commitSelector(`${commits}${level}_window`, ...guards)}[$__range]), "part", "closed windows", "", "")`,
      `label_replace(${runningSum} >= 0, "part", "open at the end", "", "")`,
      `label_replace(-(${runningSum} offset $__range >= 0), "part", "open at the start", "", "")`,
    ].join(" or ");
  };
  /** The growth over the range from the per-user series, which have no rollups. */
  const perUserSums = (...guards: string[]) => `sum_over_time(${commitSelector(commits, ...guards)}[$__range])`;

  test("a range reads a summed level's window totals and its running sums still open at both ends, and the per-user series' per-interval sums", () => {
    const q = new QueryBuilder(dashboardConfig({ teamAttributeKeys: [], ruleInterval: "1m" }));
    expect(q.increase(Metric.commits, {}, "$__range", [Label.userId]).split(" or ")).toEqual([...rolledUp("_by_user").split(" or "), perUserSums("$repository")]);
    expect(q.increase(Metric.commits, {}, "$__range", [Label.userId, Label.repository])).toBe(perUserSums());
  });

  test("a time series step reads a summed level's window totals where it is whole windows, else the per-interval sums; the per-user series always the per-interval sums", () => {
    const q = new QueryBuilder(dashboardConfig({ teamAttributeKeys: [], ruleInterval: "1m" }));
    expect(q.increase(Metric.commits, {}, "$__interval", [Label.userId])).toBe(
      `sum_over_time(${commitSelector(`${commits}_by_user_window`).replace("}", ', rollup_steps=~".*,$__interval,.*"}')}[$__interval] offset -300s)` +
        ` or sum_over_time(${commitSelector(`${commits}_by_user`).replace("}", ', rollup_steps!~".*,$__interval,.*"}')}[$__interval])` +
        ` or sum_over_time(${commitSelector(commits, "$repository")}[$__interval])`,
    );
    expect(q.increase(Metric.commits, {}, "$__interval", [Label.userId, Label.repository])).toBe(`sum_over_time(${commitSelector(commits)}[$__interval])`);
  });

  test("a query reads the coarsest summed level that keeps its labels and whose summed filters are All, each finer one guarded against the coarser ones", () => {
    const q = new QueryBuilder(dashboardConfig({ teamAttributeKeys: [], ruleInterval: "1m" }));
    expect(q.increase(Metric.commits)).toBe(
      [
        rolledUp("_all_users"),
        rolledUp("_all_users_by_stream", "$user$repository"),
        rolledUp("_by_user", "$user$repository", "$user"),
        perUserSums("$user$repository", "$user", "$repository"),
      ].join(" or "),
    );
    expect(q.increase(Metric.commits, {}, "$__range", [Label.repository])).toBe(`${rolledUp("_all_users_by_stream")} or ${perUserSums("$user")}`);
    expect(q.increase(Metric.commits, {}, "$__range", [Label.userId])).toBe(`${rolledUp("_by_user")} or ${perUserSums("$repository")}`);
  });

  test("the benchmark's other readings use the per-interval sums or the raw counters", () => {
    const reading = (counterReading: string) => new QueryBuilder(dashboardConfig({ teamAttributeKeys: [], ruleInterval: "1m", counterReading } as any));
    const filters = 'user_id=~"$user", repository=~"$repository"';
    expect(reading("recorded-intervals").total(Metric.commits)).toBe(`sum(sum_over_time(claude_code_commit_count_total:increase{${filters}}[$__range])) or vector(0)`);
    expect(reading("raw-increase").total(Metric.commits)).toBe(`sum(increase(claude_code_commit_count_total{${filters}}[$__range] anchored)) or vector(0)`);
    expect(reading("raw-increase-metricsql").total(Metric.commits)).toBe(`sum(increase(claude_code_commit_count_total{${filters}}[$__range])) or vector(0)`);
    expect(reading("raw-sum").total(Metric.commits)).toBe(`sum(claude_code_commit_count_total{${filters}}) or vector(0)`);
  });
});

describe("team attributes from the configuration", () => {
  test("become variables and filters of every query", () => {
    const custom = allDashboards(dashboardConfig({ teamAttributeKeys: ["cost.center"], ruleInterval: "1m" }));
    const model = custom["claude-code.json"] as any;
    expect(model.templating.list.map((variable: any) => variable.name)).toEqual(["datasource", "user", "model", "repository", "cost_center"]);
    for (const panel of panelsOf(model)) {
      for (const target of panel.targets) expect(target.expr).toContain('cost_center=~"$cost_center"');
    }
  });
});

describe("plain JSON files", () => {
  test("match the dashboards built from code (run `npm run dashboards` after a change)", () => {
    const projectDir = path.join(__dirname, "..");
    const stackConfig = loadConfig(projectDir);
    const built = allDashboards(stackDashboardConfig(stackConfig));
    for (const [file, model] of Object.entries(built)) {
      const onDisk = fs.readFileSync(path.join(projectDir, "dashboards", "json", file), "utf8");
      expect(onDisk).toBe(dashboardJson(model));
    }
    const rules = renderRecordingRules({
      interval: stackConfig.prometheus.ruleInterval,
      scrapeInterval: stackConfig.prometheus.scrapeInterval,
      rollupWindow: stackConfig.prometheus.rollupWindow,
    });
    expect(fs.readFileSync(path.join(projectDir, "dashboards", "json", RULES_FILE), "utf8")).toBe(rules);
    expect(fs.readFileSync(path.join(projectDir, "dashboards", "json", ALERT_RULES_FILE), "utf8")).toBe(standaloneAlertRules(stackConfig));
  });
});

test("no provisioned query uses `anchored` or `smoothed`, which Thanos Query's engine (v0.42) does not parse; only the rules do", () => {
  const queries = Object.values(dashboards).flatMap((model: any) => [
    ...panelsOf(model).flatMap((panel) => panel.targets.map((target: any) => target.expr as string)),
    ...model.templating.list.map((variable: any) => String(variable.query ?? "")),
  ]);
  expect(queries.length).toBeGreaterThan(40);
  for (const query of queries) expect(query).not.toMatch(/\b(anchored|smoothed)\b/);
  expect(renderRecordingRules({ interval: "1m", scrapeInterval: "10s", rollupWindow: "1h" })).toMatch(/\banchored\b/);
});
