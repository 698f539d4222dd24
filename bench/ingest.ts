/**
 * Ingest: the load generator against the real Collector and Prometheus (the
 * stack's own files, as in the end-to-end test); what the Collector accepts,
 * its CPU and peak memory, what Prometheus holds, and whether the dashboard
 * shows exactly what was sent.
 */
import * as fs from "fs";
import { DEFAULT_CONFIG, durationSeconds } from "../config/stack-config";
import { untilPassing } from "../testkit/waits";
import { LocalStackBinaries, SynthesizedFiles } from "../testkit/stack-files";
import { startLocalStack } from "../testkit/targets";
import { HEALTH_DASHBOARD_UID } from "../dashboards/health";
import { StackMetric } from "../telemetry/catalog";
import { MAIN_DASHBOARD_UID } from "../dashboards/main";
import { generateLoad } from "./load-generator";
import { SentTotals } from "./session-model";
import { cpuSeconds, peakRssMiB } from "../testkit/processes";
import { checkExact, ownMetric } from "./measure";
import { RULE_GROUP } from "../renderers/recording-rules";

export interface IngestCase {
  readonly developers: number;
  readonly exportIntervalMillis: number;
  readonly durationMillis: number;
  readonly requestsPerSession: number;
  /** Whether the simulated clients also send Claude Code's events. */
  readonly events: boolean;
  /** Developers sharing one SDK instance (see LoadOptions.developersPerClient). @default 1 */
  readonly developersPerClient?: number;
}

export interface IngestResult extends IngestCase {
  readonly seconds: number;
  readonly dataPointsPerSecond: number;
  readonly eventsPerSecond: number;
  readonly collectorCpuPercent: number;
  readonly collectorPeakRssMiB: number;
  readonly prometheusCpuPercent: number;
  readonly prometheusPeakRssMiB: number;
  /** Longest evaluation of the recording rule group seen during the run, and evaluations it missed. */
  readonly ruleEvaluationSeconds: number;
  readonly ruleEvaluationsMissed: number;
  /** Exports the Collector refused or that failed. */
  readonly failedExports: number;
  readonly activeSeries: number;
  readonly exact: { passed: boolean; summary: string };
  /** Seconds from the last export until every checked panel equalled what was sent (NaN when it never did). */
  readonly freshnessSeconds: number;
}

const RULE_INTERVAL_SECONDS = durationSeconds(DEFAULT_CONFIG.prometheus.ruleInterval);
/** The longest wait for the dashboards to equal what was sent. */
const SETTLE_TIMEOUT_MS = 300_000;

export async function runIngest(
  ingest: IngestCase,
  files: SynthesizedFiles,
  binaries: LocalStackBinaries,
  dir: string,
  log: (line: string) => void,
): Promise<IngestResult> {
  fs.mkdirSync(dir, { recursive: true });
  const stack = await startLocalStack(files, binaries, dir);
  try {
    const pids = stack.pids!();
    const cpuBefore = { collector: cpuSeconds(pids.collector!), prometheus: cpuSeconds(pids.prometheus!) };
    const rules = watchRuleEvaluations(stack.prometheusUrl);
    const started = Date.now();
    log(`ingest: ${ingest.developers} developers, export every ${ingest.exportIntervalMillis / 1000} s, for ${ingest.durationMillis / 1000} s`);
    const from = Math.floor(started / 1000) - 30;
    const totals = await generateLoad({
      endpoint: stack.otlpEndpoint,
      developers: ingest.developers,
      sessionsPerDeveloperPerDay: 2,
      requestsPerSession: ingest.requestsPerSession,
      exportIntervalMillis: ingest.exportIntervalMillis,
      durationMillis: ingest.durationMillis,
      events: ingest.events,
      developersPerClient: ingest.developersPerClient,
    });
    const finished = Date.now();
    const seconds = (finished - started) / 1000;
    const cpu = { collector: cpuSeconds(pids.collector!) - cpuBefore.collector, prometheus: cpuSeconds(pids.prometheus!) - cpuBefore.prometheus };
    const step = RULE_INTERVAL_SECONDS;
    const dashboards = files.dashboards.filter((d) => d.uid === MAIN_DASHBOARD_UID || (ingest.events && d.uid === HEALTH_DASHBOARD_UID));
    // Read until every checked panel equals what was sent: the last exports are recorded up to a rule interval after their scrape.
    const settled = await untilPassing(() => checkExact(stack.prometheusUrl, dashboards, totals, { from, to: Math.floor(Date.now() / 1000), step }), (exact) => exact.passed, {
      what: "ingest: dashboards equal to what was sent",
      timeoutMs: SETTLE_TIMEOUT_MS,
      missing: (exact) => exact.summary,
      since: finished,
      log,
    });
    log(`ingest: every checked panel equal to what was sent ${settled.seconds.toFixed(1)} s after the last export`);
    const exact = settled.result;
    const activeSeries = await ownMetric(stack.prometheusUrl, "prometheus_tsdb_head_series");
    const ruleEvaluations = await rules.stop();
    return {
      ...ingest,
      seconds,
      dataPointsPerSecond: totals.exportedDataPoints / seconds,
      eventsPerSecond: eventsSent(totals) / seconds,
      collectorCpuPercent: (100 * cpu.collector) / seconds,
      collectorPeakRssMiB: peakRssMiB(pids.collector!),
      prometheusCpuPercent: (100 * cpu.prometheus) / seconds,
      prometheusPeakRssMiB: peakRssMiB(pids.prometheus!),
      ruleEvaluationSeconds: ruleEvaluations.longestSeconds,
      ruleEvaluationsMissed: ruleEvaluations.missed,
      failedExports: totals.failedExports,
      activeSeries,
      exact,
      freshnessSeconds: exact.passed ? settled.seconds : NaN,
    };
  } finally {
    await stack.stop();
  }
}

/**
 * Polls Prometheus's own metrics every 5 s for the recording rule group's
 * last evaluation time until stopped; returns the longest seen and the
 * evaluations missed meanwhile.
 */
function watchRuleEvaluations(prometheusUrl: string): { stop(): Promise<{ longestSeconds: number; missed: number }> } {
  let longestSeconds = 0;
  let running = true;
  const missedBefore = ownMetric(prometheusUrl, "prometheus_rule_group_iterations_missed_total", `;${RULE_GROUP}"`);
  const poll = (async () => {
    while (running) {
      const last = await ownMetric(prometheusUrl, StackMetric.ruleGroupLastDuration, `;${RULE_GROUP}"`);
      if (!Number.isNaN(last)) longestSeconds = Math.max(longestSeconds, last);
      await new Promise((resolve) => setTimeout(resolve, 5000));
    }
  })();
  return {
    async stop() {
      running = false;
      await poll;
      const missed = (await ownMetric(prometheusUrl, "prometheus_rule_group_iterations_missed_total", `;${RULE_GROUP}"`)) - (await missedBefore);
      return { longestSeconds, missed };
    },
  };
}

/** Events the load generator emitted (failed tool runs are among the tool runs). */
function eventsSent(totals: SentTotals): number {
  const { apiRequests, apiErrors, retriesExhausted, refusals, prompts, toolRuns } = totals.events;
  return apiRequests + apiErrors + retriesExhausted + refusals + prompts + toolRuns;
}

/** The ingest rows of the report. */
export function ingestRows(results: readonly IngestResult[]): { header: string[]; rows: string[][] } {
  return {
    header: [
      "developers",
      "developers per SDK instance",
      "Collector container memory (MiB)",
      "events",
      "export interval",
      "run (s)",
      "data points/s accepted",
      "events/s sent",
      "failed exports",
      "Collector CPU (% of one core)",
      "Collector peak RSS (MiB)",
      "Prometheus CPU (% of one core)",
      "Prometheus peak RSS (MiB)",
      "longest rule evaluation (s)",
      "rule evaluations missed",
      "Prometheus head series",
      "head series per developer",
      "dashboard = sent",
      "dashboard = sent after the last export (s)",
    ],
    rows: results.map((r) => [
      String(r.developers),
      String(r.developersPerClient ?? 1),
      String(DEFAULT_CONFIG.collector.memoryLimitMiB),
      r.events ? "on" : "off",
      `${r.exportIntervalMillis / 1000} s`,
      r.seconds.toFixed(0),
      r.dataPointsPerSecond.toFixed(1),
      r.eventsPerSecond.toFixed(1),
      String(r.failedExports),
      r.collectorCpuPercent.toFixed(2),
      r.collectorPeakRssMiB.toFixed(0),
      r.prometheusCpuPercent.toFixed(2),
      r.prometheusPeakRssMiB.toFixed(0),
      r.ruleEvaluationSeconds.toFixed(3),
      String(r.ruleEvaluationsMissed),
      String(r.activeSeries),
      (r.activeSeries / r.developers).toFixed(1),
      r.exact.summary,
      Number.isNaN(r.freshnessSeconds) ? "-" : r.freshnessSeconds.toFixed(1),
    ]),
  };
}
