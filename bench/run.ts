/**
 * `npm run bench`: what the stack costs at team scale, printed as markdown and
 * written to bench/results.md (`-- --smoke`: the short run CI makes, written
 * to bench/results-smoke.md; `-- --events`: ingest of 100 developers with
 * Claude Code's events off and on, written to bench/results-events.md;
 * `-- --flood`: one team's client flooding a team-mode Collector with new
 * series until its memory limiter refuses, written to bench/results-flood.md;
 * `-- --scale`: ingest of 1,000 to 10,000 developers, and `-- --scale-history`:
 * 30 days of 10,000 developers; `-- --long-history`: 90 days of 1,000
 * developers, every dashboard; `-- --backfill`: the backfill of
 * 90 days of 100 developers written without recorded series; `-- --alert-rules`:
 * the alerting rules over 30 days of 1,000 developers; `-- --labels`: ingest
 * and 90 days of 100 developers with the repository and request labels
 * (sessions in 3 of their team's 10 repositories, a fifth of the requests by
 * subagents); `-- --victoriametrics`: 30 days of 100 developers also in
 * VictoriaMetrics, read as its users read raw counters and as the stack
 * reads them; each a section of bench/results.md).
 * - Ingest: the load generator against the real Collector and Prometheus.
 * - Storage: D days of N developers of history in the real Prometheus.
 * - Dashboard load: the main dashboard over 7, 30 and 90 days of that
 *   history, as the stack reads counters and, on the same data, the two other
 *   ways (raw increase, and raw counter sums as public copies do: the anchor).
 * Every run checks that the dashboard equals what was sent. Figures are
 * printed, never asserted.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { resolveConfig } from "../config/stack-config";
import { markdownTable, runAsScript } from "../testkit/report";
import { synthesize } from "../testkit/stack-files";
import { PROJECT_DIR } from "../testkit/paths";
import { buildAlertmanager, buildBlockWriter, buildCollector, buildPrometheus, buildThanos, buildVictoriaMetrics, imageVersion } from "../testkit/toolchain";
import { FloodResult, runFlood } from "./flood";
import { IngestCase, IngestResult, ingestRows, runIngest } from "./ingest";
import { AlertRuleTiming, BackfillRun, HistoryCase, HistoryResult, LoadResult, READINGS, UserFilterTiming, ViewLoad, runHistory } from "./stored-history";
import { CounterReading } from "../dashboards/config";

/** The stack as the benchmark runs it: the defaults, with two team attributes. */
/** Every budget on, so the alerting rules the bench runs are all there are. */
const BENCH_OVERRIDES = {
  teamAttributes: { "team.id": "platform", department: "eng" },
  budgets: { otherTeams: { dailyUsd: 1000, monthlyUsd: 20000, userDailyUsd: 100 } },
};
/** A realistic working day: three sessions of 40 minutes, 20 requests each. */
const WORKDAY = { sessionsPerDeveloperPerDay: 3, requestsPerSession: 20, sessionMinutes: 40 };
const TARGET_DASHBOARDS = [
  { developers: 100, rangeDays: 30, milliseconds: 1000 },
  { developers: 100, rangeDays: 90, milliseconds: 1000 },
];
/** Every exact reading is checked on small histories; raw increase over 90 days of 100 developers outlasts the query timeout. */
const ALL_EXACT: CounterReading[] = ["recorded", "recorded-intervals", "raw-increase"];
const RECORDED_EXACT: CounterReading[] = ["recorded", "recorded-intervals"];
const SEAM_RANGES = 20;
/** What Prometheus answers beside VictoriaMetrics: the stack's reading, the raw counters read exactly, and the anchor. */
const PROMETHEUS_AGAINST_VICTORIA_METRICS: CounterReading[] = ["recorded", "raw-increase", "raw-sum"];
/** Histories at scale: recorded series only, every dashboard timed. */
const AT_SCALE = { timedReadings: RECORDED_EXACT, exactReadings: RECORDED_EXACT, recordedOnly: true, timeEveryDashboard: true, ...WORKDAY };
/** The histories the backfill completes: without any recorded series, and as a version before the rollups wrote them. */
const BACKFILL_FROM = ["none", "per-user sums"] as const;
const TARGET_COLLECTOR = { developers: 100, exportIntervalMillis: 10_000, cpuPercent: 10 };

const log = (line: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);

/**
 * smoke: the short run CI makes; full: everything but events, flood and
 * scale; events: ingest of 100 developers with events off and on; flood: see
 * flood.ts; scale: ingest of 1,000 to 10,000 developers; scale-history: 30
 * days of 10,000 of them; long-history: 90 days of 1,000.
 */
type Mode = "smoke" | "full" | "events" | "flood" | "scale" | "scale-history" | "long-history" | "backfill" | "alert-rules" | "labels" | "victoriametrics";

async function main(mode: Mode): Promise<number> {
  const workRoot = fs.mkdtempSync(path.join(os.tmpdir(), "claude-code-bench-"));
  const config = resolveConfig(BENCH_OVERRIDES);
  const files = synthesize(BENCH_OVERRIDES, workRoot);
  const prometheusBuild = buildPrometheus(imageVersion(files.prometheusImage), log);
  const binaries = {
    collector: buildCollector(files.collectorYaml, imageVersion(files.collectorImage), log),
    prometheus: prometheusBuild.prometheus,
    promtool: prometheusBuild.promtool,
    blockWriter: buildBlockWriter(imageVersion(files.prometheusImage), log),
    // The stack runs Alertmanager by default: the local stacks of the ingest and the flood do too.
    alertmanager: files.alerting && buildAlertmanager(imageVersion(files.alerting.alertmanagerImage), log).alertmanager,
    thanos: mode === "full" ? buildThanos(log) : undefined,
    victoriaMetrics: mode === "victoriametrics" ? buildVictoriaMetrics(log) : undefined,
  };
  if (mode === "flood") return floodReport(await runFlood(binaries, path.join(workRoot, "flood"), log), workRoot);

  const ingestCases: IngestCase[] = {
    smoke: [{ developers: 10, exportIntervalMillis: 2000, durationMillis: 20_000, requestsPerSession: 5, events: true }],
    full: [10, 100].flatMap((developers) =>
      [config.claudeCode.metricExportIntervalMillis, 10_000].map((exportIntervalMillis) => ({ developers, exportIntervalMillis, durationMillis: 120_000, requestsPerSession: 20, events: false })),
    ),
    events: [false, true].map((events) => ({ developers: 100, exportIntervalMillis: 10_000, durationMillis: 120_000, requestsPerSession: 20, events })),
    // Past 1,000 developers the load generator runs 100 SDK instances, each sending for several developers of a team.
    scale: [
      { developers: 1000, developersPerClient: 1 },
      { developers: 3000, developersPerClient: 30 },
      { developers: 5000, developersPerClient: 50 },
      { developers: 10_000, developersPerClient: 100 },
    ].map((size) => ({ ...size, exportIntervalMillis: config.claudeCode.metricExportIntervalMillis, durationMillis: 180_000, requestsPerSession: 20, events: false })),
    "scale-history": [],
    "long-history": [],
    backfill: [],
    "alert-rules": [],
    labels: [{ developers: 100, exportIntervalMillis: 10_000, durationMillis: 120_000, requestsPerSession: 20, events: true }],
    victoriametrics: [],
  }[mode as Exclude<Mode, "flood">];
  const historyCases: HistoryCase[] = {
    // 30 days: ranges past 29 days get hourly time series steps, which read the window totals.
    // Two passes: the merge of overlapping blocks that the larger histories rely on is checked too.
    smoke: [
      { developers: 3, days: 30, rangesDays: [1], exactReadings: ALL_EXACT, seamRanges: SEAM_RANGES, developersPerPass: 2, timeEveryDashboard: true, ...WORKDAY },
      ...BACKFILL_FROM.map((backfillFrom) => ({ developers: 3, days: 30, rangesDays: [], exactReadings: RECORDED_EXACT, seamRanges: SEAM_RANGES, backfillFrom, ...WORKDAY })),
    ],
    full: [
      { developers: 3, days: 3, rangesDays: [], exactReadings: ALL_EXACT, seamRanges: SEAM_RANGES, ...WORKDAY },
      { developers: 100, days: 90, rangesDays: [7, 30, 90], exactReadings: RECORDED_EXACT, seamRanges: SEAM_RANGES, throughThanos: true, ...WORKDAY },
    ],
    events: [],
    scale: [],
    // Recorded series only: the whole series of 1,000 developers for 30 days would take about an hour to write here.
    "scale-history": [{ developers: 10_000, days: 30, rangesDays: [7, 30], seamRanges: 5, ...AT_SCALE }],
    "long-history": [{ developers: 1000, days: 90, rangesDays: [7, 30, 90], seamRanges: 10, ...AT_SCALE }],
    backfill: BACKFILL_FROM.map((backfillFrom) => ({ developers: 100, days: 90, rangesDays: [], exactReadings: RECORDED_EXACT, seamRanges: SEAM_RANGES, backfillFrom, ...WORKDAY })),
    // The alerting rules over a month of recorded sums, with every budget configured (BENCH_OVERRIDES).
    // 10,000 developers over 8 days (a month would take 80 minutes to write): the 7-day rules read all they would, the month rules 8 days of up to 31.
    "alert-rules": [
      { developers: 1000, days: 30, rangesDays: [], exactReadings: RECORDED_EXACT, seamRanges: 0, recordedOnly: true, timeAlertRules: true, ...WORKDAY },
      { developers: 10_000, days: 8, rangesDays: [], exactReadings: ["recorded" as const], seamRanges: 0, recordedOnly: true, timeAlertRules: true, ...WORKDAY },
    ],
    labels: [{ developers: 100, days: 90, rangesDays: [7, 30, 90], exactReadings: RECORDED_EXACT, seamRanges: SEAM_RANGES, timeEveryDashboard: true, ...WORKDAY }],
    // Raw series and recorded ones, for both engines: 30 days of 100 developers take about 8 minutes to write here.
    victoriametrics: [
      { developers: 100, days: 30, rangesDays: [7, 30], exactReadings: RECORDED_EXACT, timedReadings: PROMETHEUS_AGAINST_VICTORIA_METRICS, seamRanges: 0, onVictoriaMetrics: true, timeEveryDashboard: true, ...WORKDAY },
    ],
  }[mode as Exclude<Mode, "flood">];

  const ingest: IngestResult[] = [];
  for (const ingestCase of ingestCases) {
    const caseDir = path.join(workRoot, `ingest-${ingestCase.developers}-${ingestCase.exportIntervalMillis}-events-${ingestCase.events ? "on" : "off"}`);
    ingest.push(await runIngest(ingestCase, files, binaries, caseDir, log));
  }
  const history: HistoryResult[] = [];
  for (const historyCase of historyCases) {
    history.push(await runHistory(historyCase, config, files, binaries, path.join(workRoot, `history-${historyCase.developers}-${historyCase.days}${historyCase.backfillFrom ? `-backfilled-from-${historyCase.backfillFrom.replace(/ /g, "-")}` : ""}`), log));
  }

  const checks = [
    ...ingest.map((r) => r.exact),
    ...history.flatMap((h) => [...Object.values(h.exact), ...(h.seams ? [h.seams] : []), ...(h.backfill ? [{ passed: h.backfill.secondRunSamples === 0 }] : [])]),
  ];
  const failures = checks.filter((check) => !check.passed).length;
  const report = [
    `${RESULTS_SECTIONS[mode] ?? "# Benchmark"} (${mode} run, ${new Date().toISOString()}, ${os.cpus().length} cores)`,
    ...(ingest.length === 0 ? [] : ["## Ingest", table(ingestRows(ingest))]),
    ...(history.length === 0
      ? []
      : [
          "## Storage",
          `History: ${WORKDAY.sessionsPerDeveloperPerDay} sessions per developer per day of ${WORKDAY.sessionMinutes} minutes and ${WORKDAY.requestsPerSession} requests, every day, scraped every ${config.prometheus.scrapeInterval}, series kept ${config.collector.metricExpiration} after a session's last update, recording rules every ${config.prometheus.ruleInterval}.`,
          table(storageRows(history)),
          ...backfillSection(history.flatMap((h) => h.backfill ?? [])),
          "## Exactness of the history",
          table(exactRows(history)),
          ...dashboardLoadSection(history.flatMap((h) => h.loads), config.prometheus.rollupWindow),
          ...alertRulesSection(history.flatMap((h) => h.alertRules), config.prometheus.ruleInterval),
          ...everyDashboardSection(history.flatMap((h) => h.viewLoads), history.flatMap((h) => h.userFilter)),
        ]),
    "## Targets",
    targets(ingest, history.flatMap((h) => h.loads)).join("\n"),
    "",
  ].join("\n\n");
  console.log(`\n${report}`);
  const reportFile = path.join(PROJECT_DIR, "bench", RESULTS_SECTIONS[mode] ? "results.md" : `results-${mode}.md`);
  writeReport(reportFile, report, RESULTS_SECTIONS[mode]);
  console.log(`written to ${path.relative(PROJECT_DIR, reportFile)}`);
  fs.rmSync(workRoot, { recursive: true, force: true });
  console.log(`bench: ${checks.length - failures} exactness checks passed, ${failures} failed`);
  return failures === 0 ? 0 : 1;
}

function floodReport(result: FloodResult, workRoot: string): number {
  const report = [
    `# Flood of a team-mode Collector (${new Date().toISOString()}, ${os.cpus().length} cores)`,
    "One team's client with a valid token sends requests of 5,000 new series each over OTLP/HTTP until the Collector refuses one; then the other team sends one series until it is accepted again. The Collector keeps a series 1 minute after its last update in this run (`collector.metricExpiration`; 5 minutes by default).",
    table({
      header: ["memory limit (MiB)", "series accepted before refusal", "sent in (s)", "refusal", "Collector RSS at refusal (MiB)", "peak RSS (MiB)", "other team meanwhile", "other team accepted again after (s)", "flood series in Prometheus"],
      rows: [
        [
          String(result.memoryLimitMiB),
          String(result.seriesAccepted),
          result.seconds.toFixed(0),
          result.refusedStatus ? `HTTP ${result.refusedStatus}` : "none",
          result.rssAtRefusalMiB.toFixed(0),
          result.peakRssMiB.toFixed(0),
          `HTTP ${result.otherTeamStatus}`,
          Number.isNaN(result.recoverySeconds) ? "not within 300 s" : result.recoverySeconds.toFixed(0),
          String(result.floodSeriesInPrometheus),
        ],
      ],
    }),
    "",
  ].join("\n\n");
  console.log(`\n${report}`);
  const reportFile = path.join(PROJECT_DIR, "bench", "results-flood.md");
  fs.writeFileSync(reportFile, report);
  console.log(`written to ${path.relative(PROJECT_DIR, reportFile)}`);
  fs.rmSync(workRoot, { recursive: true, force: true });
  return 0;
}

/** The runs whose reports are sections of results.md, in the order they appear there, by heading. */
const RESULTS_SECTIONS: Partial<Record<Mode, string>> = {
  full: "# Benchmark",
  scale: "# Benchmark at scale",
  "scale-history": "# History at scale",
  "long-history": "# 90 days of 1,000 developers",
  backfill: "# Backfill",
  "alert-rules": "# Alerting rules",
  labels: "# Repository and request labels",
  victoriametrics: "# VictoriaMetrics anchor",
};

/** The dashboard load table, when the run timed any load. */
function dashboardLoadSection(loads: readonly LoadResult[], rollupWindow: string): string[] {
  if (loads.length === 0) return [];
  return [
    "## Dashboard load",
    `All requests of the main dashboard (${READINGS.length} readings of the counters on the same data): variables, instant queries over the range for single values, range queries at the step of a 1200-pixel-wide panel; median of 3 rounds (one round for loads over 20 s; a load is abandoned after 60 s, shown as "> "). The anchor is "raw-sum", the way public copies of this dashboard read counters; "recorded" is what the stack provisions (rollup windows of ${rollupWindow}, read from the sums over users, as with the User filter at All here); "recorded-intervals" is its previous design (the per-user per-interval sums); "raw-increase" the one before (exact, without recording rules).`,
    table(loadRows(loads)),
    ...victoriaMetricsRatios(loads),
  ];
}

/**
 * Where VictoriaMetrics answered too: its users' reading (raw counters,
 * MetricsQL's increase) against the stack's on Prometheus, one by one.
 */
function victoriaMetricsRatios(loads: readonly LoadResult[]): string[] {
  const lines = loads
    .filter((load) => load.engine === "VictoriaMetrics" && load.reading === "raw-increase-metricsql")
    .flatMap((load) => {
      const stack = loads.find((l) => l.engine === "Prometheus" && l.reading === "recorded" && l.developers === load.developers && l.rangeDays === load.rangeDays);
      if (!stack) return [];
      const ratio = load.timing.sequentialMs / stack.timing.sequentialMs;
      return [
        `- ${load.developers} developers, ${load.rangeDays} days: VictoriaMetrics reading the raw counters took ${load.timing.sequentialMs.toFixed(0)} ms one by one, the stack's reading on Prometheus ${stack.timing.sequentialMs.toFixed(0)} ms: ${ratio.toFixed(1)} times as long.`,
      ];
    });
  return lines.length > 0 ? [lines.join("\n")] : [];
}

/** Every dashboard for All, one team and one user, and the User filter with one team picked. */
function everyDashboardSection(loads: readonly ViewLoad[], userFilter: readonly UserFilterTiming[]): string[] {
  if (loads.length === 0) return [];
  return [
    "## Every dashboard",
    "Every dashboard the stack provisions, timed as the main dashboard above (median of 3 rounds), for All, for one team (the first developer's) and for one user (that developer); then the User filter's request (label values over the range) with that team picked, median of 5. \"recorded\" is how the stack reads counters; the slowest panel is the one whose requests took longest one by one.",
    table({
      header: ["developers", "range (days)", "engine", "reading", "dashboard", "view", "requests answered", "one by one (ms)", "all at once (ms)", "slowest panel (ms)", "errors"],
      rows: loads.map((l) => [
        String(l.developers),
        String(l.rangeDays),
        l.engine,
        l.reading,
        l.dashboard,
        l.view,
        `${l.timing.completed} of ${l.timing.requests}`,
        l.timing.completed < l.timing.requests ? `> ${l.timing.sequentialMs.toFixed(0)}` : l.timing.sequentialMs.toFixed(0),
        Number.isNaN(l.timing.concurrentMs) ? "not run (slow)" : l.timing.concurrentMs.toFixed(0),
        `${l.timing.bySource[0].source} (${l.timing.bySource[0].ms.toFixed(0)})`,
        l.timing.errors.length ? l.timing.errors.join("; ") : "-",
      ]),
    }),
    table({
      header: ["developers", "range (days)", "engine", "reading", "User filter with one team picked (ms)", "users offered"],
      rows: userFilter.map((u) => [String(u.developers), String(u.rangeDays), u.engine, u.reading, u.milliseconds.toFixed(1), String(u.offered)]),
    }),
  ];
}

/** What the alerting rule groups cost over the history, against their interval. */
function alertRulesSection(timings: readonly AlertRuleTiming[], ruleInterval: string): string[] {
  if (timings.length === 0) return [];
  const perMinute = (t: AlertRuleTiming) => (t.seconds * 60) / t.intervalSeconds;
  const totals = [...new Set(timings.map((t) => t.developers))].map((developers) => {
    const seconds = timings.filter((t) => t.developers === developers).reduce((total, t) => total + perMinute(t), 0);
    return `${seconds.toFixed(3)} s per minute at ${developers.toLocaleString("en-US")} developers`;
  });
  return [
    "## Alerting rules",
    `Every rule of the alerting rules file, with a daily, monthly and per-user daily budget for every team, run as an instant query at mid-afternoon of the last day of the history (median of 3), summed per group; the recording rules run every ${ruleInterval}, and each group at its own interval. The budget alerts compare series their group records, which the history does not hold: those comparisons read nothing here. In all, the alerting rules take ${totals.join(", ")}. The recording rules, for comparison, took 0.83 s per minute at 1,000 developers and 22.8 s at 10,000 in the ingest at scale (above).`,
    table({
      header: ["developers", "days", "rule group", "interval", "rules", "seconds", "seconds per minute", "share of its interval", "slowest rule", "its seconds", "load average (1 min)"],
      rows: timings.map((t) => [
        String(t.developers),
        String(t.days),
        t.group,
        `${t.intervalSeconds / 60}m`,
        String(t.rules),
        t.seconds.toFixed(3),
        perMinute(t).toFixed(3),
        `${((100 * t.seconds) / t.intervalSeconds).toFixed(1)} %`,
        t.slowest.rule,
        t.slowest.seconds.toFixed(3),
        t.loadAverage.toFixed(2),
      ]),
    }),
  ];
}

/** The backfill's cost on histories written without some recorded series (see HistoryCase.backfillFrom). */
function backfillSection(runs: readonly BackfillRun[]): string[] {
  if (runs.length === 0) return [];
  return [
    "## Backfill",
    "The history was written with the raw series and either none of the recorded series (a Prometheus that ran without the recording rules) or only the per-user per-minute sums (a version before the rollups and the sums over users); `backfill()` (what `npm run backfill` runs, here with promtool on the folder instead of a container on the volume) then wrote the recorded series, and ran a second time. The exactness rows below are read after both runs. The time includes up to two minutes of waiting for Prometheus to load the blocks (it looks every minute). The load average shows whether something else used the 2 cores at the same time.",
    table({
      header: ["developers", "days", "recorded series before", "samples written", "blocks", "bytes of blocks", "seconds", "load average (1 min) at its end", "second run: samples", "second run: seconds"],
      rows: runs.map((r) => [
        String(r.developers),
        String(r.days),
        r.from,
        String(r.samples),
        String(r.blocks),
        String(r.bytes),
        r.seconds.toFixed(0),
        r.loadAverage.toFixed(2),
        String(r.secondRunSamples),
        r.secondRunSeconds.toFixed(0),
      ]),
    }),
  ];
}

/** Writes `report` into `file`, or, for a section of results.md, in place of that section, keeping the others. */
function writeReport(file: string, report: string, heading: string | undefined): void {
  if (!heading) return fs.writeFileSync(file, report);
  const sections = new Map<string, string>();
  const before = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
  for (const section of before.split(/^(?=# )/m).filter((text) => text.trim())) sections.set(section.slice(0, section.indexOf(" (")), section.trimEnd());
  sections.set(heading, report.trimEnd());
  const ordered = Object.values(RESULTS_SECTIONS).flatMap((name) => sections.get(name!) ?? []);
  fs.writeFileSync(file, `${ordered.join("\n\n")}\n`);
}

function table({ header, rows }: { header: string[]; rows: string[][] }): string {
  return markdownTable(header, rows);
}

function storageRows(history: readonly HistoryResult[]): { header: string[]; rows: string[][] } {
  const onVictoriaMetrics = history.some(({ storage }) => storage.victoriaMetrics);
  const victoriaMetricsColumns = (s: HistoryResult["storage"]) => (onVictoriaMetrics ? [String(s.victoriaMetrics?.bytesOnDisk ?? "-"), s.victoriaMetrics?.peakRssMiB.toFixed(0) ?? "-"] : []);
  return {
    header: [
      "developers",
      "days",
      "series written",
      "session series created",
      "series created per developer per day",
      "recorded series",
      "samples",
      "bytes on disk",
      "bytes on disk per developer per day",
      "active series (13:00 UTC)",
      "Prometheus peak RSS (MiB)",
      "history written in (s)",
      "passes' blocks merged in (s)",
      ...(onVictoriaMetrics ? ["VictoriaMetrics: bytes on disk", "VictoriaMetrics peak RSS (MiB)"] : []),
    ],
    rows: history.map(({ storage: s }) => [
      String(s.developers),
      String(s.days),
      s.seriesWritten,
      String(s.rawSeries),
      (s.rawSeries / (s.developers * s.days)).toFixed(1),
      String(s.recordedSeries),
      String(s.samples),
      String(s.bytesOnDisk),
      (s.bytesOnDisk / (s.developers * s.days)).toFixed(0),
      String(s.activeSeries),
      s.prometheusPeakRssMiB.toFixed(0),
      s.writeSeconds.toFixed(0),
      s.mergeSeconds.toFixed(0),
      ...victoriaMetricsColumns(s),
    ]),
  };
}

function exactRows(history: readonly HistoryResult[]): { header: string[]; rows: string[][] } {
  return {
    header: ["developers", "days", "check", "passed"],
    rows: history.flatMap(({ storage, exact, seams, backfill }) => {
      const row = (check: string, summary: string) => [String(storage.developers), String(storage.days), backfill ? `after the backfill from recorded: ${backfill.from}, ${check}` : check, summary];
      return [
        ...Object.entries(exact).map(([reading, check]) => row(`${reading}: dashboard = oracle over the whole history`, check.summary)),
        ...(seams ? [row("recorded = recorded-intervals, every panel, on random ranges (the seams between rollup windows)", seams.summary)] : []),
        ...(backfill ? [row("the backfill run again writes nothing", `${backfill.secondRunSamples === 0 ? "yes" : "NO"} (${backfill.secondRunSamples} samples)`)] : []),
      ];
    }),
  };
}

function loadRows(loads: readonly LoadResult[]): { header: string[]; rows: string[][] } {
  const anchor = (load: LoadResult) => loads.find((l) => l.developers === load.developers && l.rangeDays === load.rangeDays && l.reading === "raw-sum");
  return {
    header: ["developers", "range (days)", "reading", "engine", "requests answered", "one by one (ms)", "all at once (ms)", "one by one / anchor", "errors"],
    rows: loads.map((load) => {
      const { timing } = load;
      const abandoned = timing.completed < timing.requests;
      const anchorMs = anchor(load)?.timing.sequentialMs;
      return [
        String(load.developers),
        String(load.rangeDays),
        load.reading,
        load.engine,
        `${timing.completed} of ${timing.requests}`,
        `${abandoned ? "> " : ""}${timing.sequentialMs.toFixed(0)}`,
        Number.isNaN(timing.concurrentMs) ? "not run (slow)" : timing.concurrentMs.toFixed(0),
        anchorMs === undefined ? "-" : `${abandoned ? "> " : ""}${(timing.sequentialMs / anchorMs).toFixed(2)}`,
        timing.errors.map((error) => error.slice(0, 120)).join("; ") || "-",
      ];
    }),
  };
}

function targets(ingest: readonly IngestResult[], loads: readonly LoadResult[]): string[] {
  const lines: string[] = [];
  for (const target of TARGET_DASHBOARDS) {
    const load = loads.find((l) => l.developers === target.developers && l.rangeDays === target.rangeDays && l.reading === "recorded" && l.engine === "Prometheus");
    if (!load) continue;
    const met = load.timing.sequentialMs < target.milliseconds && load.timing.errors.length === 0;
    const concurrentMet = load.timing.concurrentMs < target.milliseconds && load.timing.errors.length === 0;
    lines.push(
      `- Main dashboard over ${load.rangeDays} days of ${load.developers} developers under ${target.milliseconds} ms: ${met ? "met" : "MISSED"} one by one (${load.timing.sequentialMs.toFixed(0)} ms); ${concurrentMet ? "met" : "MISSED"} with all requests at once as Grafana sends them (${load.timing.concurrentMs.toFixed(0)} ms).`,
    );
  }
  const collector = ingest.find((r) => r.developers === TARGET_COLLECTOR.developers && r.exportIntervalMillis === TARGET_COLLECTOR.exportIntervalMillis);
  if (collector) {
    const met = collector.collectorCpuPercent < TARGET_COLLECTOR.cpuPercent && collector.exact.passed;
    lines.push(
      `- Collector keeps up with ${collector.developers} developers at a ${collector.exportIntervalMillis / 1000} s export interval under ${TARGET_COLLECTOR.cpuPercent}% of one core: ${met ? "met" : "MISSED"}, ${collector.collectorCpuPercent.toFixed(2)}% (${collector.dataPointsPerSecond.toFixed(1)} data points/s, dashboard = sent: ${collector.exact.summary}).`,
    );
  }
  const withEvents = ingest.find((r) => r.developers === TARGET_COLLECTOR.developers && r.events);
  const withoutEvents = ingest.find((r) => r.developers === TARGET_COLLECTOR.developers && !r.events && r.exportIntervalMillis === withEvents?.exportIntervalMillis);
  if (withEvents && withoutEvents) {
    const perDeveloper = (r: IngestResult) => r.activeSeries / r.developers;
    lines.push(
      `- Events on, ${withEvents.developers} developers: Collector ${withEvents.collectorCpuPercent.toFixed(2)}% of one core (off: ${withoutEvents.collectorCpuPercent.toFixed(2)}%), peak RSS ${withEvents.collectorPeakRssMiB.toFixed(0)} MiB (off: ${withoutEvents.collectorPeakRssMiB.toFixed(0)}); head series per developer ${perDeveloper(withEvents).toFixed(1)} (off: ${perDeveloper(withoutEvents).toFixed(1)}, so ${(perDeveloper(withEvents) - perDeveloper(withoutEvents)).toFixed(1)} new series per developer).`,
    );
  }
  return lines.length > 0 ? lines : ["- (this run measures none of the targets)"];
}

const MODES: readonly Mode[] = ["smoke", "events", "flood", "scale", "scale-history", "long-history", "backfill", "alert-rules", "labels", "victoriametrics"];
runAsScript("bench", () => main(MODES.find((mode) => process.argv.includes(`--${mode}`)) ?? "full"));
