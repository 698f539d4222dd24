/** A dashboard's panels, evaluated as Grafana does, against what they must show. */
import { BUDGETS_DASHBOARD_UID } from "../dashboards/budgets";
import { TimeRange, Value, VariableValues, evaluateDashboard } from "./grafana-evaluation";

/**
 * The dashboards whose panels count what happened in the picked range, which
 * a scenario's oracle covers: all but the budgets dashboard, which shows the
 * budget periods and the alerts at the range's end and is checked against
 * budgets and alerts (e2e/alerts.ts).
 */
export function rangeDashboards(models: readonly any[]): any[] {
  return models.filter((model) => model.uid !== BUDGETS_DASHBOARD_UID);
}

/** An expected panel value; `atLeast` marks a lower bound (exclusive) where no exact oracle exists. */
export interface Expectation {
  readonly value: Value;
  readonly atLeast?: boolean;
}

/** One panel's displayed value against its oracle. */
export interface PanelCheck {
  readonly dashboard: string;
  readonly panel: string;
  readonly found: string;
  readonly expected: string;
  readonly passed: boolean;
}

/** Evaluates every panel of `dashboards` and compares it with `expected` (by panel title). */
export async function checkPanels(
  prometheusUrl: string,
  dashboards: readonly any[],
  variables: VariableValues,
  range: TimeRange,
  expected: Readonly<Record<string, Expectation>>,
): Promise<PanelCheck[]> {
  const checks: PanelCheck[] = [];
  for (const model of dashboards) {
    for (const panel of await evaluateDashboard(prometheusUrl, model, variables, range)) {
      const expectation = expected[panel.title];
      if (!expectation) throw new Error(`no oracle for panel "${panel.title}"`);
      checks.push({
        dashboard: model.title,
        panel: panel.title,
        found: formatValue(panel.value),
        expected: `${expectation.atLeast ? "> " : ""}${formatValue(expectation.value)}`,
        passed: matches(panel.value, expectation.value, expectation.atLeast),
      });
    }
  }
  return checks;
}

/** Whether `actual` equals `expected` up to floating-point rounding, series by series. */
export function matches(actual: Value | undefined, expected: Value, atLeast = false): boolean {
  // A ratio of nothing to nothing (NaN) has no value: Grafana shows "No data".
  if (typeof expected === "number" && Number.isNaN(expected)) return actual === undefined;
  if (actual === undefined) return false;
  if (typeof expected === "number") return typeof actual === "number" && (atLeast ? actual > expected : close(actual, expected));
  if (typeof actual === "number") return false;
  const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
  return [...keys].every((key) => key in actual && key in expected && close(actual[key], expected[key]));
}

function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

export function formatValue(value: Value | undefined): string {
  if (value === undefined) return "no data";
  if (typeof value === "number") return Number.isNaN(value) ? "no data" : formatNumber(value);
  return Object.entries(value)
    .sort(([a], [b]) => a.localeCompare(b))
    // Long ids (sessions) shortened; names of several words (an alert, its severity and team) in full.
    .map(([key, v]) => `${key.length > 20 && !key.includes(" ") ? `${key.slice(0, 8)}…` : key}=${formatNumber(v)}`)
    .join(" ");
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(6);
}
