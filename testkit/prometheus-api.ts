/** Reading Prometheus's (or Thanos Query's) HTTP API, and waiting until it holds what a check reads. */
import { Metric, sessionMatcher } from "../telemetry/catalog";
import { waitUntil } from "./waits";

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

/** The single value of an instant query (0 when empty or Prometheus is unreachable). */
export async function queryNumber(prometheusUrl: string, query: string): Promise<number> {
  const response = await fetch(`${prometheusUrl}/api/v1/query?${new URLSearchParams({ query })}`).catch(() => undefined);
  const body: any = response?.ok ? await response.json() : undefined;
  return Number(body?.data?.result?.[0]?.value?.[1] ?? 0);
}

/** All tokens of one session as Prometheus counts them (0 while it has none or is unreachable). */
export async function tokensInPrometheus(prometheusUrl: string, sessionId: string): Promise<number> {
  return queryNumber(prometheusUrl, `sum(increase(${Metric.tokens.name}{${sessionMatcher(sessionId)}}[30m] anchored))`);
}

/** Waits until Prometheus shows at least `tokens` for the session (true), or `timeoutMs` has passed (false). */
export async function waitForTokens(prometheusUrl: string, sessionId: string, tokens: number, timeoutMs: number): Promise<boolean> {
  return waitUntil(async () => (await tokensInPrometheus(prometheusUrl, sessionId)) >= tokens, timeoutMs);
}

/** Whether every active scrape target has been scraped at or after `sinceMs` (successfully or not). */
export async function everyTargetScrapedSince(prometheusUrl: string, sinceMs: number): Promise<boolean> {
  const body: any = await (await fetch(`${prometheusUrl}/api/v1/targets?state=active`)).json();
  const targets: { lastScrape: string }[] = body.data.activeTargets;
  return targets.length > 0 && targets.every((target) => Date.parse(target.lastScrape) >= sinceMs);
}

/** The sum of every series of `name` a program exposes on its own /metrics page (Prometheus's text format). */
export async function exposedMetricSum(metricsUrl: string, name: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  return text
    .split("\n")
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((total, line) => total + Number(line.split(" ").at(-1)), 0);
}
