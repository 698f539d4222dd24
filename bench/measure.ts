/** What the benchmark reads from Prometheus and checks against its oracle. */
import { VariableValues, allOf, evaluateDashboard } from "../testkit/grafana-evaluation";
import { formatValue, matches } from "../testkit/panel-checks";
import { grafanaStep } from "./dashboard-load";
import { SentTotals, seededRandom } from "./session-model";

/** The dashboards' variables at "All" for the teams the benchmark simulates. */
export const ALL: VariableValues = allOf("user", "model", "repository", "team_id", "department");

/**
 * The main dashboard's totals (and, when events were sent, the Health
 * dashboard's counts) against what was sent; a summary for the report.
 */
export async function checkExact(
  prometheusUrl: string,
  dashboards: readonly any[],
  totals: SentTotals,
  range: { from: number; to: number; step: number },
): Promise<{ passed: boolean; summary: string }> {
  const expected: Record<string, number | Record<string, number>> = {
    "Total Cost": totals.cost,
    "Input Tokens": totals.tokens.input,
    "Output Tokens": totals.tokens.output,
    "Cache Read Tokens": totals.tokens.cacheRead,
    "Cache Creation Tokens": totals.tokens.cacheCreation,
    Sessions: totals.sessions,
    Commits: totals.commits,
    "Lines of Code": { Added: totals.linesAdded, Removed: totals.linesRemoved },
    "Active Time (You)": totals.activeSeconds.user,
    "Active Time (CLI)": totals.activeSeconds.cli,
    "Token Usage Over Time": totals.tokens,
  };
  if (totals.events.apiRequests > 0) {
    const { events } = totals;
    Object.assign(expected, {
      "API Requests": events.apiRequests,
      "API Errors": events.apiErrors,
      "Retries Exhausted": events.retriesExhausted,
      Refusals: events.refusals,
      Prompts: events.prompts,
      "Tool Runs": { Succeeded: events.toolRuns - events.toolFailures, Failed: events.toolFailures },
    });
  }
  const panels = [];
  for (const dashboard of dashboards) panels.push(...(await evaluateDashboard(prometheusUrl, dashboard, ALL, range)));
  const wrong = panels
    .filter((panel) => panel.title in expected && !matches(panel.value, expected[panel.title]))
    .map((panel) => `${panel.title}: ${formatValue(panel.value)} != ${formatValue(expected[panel.title])}`);
  const checked = panels.filter((panel) => panel.title in expected).length;
  return {
    passed: wrong.length === 0 && checked === Object.keys(expected).length,
    summary: wrong.length === 0 ? `yes (${checked} panels)` : `NO: ${wrong.join("; ")}`,
  };
}

/**
 * The seams between rollup windows: on `count` random ranges inside
 * `history` (from 12 minutes to its whole length, ends at any second), every
 * panel of `dashboard` equals the same panel of `reference` (the same
 * dashboard reading the per-interval sums).
 */
export async function checkSeams(
  prometheusUrl: string,
  dashboard: any,
  reference: any,
  history: { from: number; to: number },
  count: number,
): Promise<{ passed: boolean; summary: string }> {
  const random = seededRandom(count);
  const differences: string[] = [];
  for (let n = 0; n < count; n++) {
    const length = Math.round(720 + random() * (history.to - history.from - 720));
    const to = Math.round(history.from + length + random() * (history.to - history.from - length));
    const range = { from: to - length, to, step: grafanaStep(length, dashboard) };
    const found = await evaluateDashboard(prometheusUrl, dashboard, ALL, range);
    const expected = await evaluateDashboard(prometheusUrl, reference, ALL, range);
    for (const [index, panel] of found.entries()) {
      const other = expected[index].value;
      const same = (panel.value === undefined && other === undefined) || (other !== undefined && matches(panel.value, other));
      if (!same) differences.push(`${panel.title} over ${range.from}..${range.to}: ${formatValue(panel.value)} != ${formatValue(other)}`);
    }
  }
  return {
    passed: differences.length === 0,
    summary: differences.length === 0 ? `yes (${count} ranges)` : `NO: ${differences.slice(0, 3).join("; ")}${differences.length > 3 ? ` and ${differences.length - 3} more` : ""}`,
  };
}

/**
 * A value from Prometheus's own /metrics (the stack does not scrape Prometheus
 * itself): the first series named `name` whose labels contain `labelText`.
 */
export async function ownMetric(prometheusUrl: string, name: string, labelText = ""): Promise<number> {
  const text = await (await fetch(`${prometheusUrl}/metrics`)).text();
  const line = text.split("\n").find((l) => (l.startsWith(`${name} `) || l.startsWith(`${name}{`)) && l.slice(name.length).split(" ")[0].includes(labelText));
  return line ? Number(line.split(" ").at(-1)) : NaN;
}
