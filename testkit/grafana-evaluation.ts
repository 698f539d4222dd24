/**
 * Evaluates every query of a dashboard against Prometheus the way Grafana
 * does: template variables resolved, instant queries at the end of the range
 * for single-value panels, range queries aligned to the step for time series,
 * and each panel reduced to what it displays. The interval arithmetic is
 * Grafana's own (@grafana/data's rangeUtil); what only Grafana's Prometheus
 * datasource does (regex escaping of picked values, step alignment) is
 * written here and checked in __tests__/grafana-emulation.test.ts.
 */
import { dateTime, rangeUtil } from "./grafana-data";
import { query } from "./prometheus-api";

/** What a panel shows: a single number, or numbers by series name. */
export type Value = number | Readonly<Record<string, number>>;

/** What Grafana stores for a variable set to "All"; the query gets the variable's allValue. */
export const ALL = "$__all";

/** The values picked in each template variable, or ALL. */
export type VariableValues = Readonly<Record<string, typeof ALL | readonly string[]>>;

/** Every named variable at All. */
export function allOf(...names: string[]): VariableValues {
  return Object.fromEntries(names.map((name) => [name, ALL]));
}

export interface TimeRange {
  /** Unix seconds. */
  readonly from: number;
  readonly to: number;
  /** Step of range queries and Grafana's $__interval, in seconds. */
  readonly step: number;
  /**
   * The viewer's offset from UTC in seconds: Grafana aligns a range query's
   * start and end to the step in the dashboard's time zone. @default 0 (UTC)
   */
  readonly utcOffsetSeconds?: number;
}

export interface PanelResult {
  readonly title: string;
  readonly type: string;
  readonly value: Value | undefined;
  readonly queries: readonly string[];
}

export async function evaluateDashboard(prometheusUrl: string, model: any, variables: VariableValues, range: TimeRange): Promise<PanelResult[]> {
  const panels = panelsOf(model);
  const allValues = allValuesOf(model);
  const results: PanelResult[] = [];
  for (const panel of panels) {
    const queries = panel.targets.map((target: any) => resolveVariables(target.expr, variables, range, allValues));
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

/** Every panel of a dashboard model, those inside rows included. */
export function panelsOf(model: any): any[] {
  return (model.panels as any[]).flatMap((panel) => (panel.type === "row" ? (panel.panels ?? []) : [panel]));
}

/** A range query's start and end, aligned down to its step in the viewer's time zone, as Grafana aligns them. */
export function alignedToStep(range: TimeRange): { start: number; end: number } {
  const offset = range.utcOffsetSeconds ?? 0;
  const align = (t: number) => Math.floor((t + offset) / range.step) * range.step - offset;
  return { start: align(range.from), end: align(range.to) };
}

/**
 * The step Grafana picks for a time series panel `widthPixels` wide over
 * `from`..`to` (Unix seconds): one point per pixel at most, rounded to a
 * "nice" interval, never below the panel's minimum interval (rangeUtil.calculateInterval).
 */
export function grafanaStep(from: number, to: number, minInterval: string | undefined, widthPixels: number): number {
  const range = { from: dateTime(from * 1000), to: dateTime(to * 1000), raw: { from: "", to: "" } };
  return rangeUtil.calculateInterval(range, widthPixels, minInterval).intervalMs / 1000;
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

/** A request to Prometheus's HTTP API: its path under the server and its parameters. */
export interface ApiRequest {
  readonly path: string;
  readonly params: Record<string, string>;
}

/**
 * What Grafana requests for a query variable `label_values(selector, label)`
 * over a range: the label values API, matched to the selector with the other
 * variables' values in it (every variable at All unless `variables` says
 * otherwise); undefined for any other variable.
 */
export function variableRequest(
  variable: any,
  range: { from: number; to: number },
  variables: VariableValues = {},
  allValues: Readonly<Record<string, string>> = {},
): ApiRequest | undefined {
  const query = /^label_values\((.+), (\w+)\)$/.exec(typeof variable.query === "string" ? variable.query : (variable.query?.query ?? ""));
  if (!query) return undefined;
  const selector = resolveVariables(query[1], variables, { ...range, step: 1 }, allValues);
  return { path: `/api/v1/label/${query[2]}/values`, params: { "match[]": selector, start: String(range.from), end: String(range.to) } };
}

/**
 * The options each query variable of a dashboard offers over a range, sorted
 * as the variables sort them (alphabetically), with the other variables at
 * `variables` (@default every one at All).
 */
export async function variableOptions(prometheusUrl: string, model: any, range: { from: number; to: number }, variables?: VariableValues): Promise<Record<string, string[]>> {
  const options: Record<string, string[]> = {};
  const list: any[] = model.templating?.list ?? [];
  const values = variables ?? allOf(...list.filter((v) => typeof v.allValue === "string").map((v) => v.name));
  for (const variable of list) {
    const request = variableRequest(variable, range, values, allValuesOf(model));
    if (!request) continue;
    const response = await fetch(`${prometheusUrl}${request.path}?${new URLSearchParams(request.params)}`);
    const body: any = await response.json();
    if (body.status !== "success") throw new Error(`Prometheus refused the values of variable ${variable.name}: ${body.error ?? response.status}`);
    options[variable.name] = [...(body.data as string[])].sort();
  }
  return options;
}

/** The allValue of each template variable that has one. */
export function allValuesOf(model: any): Readonly<Record<string, string>> {
  return Object.fromEntries((model.templating?.list ?? []).filter((v: any) => typeof v.allValue === "string").map((v: any) => [v.name, v.allValue]));
}

/**
 * Grafana's interpolation of a Prometheus query: $__range and $__interval
 * written as Grafana writes them, then $var and ${var}: All becomes the
 * variable's allValue; picked values are escaped as regular expressions inside
 * a PromQL string, several joined as (a|b), as the Prometheus datasource does
 * for multi-value variables.
 */
export function resolveVariables(expr: string, variables: VariableValues, range: TimeRange, allValues: Readonly<Record<string, string>>): string {
  return expr
    .replace(/\$__range/g, `${Math.round(range.to - range.from)}s`)
    .replace(/\$__interval/g, rangeUtil.secondsToHms(range.step))
    .replace(/\$\{?(\w+)\}?/g, (whole, name: string) => {
      const value = variables[name];
      if (value === undefined) return whole;
      if (value === ALL) {
        if (!(name in allValues)) throw new Error(`variable ${name} is set to All but has no allValue`);
        return allValues[name];
      }
      const escaped = value.map(promqlRegexLiteral);
      return escaped.length === 1 ? escaped[0] : `(${escaped.join("|")})`;
    });
}

/** RE2's metacharacters: a picked value containing one must match only itself. */
const REGEX_METACHARACTERS = /[\\^$.|?*+()[\]{}]/g;

/** `value` as a regular expression matching only itself, written inside a double-quoted PromQL string. */
export function promqlRegexLiteral(value: string): string {
  const regex = value.replace(REGEX_METACHARACTERS, (c) => `\\${c}`);
  return regex.replace(/[\\"]/g, (c) => `\\${c}`);
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
