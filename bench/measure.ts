/** What the benchmark reads from Prometheus and checks against its oracle. */
import { VariableValues, evaluateDashboard, formatValue, matches } from "../e2e/panels";
import { SentTotals } from "./session-model";

/** The dashboards' variables at "All" for the teams the benchmark simulates. */
export const ALL: VariableValues = { user: ".*", model: ".*", team_id: ".*", department: ".*" };

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

/** A value from Prometheus's own /metrics (the stack does not scrape Prometheus itself). */
export async function ownMetric(prometheusUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${prometheusUrl}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(" ")[1]) : NaN;
}
