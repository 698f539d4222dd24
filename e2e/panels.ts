/**
 * Evaluates every query of a dashboard against Prometheus the way Grafana
 * does: template variables resolved, instant queries at the end of the range
 * for single-value panels, range queries aligned to the step for time series,
 * and each panel reduced to what it displays.
 */
import { Metric } from "../dashboards/catalog";
import { Expectation, Value } from "./oracle";
import { sleep } from "./processes";
import { intervalText } from "../dashboards/grafana-intervals";

/** Values of the template variables; "All" resolves to the variables' allValue. */
export type VariableValues = Readonly<Record<string, string>>;

export interface TimeRange {
  /** Unix seconds. */
  readonly from: number;
  readonly to: number;
  /** Step of range queries and Grafana's $__interval, in seconds. */
  readonly step: number;
}

export interface PanelResult {
  readonly title: string;
  readonly type: string;
  readonly value: Value | undefined;
  readonly queries: readonly string[];
}

export async function evaluateDashboard(prometheusUrl: string, model: any, variables: VariableValues, range: TimeRange): Promise<PanelResult[]> {
  const panels = panelsOf(model);
  const results: PanelResult[] = [];
  for (const panel of panels) {
    const queries = panel.targets.map((target: any) => resolveVariables(target.expr, variables, range));
    const perTarget: Record<string, number>[] = [];
    for (const [index, target] of panel.targets.entries()) {
      perTarget.push(
        target.range
          ? await rangeQuery(prometheusUrl, queries[index], range, target.legendFormat)
          : await instantQuery(prometheusUrl, queries[index], range, target.legendFormat),
      );
    }
    results.push({ title: panel.title, type: panel.type, value: reduce(panel, perTarget), queries });
  }
  return results;
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

/** Every panel of a dashboard model, those inside rows included. */
export function panelsOf(model: any): any[] {
  return (model.panels as any[]).flatMap((panel) => (panel.type === "row" ? (panel.panels ?? []) : [panel]));
}

/** A range query's start and end, aligned down to its step as Grafana aligns them. */
export function alignedToStep(range: TimeRange): { start: number; end: number } {
  return { start: Math.floor(range.from / range.step) * range.step, end: Math.floor(range.to / range.step) * range.step };
}

/** Waits until the next multiple of `stepSeconds` has passed, so a range query aligned to that step includes everything up to now. */
export async function untilNextStep(stepSeconds: number): Promise<void> {
  await sleep((stepSeconds - ((Date.now() / 1000) % stepSeconds) + 1) * 1000);
}

/** What the panel shows: one number, or numbers by series name. */
function reduce(panel: any, perTarget: Record<string, number>[]): Value | undefined {
  const single = ["stat", "gauge"].includes(panel.type) && panel.targets.length === 1;
  if (single) {
    const values = Object.values(perTarget[0]);
    return values.length === 1 ? values[0] : undefined;
  }
  if (panel.type === "stat") {
    // A stat with several queries shows one value per query, named by its legend.
    return Object.assign({}, ...panel.targets.map((target: any, i: number) => ({ [target.legendFormat]: Object.values(perTarget[i])[0] })));
  }
  // Other panels show every series of every query.
  return Object.assign({}, ...perTarget);
}

/** Grafana's interpolation: $var and ${var} from the variables, $__range and $__interval from the range, written as Grafana writes them. */
export function resolveVariables(expr: string, variables: VariableValues, range: TimeRange): string {
  return expr
    .replace(/\$__range/g, `${Math.round(range.to - range.from)}s`)
    .replace(/\$__interval/g, intervalText(range.step))
    .replace(/\$\{?(\w+)\}?/g, (whole, name: string) => (name in variables ? variables[name] : whole));
}

async function instantQuery(url: string, expr: string, range: TimeRange, legend: string): Promise<Record<string, number>> {
  const data = await query(url, "query", { query: expr, time: String(range.to) });
  const result: Record<string, number> = {};
  for (const series of data.result) result[seriesName(series.metric, legend)] = Number(series.value[1]);
  return result;
}

/** Sum over all steps of each series, with start and end aligned to the step as Grafana aligns them. */
async function rangeQuery(url: string, expr: string, range: TimeRange, legend: string): Promise<Record<string, number>> {
  const { start, end } = alignedToStep(range);
  const data = await query(url, "query_range", { query: expr, start: String(start), end: String(end), step: String(range.step) });
  const result: Record<string, number> = {};
  for (const series of data.result) {
    result[seriesName(series.metric, legend)] = series.values.reduce((total: number, [, value]: [number, string]) => total + Number(value), 0);
  }
  return result;
}

function seriesName(labels: Record<string, string>, legend: string): string {
  if (legend && legend !== "__auto") return legend.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name) => labels[name] ?? "");
  const values = Object.values(labels);
  return values.length > 0 ? values.join(" ") : "value";
}

/** The `data` of a Prometheus API query (POST); throws when Prometheus refuses it. */
export async function query(url: string, endpoint: string, params: Record<string, string>): Promise<any> {
  const response = await fetch(`${url}/api/v1/${endpoint}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(params),
  });
  const body: any = await response.json();
  if (body.status !== "success") throw new Error(`Prometheus refused ${params.query}: ${body.error ?? response.status}`);
  return body.data;
}

/** Whether `actual` equals `expected` up to floating-point rounding, series by series. */
export function matches(actual: Value | undefined, expected: Value, atLeast = false): boolean {
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
  if (typeof value === "number") return formatNumber(value);
  return Object.entries(value)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, v]) => `${key.length > 20 ? `${key.slice(0, 8)}…` : key}=${formatNumber(v)}`)
    .join(" ");
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(6);
}

/** Seconds from `since` until the recorded sums of all sessions' tokens reach `tokens`. */
export async function secondsUntilRecorded(prometheusUrl: string, from: number, tokens: number, since: number): Promise<number> {
  const deadline = Date.now() + 300_000;
  while (Date.now() < deadline) {
    const query = `sum(sum_over_time(${Metric.tokens.recorded}[${Math.ceil(Date.now() / 1000) - from}s]))`;
    if ((await queryNumber(prometheusUrl, query)) === tokens) return (Date.now() - since) / 1000;
    await sleep(1000);
  }
  console.log(`the recorded sums did not reach the ${tokens} tokens served within 300 s`);
  return NaN;
}

/** The single value of an instant query (0 when empty or Prometheus is unreachable). */
export async function queryNumber(prometheusUrl: string, query: string): Promise<number> {
  const response = await fetch(`${prometheusUrl}/api/v1/query?${new URLSearchParams({ query })}`).catch(() => undefined);
  const body: any = response?.ok ? await response.json() : undefined;
  return Number(body?.data?.result?.[0]?.value?.[1] ?? 0);
}

/** All tokens of one session as Prometheus counts them (0 while it has none or is unreachable). */
export async function tokensInPrometheus(prometheusUrl: string, sessionId: string): Promise<number> {
  return queryNumber(prometheusUrl, `sum(increase(${Metric.tokens.name}{session_id="${sessionId}"}[30m] anchored))`);
}

/** Waits until Prometheus shows at least `tokens` for the session, or `timeoutMs` has passed. */
export async function waitForTokens(prometheusUrl: string, sessionId: string, tokens: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && (await tokensInPrometheus(prometheusUrl, sessionId)) < tokens) await sleep(1000);
}
