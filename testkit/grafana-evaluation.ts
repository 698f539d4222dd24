/**
 * Evaluates every query of a dashboard against Prometheus the way Grafana
 * does: template variables resolved, instant queries at the end of the range
 * for single-value panels, range queries aligned to the step for time series,
 * and each panel reduced to what it displays.
 */
import { intervalText } from "../telemetry/grafana-intervals";
import { query } from "./prometheus-api";

/** What a panel shows: a single number, or numbers by series name. */
export type Value = number | Readonly<Record<string, number>>;

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

/** Every panel of a dashboard model, those inside rows included. */
export function panelsOf(model: any): any[] {
  return (model.panels as any[]).flatMap((panel) => (panel.type === "row" ? (panel.panels ?? []) : [panel]));
}

/** A range query's start and end, aligned down to its step as Grafana aligns them. */
export function alignedToStep(range: TimeRange): { start: number; end: number } {
  return { start: Math.floor(range.from / range.step) * range.step, end: Math.floor(range.to / range.step) * range.step };
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
