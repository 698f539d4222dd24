/**
 * What a client holding a valid token can do to the Collector with bad input:
 * oversized and malformed payloads, a huge label value, more label values in
 * one request than its team's series budget. Each row says what the Collector
 * answered and what reached Prometheus; the team-mode test then checks that
 * the Collector still counts real clients.
 */
import { randomBytes, randomUUID } from "crypto";
import { Metric } from "../telemetry/catalog";
import { MAX_LABEL_VALUE_LENGTH } from "../renderers/collector-config";
import { OtlpEndpoint, metricsJson, postOtlp } from "../testkit/otlp";
import { query, queryNumber } from "../testkit/prometheus-api";
import type { CheckRow } from "../testkit/report";
import { waitUntil } from "../testkit/waits";

/** Where and how to send bad input (with a valid token), and where to look for it. */
export interface BadInputTarget extends OtlpEndpoint {
  readonly prometheusUrl: string;
  /** Prometheus instance of the token's team (its own exporter). */
  readonly teamInstance: string;
  /** The team's series budget (`teamMode.maxSeriesPerTeam`). */
  readonly maxSeriesPerTeam: number;
}

/** Distinct session ids sent in one request: more than the team's series budget in the test. */
const MANY_SERIES = 2000;
/** Characters of the oversized label value. */
const HUGE_VALUE = 100_000;
/** Bytes of the oversized body: above the OTLP/HTTP receiver's 20 MiB default limit. */
const OVERSIZED_BYTES = 30 * 1024 * 1024;
/** The longest wait for a request's effect to show in Prometheus. */
const ARRIVAL_TIMEOUT_MS = 60_000;

export async function badInputRows(target: BadInputTarget): Promise<CheckRow[]> {
  const send = (body: Buffer | string, contentType: string) => postOtlp(target, "/v1/metrics", body, contentType);
  const refused = (status: number) => status >= 400 && status < 500;
  const rows: CheckRow[] = [];
  const row = (panel: string, found: string, expected: string, passed: boolean) => rows.push({ panel, found, expected, passed });

  const oversized = await send(Buffer.alloc(OVERSIZED_BYTES, 1), "application/x-protobuf");
  row(`body of ${OVERSIZED_BYTES / 1024 / 1024} MiB`, `HTTP ${oversized}`, "refused (4xx)", refused(oversized));
  const protobuf = await send(randomBytes(1024), "application/x-protobuf");
  row("1 KiB of random bytes as protobuf", `HTTP ${protobuf}`, "refused (4xx)", refused(protobuf));
  const json = await send('{"resourceMetrics": [ {', "application/json");
  row("truncated JSON", `HTTP ${json}`, "refused (4xx)", refused(json));

  const marker = `bad-input-${randomUUID().slice(0, 8)}`;
  const huge = await send(metricsJson(marker, [{ "session.id": randomUUID(), model: "m".repeat(HUGE_VALUE) }]), "application/json");
  const hugeSelector = `${Metric.tokens.name}{type="${marker}", model=~"m+"}`;
  await waitUntil(async () => (await labelLength(target.prometheusUrl, hugeSelector, "model")) > 0, ARRIVAL_TIMEOUT_MS);
  const hugeLength = await labelLength(target.prometheusUrl, hugeSelector, "model");
  row(
    `a label value of ${HUGE_VALUE} characters`,
    `HTTP ${huge}; in Prometheus ${hugeLength} characters`,
    `accepted, cut to ${MAX_LABEL_VALUE_LENGTH}`,
    huge === 200 && hugeLength === MAX_LABEL_VALUE_LENGTH,
  );

  const instance = `instance="${target.teamInstance}"`;
  const before = await queryNumber(target.prometheusUrl, `scrape_samples_scraped{${instance}}`);
  const many = await send(
    metricsJson(marker, Array.from({ length: MANY_SERIES }, () => ({ "session.id": randomUUID(), model: "many" }))),
    "application/json",
  );
  // The flood shows as the team's next scrape refused for the sample limit.
  await waitUntil(async () => /sample limit/.test((await scrapeTarget(target.prometheusUrl, target.teamInstance)).lastError), ARRIVAL_TIMEOUT_MS);
  const series = await queryNumber(target.prometheusUrl, `count(${Metric.tokens.name}{type="${marker}", model="many"})`);
  const teamTarget = await scrapeTarget(target.prometheusUrl, target.teamInstance);
  row(
    `${MANY_SERIES} distinct session ids in one request (the team had ${before} series, budget ${target.maxSeriesPerTeam})`,
    `HTTP ${many}; ${series} of them in Prometheus; the team's scrape ${teamTarget.health}: ${teamTarget.lastError || "no error"}`,
    "accepted by the Collector; 0 in Prometheus; the team's scrapes refused for the sample limit",
    many === 200 && series === 0 && teamTarget.health === "down" && /sample limit/.test(teamTarget.lastError),
  );
  return rows;
}

/** Health and last error of the scrape target of one instance. */
async function scrapeTarget(prometheusUrl: string, instance: string): Promise<{ health: string; lastError: string }> {
  const body: any = await (await fetch(`${prometheusUrl}/api/v1/targets?state=active`)).json();
  const found = body.data.activeTargets.find((t: any) => t.labels.instance === instance);
  return found ? { health: found.health, lastError: found.lastError } : { health: "missing", lastError: "" };
}

/** Length of `label` on the first series `selector` returns (0 when none). */
async function labelLength(prometheusUrl: string, selector: string, label: string): Promise<number> {
  const data = await query(prometheusUrl, "query", { query: selector });
  return String(data.result[0]?.metric?.[label] ?? "").length;
}
