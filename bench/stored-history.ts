/**
 * Storage and dashboard load: D days of N developers written as TSDB blocks
 * (bench/history.ts + promtool), served by the real Prometheus with the
 * stack's flags and rules; what it stores, and how long the main dashboard
 * takes to load over 7, 30 and 90 days, read three ways on the same data.
 */
import { execFile } from "child_process";
import { promisify } from "util";
import * as fs from "fs";
import * as path from "path";
import { parse, stringify } from "yaml";
import { StackConfig, durationSeconds } from "../config/stack-config";
import { CounterReading, stackDashboardConfig } from "../dashboards/config";
import { mainDashboard } from "../dashboards/main";
import { queryNumber } from "../e2e/panels";
import { ManagedProcess, answersOk, freePort } from "../e2e/processes";
import { SynthesizedFiles, localPrometheusFlags, localPrometheusYaml } from "../e2e/stack-files";
import { LoadTiming, grafanaStep, timeDashboardLoad } from "./dashboard-load";
import { BLOCK_HOURS, writeHistory } from "./history";
import { peakRssMiB } from "../e2e/processes";
import { ALL, checkExact } from "./measure";

export interface HistoryCase {
  readonly developers: number;
  readonly days: number;
  /** Dashboard ranges to time, in days. */
  readonly rangesDays: readonly number[];
  readonly sessionsPerDeveloperPerDay: number;
  readonly requestsPerSession: number;
  readonly sessionMinutes: number;
  /** Whether to check the dashboard over the whole history against the oracle (small cases). */
  readonly checkAgainstOracle: boolean;
}

export interface StorageResult {
  readonly developers: number;
  readonly days: number;
  readonly rawSeries: number;
  readonly recordedSeries: number;
  readonly samples: number;
  readonly bytesOnDisk: number;
  /** Series with a sample in the lookback window at 13:00 UTC on the last day. */
  readonly activeSeries: number;
  readonly prometheusPeakRssMiB: number;
  readonly writeSeconds: number;
}

export interface LoadResult {
  readonly developers: number;
  readonly rangeDays: number;
  readonly reading: CounterReading;
  readonly timing: LoadTiming;
}

export interface HistoryResult {
  readonly storage: StorageResult;
  readonly loads: readonly LoadResult[];
  /** Per reading that must be exact: whether the dashboard equals the oracle over the whole history. */
  readonly exact: Readonly<Record<string, { passed: boolean; summary: string }>>;
}

/** The readings timed side by side; the last is the anchor the others are compared with. */
export const READINGS: readonly CounterReading[] = ["recorded", "raw-increase", "raw-sum"];
const EXACT_READINGS: readonly CounterReading[] = ["recorded", "raw-increase"];

export async function runHistory(
  historyCase: HistoryCase,
  config: StackConfig,
  files: SynthesizedFiles,
  binaries: { prometheus: string; promtool: string },
  dir: string,
  log: (line: string) => void,
): Promise<HistoryResult> {
  const { developers, days } = historyCase;
  const dbDir = path.join(dir, "tsdb");
  const omDir = path.join(dir, "openmetrics");
  fs.mkdirSync(dbDir, { recursive: true });
  const end = Math.floor(Date.now() / 1000) - 3600;

  log(`history: writing ${developers} developers x ${days} days`);
  const started = Date.now();
  let imports = Promise.resolve();
  const written = await writeHistory(
    {
      developers,
      days,
      end,
      sessionsPerDeveloperPerDay: historyCase.sessionsPerDeveloperPerDay,
      requestsPerSession: historyCase.requestsPerSession,
      sessionMinutes: historyCase.sessionMinutes,
      scrapeIntervalSeconds: durationSeconds(config.prometheus.scrapeInterval),
      ruleIntervalSeconds: durationSeconds(config.prometheus.ruleInterval),
      rollupWindowSeconds: durationSeconds(config.prometheus.rollupWindow),
      expirationSeconds: durationSeconds(config.collector.metricExpiration),
      teamAttributeKeys: Object.keys(config.teamAttributes),
      targetLabels: { job: "claude-code", instance: /- ([a-z0-9-]+:8889)/.exec(files.prometheusYaml)![1] },
    },
    omDir,
    (file) => {
      // One import at a time, each while the next block is being written.
      imports = imports.then(async () => {
        await run(binaries.promtool, ["tsdb", "create-blocks-from", "openmetrics", `--max-block-duration=${BLOCK_HOURS}h`, "-q", file, dbDir]);
        fs.rmSync(file);
      });
    },
  );
  await imports;
  const writeSeconds = (Date.now() - started) / 1000;
  const bytesOnDisk = directoryBytes(dbDir);
  log(`history: ${written.samples} samples, ${written.rawSeries} raw series, ${bytesOnDisk} bytes on disk, in ${writeSeconds.toFixed(0)} s`);

  const prometheus = await startPrometheus(files, binaries.prometheus, dir, dbDir, days + 2);
  try {
    const url = prometheus.url;
    const exact: Record<string, { passed: boolean; summary: string }> = {};
    if (historyCase.checkAgainstOracle) {
      const range = { from: end - days * 86400 - 60, to: end + 60 };
      for (const reading of EXACT_READINGS) {
        const model = dashboardOf(config, reading);
        exact[reading] = await checkExact(url, [model], written.totals, { ...range, step: grafanaStep(range.to - range.from, model) });
        log(`history: ${reading} reading equals the oracle: ${exact[reading].summary}`);
      }
    }
    // Mid-afternoon of the last day, while sessions are live: raw sums have something to add up.
    const to = end - 86400 + 13 * 3600;
    const activeSeries = await queryNumber(url, `count({__name__=~"claude_code_.+"} @ ${to})`);
    const loads: LoadResult[] = [];
    for (const rangeDays of historyCase.rangesDays) {
      for (const reading of READINGS) {
        const timing = await timeDashboardLoad(url, dashboardOf(config, reading), ALL, { from: to - rangeDays * 86400, to });
        log(`history: ${developers} developers, ${rangeDays} days, ${reading}: ${timing.sequentialMs.toFixed(0)} ms one by one, ${timing.concurrentMs.toFixed(0)} ms at once${timing.errors.length ? `, errors: ${timing.errors.join("; ")}` : ""}`);
        loads.push({ developers, rangeDays, reading, timing });
      }
    }
    const storage: StorageResult = {
      developers,
      days,
      rawSeries: written.rawSeries,
      recordedSeries: written.recordedSeries,
      samples: written.samples,
      bytesOnDisk,
      activeSeries,
      prometheusPeakRssMiB: peakRssMiB(prometheus.process.pid!),
      writeSeconds,
    };
    return { storage, loads, exact };
  } finally {
    await prometheus.process.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The main dashboard reading counters `reading`'s way, for the bench's team attributes. */
function dashboardOf(config: StackConfig, reading: CounterReading): any {
  return mainDashboard(stackDashboardConfig(config, reading));
}

/** Prometheus with the stack's file, rules and flags on `dbDir`, retention long enough to keep the history. */
async function startPrometheus(files: SynthesizedFiles, binary: string, dir: string, dbDir: string, retentionDays: number) {
  // Nothing listens on the Collector's port: the history is all there is.
  const ports = { otlpGrpc: 0, otlpHttp: 0, collectorMetrics: [await freePort()], collectorTelemetry: 0, prometheus: await freePort() };
  const configFile = path.join(dir, "prometheus.yml");
  const rulesFile = path.join(dir, "recording-rules.yml");
  const config = parse(localPrometheusYaml(files.prometheusYaml, ports, rulesFile));
  config.storage.tsdb.retention.time = `${retentionDays}d`;
  fs.writeFileSync(configFile, stringify(config));
  fs.writeFileSync(rulesFile, files.prometheusRulesYaml);
  const flags = localPrometheusFlags(files.prometheusFlags, configFile, dbDir, ports);
  const url = `http://127.0.0.1:${ports.prometheus}`;
  const process = new ManagedProcess("Prometheus", binary, flags, path.join(dir, "prometheus.log"), () => answersOk(`${url}/-/ready`));
  await process.start();
  return { url, process };
}

const run = promisify(execFile);

function directoryBytes(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    total += entry.isDirectory() ? directoryBytes(full) : fs.statSync(full).size;
  }
  return total;
}
