/**
 * Two processes that resume one session (Claude Code issue #56317) send one
 * delta stream, each export stamped by its own process. When one process's
 * export arrives after the other's but carries an earlier stamp, the Collector
 * must still add it up. The real processes only meet that order now and then
 * (it once lost one answer's tokens in CI); this check sends it on purpose.
 */
import { randomUUID } from "crypto";
import { OtlpEndpoint, SumPoint, Temporality, postOtlp, sumJson } from "../testkit/otlp";
import { sessionMatcher } from "../telemetry/catalog";
import { queryNumber } from "../testkit/prometheus-api";
import type { CheckRow } from "../testkit/report";
import { waitUntil } from "../testkit/waits";

/** A metric no dashboard reads, so the check leaves every panel as it is. */
const PROBE_METRIC = "e2e.delta_order";
const PROBE_SERIES = "e2e_delta_order_total";
/** How far behind the first export the second one's stamp is. */
const CLOCK_SKEW_MS = 500;
const ARRIVAL_TIMEOUT_MS = 60_000;

/** Sends both exports in arrival order and reads the running total Prometheus scrapes. */
export async function deltaOrderRow(target: OtlpEndpoint, prometheusUrl: string): Promise<CheckRow> {
  const session = randomUUID();
  const now = Date.now();
  const exports: SumPoint[] = [
    { value: 1, startMs: now - 1000, timeMs: now, attributes: { "session.id": session } },
    { value: 2, startMs: now - 1000 - CLOCK_SKEW_MS, timeMs: now - CLOCK_SKEW_MS, attributes: { "session.id": session } },
  ];
  const statuses: number[] = [];
  // One after the other: the Collector answers once its pipeline has taken the export.
  for (const point of exports) statuses.push(await postOtlp(target, "/v1/metrics", sumJson(PROBE_METRIC, "", Temporality.delta, [point]), "application/json"));
  const expected = exports.reduce((total, point) => total + point.value, 0);
  const total = () => queryNumber(prometheusUrl, `sum(${PROBE_SERIES}{${sessionMatcher(session)}})`);
  await waitUntil(async () => (await total()) >= expected, ARRIVAL_TIMEOUT_MS);
  const found = await total();
  return {
    panel: `a delta stamped ${CLOCK_SKEW_MS} ms before the one that arrived first`,
    found: `${found} (HTTP ${statuses.join(", ")})`,
    expected: `${expected}`,
    passed: found === expected && statuses.every((status) => status === 200),
  };
}
