/**
 * Times a dashboard load the way Grafana issues it: each template variable's
 * values (label values over the range), each single-value panel's queries as
 * instant queries over the range, each time series' queries as range queries
 * at the step Grafana picks for a panel 1200 pixels wide.
 */
import { durationSeconds } from "../config/stack-config";
import { ApiRequest, VariableValues, alignedToStep, allValuesOf, grafanaStep as grafanaStepOver, panelsOf, resolveVariables, variableRequest } from "../testkit/grafana-evaluation";

/** One HTTP request Grafana makes to Prometheus while the dashboard loads. */
export interface LoadTiming {
  readonly requests: number;
  /** Sum of the requests' times, one after another (median of the rounds; one round when slower than 20 s). */
  readonly sequentialMs: number;
  /** Wall time with every request sent at once, as a browser does (median of the rounds). */
  readonly concurrentMs: number;
  /** Requests Prometheus refused, e.g. for loading too many samples. */
  readonly errors: readonly string[];
  /** Requests answered before the load was abandoned (all of them unless it took over a minute). */
  readonly completed: number;
  /** Each panel's (and variable's) requests one by one (median of the rounds), slowest first. */
  readonly bySource: readonly { readonly source: string; readonly ms: number }[];
}

/** A request of a dashboard load, with what issues it: a panel's title or a variable's name. */
interface SourcedRequest extends ApiRequest {
  readonly source: string;
}

/** A load slower than this one by one is timed once, not `rounds` times, and not all at once. */
const SLOW_LOAD_MS = 20_000;
/** A load is abandoned once its requests one by one have taken this long (each request also times out then). */
const LOAD_BUDGET_MS = 60_000;

/** Width of the panels in pixels: Grafana asks for at most one point per pixel. */
const PANEL_WIDTH_PIXELS = 1200;

export async function timeDashboardLoad(
  prometheusUrl: string,
  model: any,
  variables: VariableValues,
  range: { from: number; to: number },
  rounds = 3,
): Promise<LoadTiming> {
  const requests = dashboardRequests(model, variables, range);
  const errors = new Set<string>();
  const sequential: number[] = [];
  const concurrent: number[] = [];
  const bySource = new Map<string, number[]>();
  let completed = 0;
  for (let round = 0; round < rounds; round++) {
    let total = 0;
    completed = 0;
    const thisRound = new Map<string, number>();
    for (const request of requests) {
      const started = performance.now();
      const error = await send(prometheusUrl, request, LOAD_BUDGET_MS - total);
      const took = performance.now() - started;
      total += took;
      thisRound.set(request.source, (thisRound.get(request.source) ?? 0) + took);
      if (error) errors.add(error);
      else completed++;
      if (total >= LOAD_BUDGET_MS) break;
    }
    for (const [source, ms] of thisRound) bySource.set(source, [...(bySource.get(source) ?? []), ms]);
    sequential.push(total);
    if (total > SLOW_LOAD_MS) break;
    const started = performance.now();
    await Promise.all(requests.map((request) => send(prometheusUrl, request, LOAD_BUDGET_MS)));
    concurrent.push(performance.now() - started);
  }
  return {
    requests: requests.length,
    sequentialMs: median(sequential),
    concurrentMs: concurrent.length > 0 ? median(concurrent) : NaN,
    errors: [...errors],
    completed,
    bySource: [...bySource].map(([source, times]) => ({ source, ms: median(times) })).sort((a, b) => b.ms - a.ms),
  };
}

/** What Grafana requests for `model` over `range`. */
export function dashboardRequests(model: any, variables: VariableValues, range: { from: number; to: number }): SourcedRequest[] {
  const step = grafanaStep(range.to - range.from, model);
  const timeRange = { ...range, step };
  const allValues = allValuesOf(model);
  const requests: SourcedRequest[] = [];
  for (const variable of model.templating.list as any[]) {
    const request = variableRequest(variable, range, variables, allValues);
    if (request) requests.push({ ...request, source: `$${variable.name}` });
  }
  for (const panel of panelsOf(model)) {
    for (const target of panel.targets) {
      const query = resolveVariables(target.expr, variables, timeRange, allValues);
      if (target.range) {
        const { start, end } = alignedToStep(timeRange);
        requests.push({ path: "/api/v1/query_range", params: { query, start: String(start), end: String(end), step: String(step) }, source: panel.title });
      } else {
        requests.push({ path: "/api/v1/query", params: { query, time: String(range.to) }, source: panel.title });
      }
    }
  }
  return requests;
}

/**
 * Grafana's step for a range query: the range divided by the panel's width,
 * at least the panels' minimum interval, rounded to a "nice" interval.
 */
export function grafanaStep(rangeSeconds: number, model: any): number {
  const intervals: string[] = panelsOf(model).filter((p) => p.interval).map((p) => p.interval);
  const minInterval = intervals.sort((a, b) => durationSeconds(b) - durationSeconds(a))[0];
  return grafanaStepOver(0, rangeSeconds, minInterval, PANEL_WIDTH_PIXELS);
}

/** Sends one request as Grafana does (queries by POST, label values by GET); returns Prometheus's error, if any. */
async function send(prometheusUrl: string, request: ApiRequest, timeoutMs: number): Promise<string | undefined> {
  const params = new URLSearchParams({ ...request.params, timeout: `${Math.max(1, Math.ceil(timeoutMs / 1000))}s` });
  const response = request.path.startsWith("/api/v1/query")
    ? await fetch(`${prometheusUrl}${request.path}`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: params,
      })
    : await fetch(`${prometheusUrl}${request.path}?${params}`);
  const body: any = await response.json().catch(() => ({}));
  return body.status === "success" ? undefined : `${body.errorType ?? response.status}: ${body.error ?? "no body"}`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
