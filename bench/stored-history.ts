/**
 * Storage and dashboard load: D days of N developers written as TSDB blocks
 * (bench/history.ts + testkit/block-writer), served by the real Prometheus with the
 * stack's flags and rules; what it stores, and how long the main dashboard
 * takes to load over 7, 30 and 90 days, read three ways on the same data.
 */
import { execFile } from "child_process";
import { promisify } from "util";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { StackConfig, durationSeconds } from "../config/stack-config";
import { RULE_GROUP } from "../renderers/recording-rules";
import { CounterReading, stackDashboardConfig } from "../dashboards/config";
import { mainDashboard } from "../dashboards/main";
import { allDashboards } from "../dashboards";
import { VariableValues, allValuesOf, variableRequest } from "../testkit/grafana-evaluation";
import { exposedMetricSum, queryNumber } from "../testkit/prometheus-api";
import { ManagedProcess, answersOk, freePort, peakRssMiB } from "../testkit/processes";
import { SynthesizedFiles, localPrometheusFlags, localPrometheusYaml } from "../testkit/stack-files";
import { LoadTiming, grafanaStep, timeDashboardLoad } from "./dashboard-load";
import { BLOCK_HOURS, RecordedHistory, writeHistory } from "./history";
import { developer } from "./session-model";
import { ALL, checkExact, checkSeams, ownMetric } from "./measure";
import { backfill } from "../backfill/backfill";
import { localTsdb } from "../backfill/tsdb-access";
import { expectWithin } from "../testkit/waits";
import { startThanosStore } from "../testkit/thanos";
import { startVictoriaMetrics } from "../testkit/victoriametrics";

export interface HistoryCase {
  readonly developers: number;
  readonly days: number;
  /** Dashboard ranges to time, in days. */
  readonly rangesDays: readonly number[];
  /** Readings timed on those ranges; the report compares each with raw-sum where that is timed. @default READINGS */
  readonly timedReadings?: readonly CounterReading[];
  readonly sessionsPerDeveloperPerDay: number;
  readonly requestsPerSession: number;
  readonly sessionMinutes: number;
  /** Readings whose dashboard over the whole history is checked against the oracle (raw-increase only fits small cases). */
  readonly exactReadings: readonly CounterReading[];
  /** Random ranges on which the stack's reading must equal the per-interval reading, panel by panel (0: no such check, and none reported). */
  readonly seamRanges: number;
  /** Also serve the blocks through Thanos (Store Gateway and Query) and check and time the stack's reading there. */
  readonly throughThanos?: boolean;
  /**
   * Also import the history into VictoriaMetrics single-node, and check and
   * time there the raw counters read as its users read them
   * ("raw-increase-metricsql") and the stack's reading. @default false
   */
  readonly onVictoriaMetrics?: boolean;
  /** Write only the recorded series (see HistoryOptions.recordedOnly); only recorded readings can then be timed. @default false */
  readonly recordedOnly?: boolean;
  /**
   * Write only these recorded series (see HistoryOptions.recorded), then
   * complete them with the backfill (twice: the second run must find nothing
   * missing) before any check. @default - all written, no backfill
   */
  readonly backfillFrom?: Exclude<RecordedHistory, "all">;
  /** See HistoryOptions.developersPerPass. @default 1000 */
  readonly developersPerPass?: number;
  /** Time every rule of the alerting rules file at mid-afternoon of the last day (see timeAlertRules). @default false */
  readonly timeAlertRules?: boolean;
  /**
   * Also time every dashboard the stack provisions (the stack's reading) on
   * the timed ranges, for All, one team and one user, and the User filter's
   * request with that team picked (see timeEveryDashboard). @default false
   */
  readonly timeEveryDashboard?: boolean;
}

/** One dashboard's load for one view of the filters. */
export interface ViewLoad {
  readonly developers: number;
  readonly rangeDays: number;
  readonly engine: LoadResult["engine"];
  readonly reading: CounterReading;
  readonly dashboard: string;
  /** "All", "one team" or "one user". */
  readonly view: string;
  readonly timing: LoadTiming;
}

/** The User filter's request with one team picked. */
export interface UserFilterTiming {
  readonly developers: number;
  readonly rangeDays: number;
  readonly engine: LoadResult["engine"];
  readonly reading: CounterReading;
  /** Median of 5, in milliseconds. */
  readonly milliseconds: number;
  /** How many users it offered. */
  readonly offered: number;
}

/** The cost of one alerting rule group over a history. */
export interface AlertRuleTiming {
  readonly developers: number;
  readonly days: number;
  readonly group: string;
  /** How often Prometheus evaluates the group, in seconds. */
  readonly intervalSeconds: number;
  readonly rules: number;
  /** Sum over its rules of each rule's query time (median of 3), in seconds. */
  readonly seconds: number;
  /** Its slowest rule and that rule's time. */
  readonly slowest: { readonly rule: string; readonly seconds: number };
  /** The machine's load average (1 minute) when the group was timed: whether something else ran. */
  readonly loadAverage: number;
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
  /** Time Prometheus took to merge the passes' overlapping blocks, from its start (0 when there was one pass). */
  readonly mergeSeconds: number;
  /** Which series were written: "all", "recorded only" (the raw series' figures then count what was simulated), or the raw series and some recorded ones, for the backfill. */
  readonly seriesWritten: string;
  /** The same history in VictoriaMetrics, when the case imports it there. */
  readonly victoriaMetrics?: { readonly bytesOnDisk: number; readonly peakRssMiB: number };
}

/** The backfill's two runs over a history written without the recorded series. */
export interface BackfillRun {
  readonly developers: number;
  readonly days: number;
  /** The recorded series the history held before. */
  readonly from: RecordedHistory;
  readonly samples: number;
  readonly blocks: number;
  /** Size of the blocks it wrote, before Prometheus merges them. */
  readonly bytes: number;
  readonly seconds: number;
  readonly secondRunSamples: number;
  readonly secondRunSeconds: number;
  /** The machine's 1-minute load average when the first run ended (2 cores: above 2, something else ran too). */
  readonly loadAverage: number;
}

export interface LoadResult {
  readonly developers: number;
  readonly rangeDays: number;
  readonly reading: CounterReading;
  /** What answered the queries. */
  readonly engine: "Prometheus" | "Thanos" | "VictoriaMetrics";
  readonly timing: LoadTiming;
}

export interface HistoryResult {
  readonly storage: StorageResult;
  readonly loads: readonly LoadResult[];
  /** Per reading that must be exact: whether the dashboard equals the oracle over the whole history. */
  readonly exact: Readonly<Record<string, { passed: boolean; summary: string }>>;
  readonly backfill?: BackfillRun;
  /** Whether the rolled-up reading equals the per-interval reading on random ranges (the seams); absent when the case checks none. */
  readonly seams?: { passed: boolean; summary: string };
  readonly alertRules: readonly AlertRuleTiming[];
  readonly viewLoads: readonly ViewLoad[];
  readonly userFilter: readonly UserFilterTiming[];
}

/** What runs on VictoriaMetrics: the raw counters as its users read them, and the stack's reading. */
const VICTORIA_METRICS_READINGS: readonly CounterReading[] = ["raw-increase-metricsql", "recorded"];

/** The readings timed side by side; the last is the anchor the others are compared with. */
export const READINGS: readonly CounterReading[] = ["recorded", "recorded-intervals", "raw-increase", "raw-sum"];

export async function runHistory(
  historyCase: HistoryCase,
  config: StackConfig,
  files: SynthesizedFiles,
  binaries: { prometheus: string; promtool: string; blockWriter: string; thanos?: string; victoriaMetrics?: string },
  dir: string,
  log: (line: string) => void,
): Promise<HistoryResult> {
  const { developers, days } = historyCase;
  const dbDir = path.join(dir, "tsdb");
  const samplesDir = path.join(dir, "samples");
  fs.mkdirSync(dbDir, { recursive: true });
  const end = Math.floor(Date.now() / 1000) - 3600;

  if (historyCase.onVictoriaMetrics && !binaries.victoriaMetrics) throw new Error("the history case asks for VictoriaMetrics but no VictoriaMetrics binary was built");
  const victoriaMetricsDir = path.join(dir, "victoria-metrics");
  const victoriaMetrics = binaries.victoriaMetrics && historyCase.onVictoriaMetrics ? await startVictoriaMetrics(binaries.victoriaMetrics, victoriaMetricsDir, days + 2) : undefined;
  log(`history: writing ${developers} developers x ${days} days${victoriaMetrics ? ", into Prometheus's blocks and VictoriaMetrics" : ""}`);
  const started = Date.now();
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
      recordedOnly: historyCase.recordedOnly,
      recorded: historyCase.backfillFrom,
      developersPerPass: historyCase.developersPerPass,
    },
    samplesDir,
    async (file) => {
      await run(binaries.blockWriter, [file, dbDir, String(BLOCK_HOURS)]);
      if (victoriaMetrics) await victoriaMetrics.importSampleFile(file);
      fs.rmSync(file);
    },
  );
  // Stopped while Prometheus is measured; started again on its data afterwards.
  await victoriaMetrics?.flush();
  await victoriaMetrics?.process.stop();
  const writeSeconds = (Date.now() - started) / 1000;
  log(`history: ${written.samples} samples, ${written.rawSeries} raw series, in ${writeSeconds.toFixed(0)} s`);

  const exact: Record<string, { passed: boolean; summary: string }> = {};
  let victoriaMetricsStorage: StorageResult["victoriaMetrics"];
  const whole = { from: end - days * 86400 - 60, to: end + 60 };
  // Mid-afternoon of the last day, while sessions are live: raw sums have something to add up.
  const to = end - 86400 + 13 * 3600;
  const loads: LoadResult[] = [];
  const prometheus = await startPrometheus(files, binaries.prometheus, dir, dbDir, days + 2);
  try {
    const url = prometheus.url;
    const mergeSeconds = await blocksMerged(url, written.blocks);
    const bytesOnDisk = directoryBytes(dbDir);
    log(`history: ${bytesOnDisk} bytes on disk in ${written.blocks} blocks, merged in ${mergeSeconds.toFixed(0)} s`);
    const backfill = historyCase.backfillFrom ? await backfillTwice(url, dbDir, binaries.promtool, config, path.join(dir, "backfill"), historyCase, log) : undefined;
    for (const reading of historyCase.exactReadings) await checkWholeHistory(url, reading, reading);
    const seams = historyCase.seamRanges > 0 ? await checkSeams(url, dashboardOf(config, "recorded"), dashboardOf(config, "recorded-intervals"), whole, historyCase.seamRanges) : undefined;
    if (seams) log(`history: recorded reading equals the per-interval reading on random ranges: ${seams.summary}`);
    const activeSeries = await queryNumber(url, `count({__name__=~"claude_code_.+"} @ ${to})`);
    const alertRules = historyCase.timeAlertRules && files.alerting ? await timeAlertRules(url, files.alerting.rulesYaml, to, historyCase) : [];
    for (const rangeDays of historyCase.rangesDays) {
      for (const reading of historyCase.timedReadings ?? READINGS) loads.push(await timeLoad(url, "Prometheus", rangeDays, reading));
    }
    const views = historyCase.timeEveryDashboard ? await timeEveryDashboard(url, "Prometheus", "recorded", config, historyCase, to, log) : { viewLoads: [], userFilter: [] };
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
      mergeSeconds,
      seriesWritten: historyCase.recordedOnly ? "recorded only" : historyCase.backfillFrom ? `raw, recorded: ${historyCase.backfillFrom}` : "all",
    };
    await prometheus.process.stop();
    if (historyCase.throughThanos) {
      if (!binaries.thanos) throw new Error("the history case asks for Thanos but no Thanos binary was built");
      const thanos = await startThanosStore(binaries.thanos, dbDir, { site: "bench" }, path.join(dir, "thanos"));
      try {
        await checkWholeHistory(thanos.queryUrl, "recorded", "recorded, through Thanos");
        for (const rangeDays of historyCase.rangesDays) loads.push(await timeLoad(thanos.queryUrl, "Thanos", rangeDays, "recorded"));
      } finally {
        await thanos.stop();
      }
    }
    if (victoriaMetrics) {
      await victoriaMetrics.process.start();
      try {
        await expectWithin("VictoriaMetrics's merges of the imported history", async () => (await exposedMetricSum(`${victoriaMetrics.url}/metrics`, "vm_active_merges")) === 0, MERGE_TIMEOUT_SECONDS * 1000);
        for (const reading of VICTORIA_METRICS_READINGS) await checkWholeHistory(victoriaMetrics.url, reading, `${reading}, on VictoriaMetrics`);
        for (const rangeDays of historyCase.rangesDays) {
          for (const reading of VICTORIA_METRICS_READINGS) loads.push(await timeLoad(victoriaMetrics.url, "VictoriaMetrics", rangeDays, reading));
        }
        if (historyCase.timeEveryDashboard) {
          for (const reading of VICTORIA_METRICS_READINGS) {
            const timed = await timeEveryDashboard(victoriaMetrics.url, "VictoriaMetrics", reading, config, historyCase, to, log);
            views.viewLoads.push(...timed.viewLoads);
            views.userFilter.push(...timed.userFilter);
          }
        }
        victoriaMetricsStorage = { bytesOnDisk: directoryBytes(victoriaMetricsDir), peakRssMiB: peakRssMiB(victoriaMetrics.process.pid!) };
      } finally {
        await victoriaMetrics.process.stop();
      }
    }
    return { storage: { ...storage, victoriaMetrics: victoriaMetricsStorage }, loads, exact, seams, backfill, alertRules, ...views };
  } finally {
    await prometheus.process.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }

  /** The main dashboard read `reading`'s way from `url` against the oracle over the whole history, recorded in `exact` as `name`. */
  async function checkWholeHistory(url: string, reading: CounterReading, name: string): Promise<void> {
    const model = dashboardOf(config, reading);
    exact[name] = await checkExact(url, [model], written.totals, { ...whole, step: grafanaStep(whole.to - whole.from, model) });
    log(`history: ${name} equals the oracle: ${exact[name].summary}`);
  }

  async function timeLoad(url: string, engine: LoadResult["engine"], rangeDays: number, reading: CounterReading): Promise<LoadResult> {
    const timing = await timeDashboardLoad(url, dashboardOf(config, reading), ALL, { from: to - rangeDays * 86400, to });
    log(
      `history: ${developers} developers, ${rangeDays} days, ${reading} through ${engine}: ${timing.sequentialMs.toFixed(0)} ms one by one, ${timing.concurrentMs.toFixed(0)} ms at once${timing.errors.length ? `, errors: ${timing.errors.join("; ")}` : ""}`,
    );
    return { developers, rangeDays, reading, engine, timing };
  }
}

/**
 * What each group of the alerting rules costs Prometheus at `at` (mid-
 * afternoon of the last day, sessions live): every rule's expression as an
 * instant query there, median of 3, summed per group. The budget alerts
 * compare series their own group records, which the history does not hold:
 * those comparisons read nothing here, and cost little in a running stack.
 */
async function timeAlertRules(url: string, rulesYaml: string, at: number, historyCase: HistoryCase): Promise<AlertRuleTiming[]> {
  const timings: AlertRuleTiming[] = [];
  for (const group of parse(rulesYaml).groups as { name: string; interval: string; rules: { record?: string; alert?: string; expr: string }[] }[]) {
    const perRule: { rule: string; seconds: number }[] = [];
    for (const rule of group.rules) {
      const rounds: number[] = [];
      for (let round = 0; round < 3; round++) {
        const started = performance.now();
        const response = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: rule.expr, time: String(at) })}`);
        const body = (await response.json()) as { status: string; error?: string };
        if (body.status !== "success") throw new Error(`rule ${rule.record ?? rule.alert} failed over the history: ${body.error}`);
        rounds.push((performance.now() - started) / 1000);
      }
      perRule.push({ rule: rule.record ?? rule.alert!, seconds: rounds.sort((a, b) => a - b)[1] });
    }
    const slowest = perRule.reduce((a, b) => (b.seconds > a.seconds ? b : a));
    const seconds = perRule.reduce((total, r) => total + r.seconds, 0);
    timings.push({
      developers: historyCase.developers,
      days: historyCase.days,
      group: group.name,
      intervalSeconds: durationSeconds(group.interval),
      rules: perRule.length,
      seconds,
      slowest,
      loadAverage: os.loadavg()[0],
    });
  }
  return timings;
}

/**
 * Runs the backfill on the history Prometheus serves, as `npm run backfill`
 * would on the stack's volume, then once more.
 */
async function backfillTwice(url: string, dbDir: string, promtool: string, config: StackConfig, workDir: string, historyCase: HistoryCase, log: (line: string) => void): Promise<BackfillRun> {
  const options = {
    prometheusUrl: url,
    ruleInterval: config.prometheus.ruleInterval,
    rollupWindow: config.prometheus.rollupWindow,
    queryOffset: config.prometheus.scrapeInterval,
    tsdb: localTsdb(dbDir, promtool),
    workDir,
    log,
  };
  await expectWithin("the rule group's first evaluation", () => ruleGroupEvaluated(url), 3 * durationSeconds(config.prometheus.ruleInterval) * 1000);
  const timed = async () => {
    const started = Date.now();
    const result = await backfill(options);
    return { result, seconds: (Date.now() - started) / 1000 };
  };
  const first = await timed();
  const loadAverage = os.loadavg()[0];
  log(`backfill: ${first.result.samples} samples, ${first.result.blocks} blocks of ${first.result.bytes} bytes, in ${first.seconds.toFixed(0)} s`);
  const second = await timed();
  log(`backfill again: ${second.result.samples} samples in ${second.seconds.toFixed(0)} s`);
  const { developers, days } = historyCase;
  return { developers, days, from: historyCase.backfillFrom!, samples: first.result.samples, blocks: first.result.blocks, bytes: first.result.bytes, seconds: first.seconds, secondRunSamples: second.result.samples, secondRunSeconds: second.seconds, loadAverage };
}

/** Whether the recording rule group has been evaluated (the budget rules' group records too). */
async function ruleGroupEvaluated(url: string): Promise<boolean> {
  const body: any = await (await fetch(`${url}/api/v1/rules?type=record`)).json();
  return body.data.groups.some((group: any) => group.name === RULE_GROUP && Date.parse(group.lastEvaluation) > 0);
}

/**
 * Every dashboard the stack provisions, reading counters `reading`'s way
 * from `engine`, over each timed range ending at `to`: for All, for the first
 * developer's team, and for that developer; and the User filter's request
 * with the team picked.
 */
async function timeEveryDashboard(
  url: string,
  engine: LoadResult["engine"],
  reading: CounterReading,
  config: StackConfig,
  historyCase: HistoryCase,
  to: number,
  log: (line: string) => void,
): Promise<{ viewLoads: ViewLoad[]; userFilter: UserFilterTiming[] }> {
  const first = developer(0);
  const team = { ...ALL, team_id: [first.resource["team.id"]] };
  const views: [string, VariableValues][] = [["All", ALL], ["one team", team], ["one user", { ...ALL, user: [first.userId] }]];
  const dashboards = Object.values(allDashboards(stackDashboardConfig(config, reading))) as any[];
  const viewLoads: ViewLoad[] = [];
  const userFilter: UserFilterTiming[] = [];
  const { developers } = historyCase;
  for (const rangeDays of historyCase.rangesDays) {
    const range = { from: to - rangeDays * 86400, to };
    for (const model of dashboards) {
      for (const [view, variables] of views) {
        const timing = await timeDashboardLoad(url, model, variables, range);
        viewLoads.push({ developers, rangeDays, engine, reading, dashboard: model.title, view, timing });
        log(`history: ${model.title}, ${view}, ${rangeDays} days, ${reading} on ${engine}: ${timing.sequentialMs.toFixed(0)} ms one by one, ${timing.concurrentMs.toFixed(0)} ms at once, slowest ${timing.bySource.slice(0, 3).map(({ source, ms }) => `${source} (${ms.toFixed(0)} ms)`).join(", ")}`);
      }
    }
    const userVariable = dashboards[0].templating.list.find((variable: any) => variable.name === "user");
    const request = variableRequest(userVariable, range, team, allValuesOf(dashboards[0]));
    const rounds: number[] = [];
    let offered = 0;
    for (let round = 0; round < 5; round++) {
      const started = performance.now();
      const body: any = await (await fetch(`${url}${request!.path}?${new URLSearchParams(request!.params)}`)).json();
      rounds.push(performance.now() - started);
      offered = body.data.length;
    }
    userFilter.push({ developers, rangeDays, engine, reading, milliseconds: rounds.sort((a, b) => a - b)[2], offered });
  }
  return { viewLoads, userFilter };
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
  // The alerting rules run too (no Alertmanager listens: what they would send goes nowhere).
  if (files.alerting) fs.writeFileSync(path.join(dir, "alert-rules.yml"), files.alerting.rulesYaml);
  const config = parse(localPrometheusYaml(files.prometheusYaml, ports, dir));
  config.storage.tsdb.retention.time = `${retentionDays}d`;
  fs.writeFileSync(configFile, stringify(config));
  fs.writeFileSync(rulesFile, files.prometheusRulesYaml);
  const flags = localPrometheusFlags(files.prometheusFlags, configFile, dbDir, ports);
  const url = `http://127.0.0.1:${ports.prometheus}`;
  const process = new ManagedProcess("Prometheus", binary, flags, path.join(dir, "prometheus.log"), () => answersOk(`${url}/-/ready`));
  await process.start();
  return { url, process };
}

/** How long a merge of overlapping blocks may take before the run fails. */
const MERGE_TIMEOUT_SECONDS = 3600;

/**
 * Waits until Prometheus has merged the overlapping blocks of several passes
 * into `blocks` blocks (it compacts within a minute of its start, then every
 * minute), so queries read what a long-running Prometheus would hold.
 */
async function blocksMerged(url: string, blocks: number): Promise<number> {
  const started = Date.now();
  while ((await ownMetric(url, "prometheus_tsdb_blocks_loaded")) > blocks) {
    if (Date.now() - started > MERGE_TIMEOUT_SECONDS * 1000) throw new Error(`Prometheus did not merge the history's overlapping blocks into ${blocks} within ${MERGE_TIMEOUT_SECONDS} s`);
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  return (Date.now() - started) / 1000;
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
