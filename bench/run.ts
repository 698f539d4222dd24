/**
 * `npm run bench`: what the stack costs at team scale. Ingest runs the load
 * generator against the real Collector and Prometheus (the stack's own files,
 * as in the end-to-end test) and measures what the Collector accepts, its CPU
 * and peak memory, and what Prometheus stores; each run's dashboard numbers are
 * checked against what the generator sent. `npm run bench -- --smoke` is the
 * short run CI makes. Figures are printed, never asserted.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { VariableValues, evaluateDashboard, formatValue, matches } from "../e2e/panels";
import { sleep } from "../e2e/processes";
import { markdownTable, runAsScript } from "../e2e/report";
import { synthesize } from "../e2e/stack-files";
import { startLocalStack } from "../e2e/targets";
import { PROJECT_DIR, buildCollector, buildPrometheus, imageVersion } from "../e2e/toolchain";
import { SentTotals, generateLoad } from "./load-generator";

interface IngestCase {
  readonly developers: number;
  readonly exportIntervalMillis: number;
}

interface IngestResult extends IngestCase {
  readonly seconds: number;
  readonly dataPointsPerSecond: number;
  readonly collectorCpuPercent: number;
  readonly collectorPeakRssMiB: number;
  readonly prometheusPeakRssMiB: number;
  readonly activeSeries: number;
  readonly exact: string;
}

const ALL: VariableValues = { user: ".*", model: ".*", team_id: ".*", department: ".*" };
const log = (line: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);

async function main(smoke: boolean): Promise<number> {
  const workRoot = fs.mkdtempSync(path.join(os.tmpdir(), "claude-code-bench-"));
  const files = synthesize({ teamAttributes: { "team.id": "platform", department: "eng" } }, workRoot);
  const binaries = {
    collector: buildCollector(files.collectorYaml, imageVersion(files.collectorImage), log),
    prometheus: buildPrometheus(imageVersion(files.prometheusImage), log).prometheus,
  };
  const mainDashboard = files.dashboards.find((d) => d.uid === "claude-code-overview");
  const cases: IngestCase[] = smoke
    ? [{ developers: 10, exportIntervalMillis: 2000 }]
    : [10, 100].flatMap((developers) => [30_000, 10_000].map((exportIntervalMillis) => ({ developers, exportIntervalMillis })));
  const durationMillis = smoke ? 20_000 : 120_000;

  const results: IngestResult[] = [];
  let failures = 0;
  for (const ingest of cases) {
    const dir = path.join(workRoot, `ingest-${ingest.developers}-${ingest.exportIntervalMillis}`);
    fs.mkdirSync(dir, { recursive: true });
    const stack = await startLocalStack(files, binaries, dir);
    try {
      const pids = stack.pids!();
      const cpuBefore = cpuSeconds(pids.collector!);
      const started = Date.now();
      log(`${ingest.developers} developers, export every ${ingest.exportIntervalMillis / 1000} s, for ${durationMillis / 1000} s`);
      const from = Math.floor(started / 1000) - 30;
      const totals = await generateLoad({
        endpoint: stack.otlpEndpoint,
        developers: ingest.developers,
        sessionsPerDeveloperPerDay: 2,
        requestsPerSession: smoke ? 5 : 20,
        exportIntervalMillis: ingest.exportIntervalMillis,
        durationMillis,
      });
      const seconds = (Date.now() - started) / 1000;
      const cpu = cpuSeconds(pids.collector!) - cpuBefore;
      // One scrape for the last export, then one full step so the range query's
      // last step (Grafana aligns the end down to the step) includes it.
      await sleep(25_000);
      const activeSeries = await ownMetric(stack.prometheusUrl, "prometheus_tsdb_head_series");
      const check = await checkExact(stack.prometheusUrl, mainDashboard, totals, { from, to: Math.floor(Date.now() / 1000), step: 10 });
      if (!check.passed) failures++;
      results.push({
        ...ingest,
        seconds,
        dataPointsPerSecond: totals.exportedDataPoints / seconds,
        collectorCpuPercent: (100 * cpu) / seconds,
        collectorPeakRssMiB: peakRssMiB(pids.collector!),
        prometheusPeakRssMiB: peakRssMiB(pids.prometheus!),
        activeSeries,
        exact: check.summary,
      });
    } finally {
      await stack.stop();
    }
  }

  const table = markdownTable(
    [
      "developers",
      "export interval",
      "run (s)",
      "data points/s accepted",
      "Collector CPU (% of one core)",
      "Collector peak RSS (MiB)",
      "Prometheus peak RSS (MiB)",
      "Prometheus head series",
      "dashboard = sent",
    ],
    results.map((r) => [
      String(r.developers),
      `${r.exportIntervalMillis / 1000} s`,
      r.seconds.toFixed(0),
      r.dataPointsPerSecond.toFixed(1),
      r.collectorCpuPercent.toFixed(2),
      r.collectorPeakRssMiB.toFixed(0),
      r.prometheusPeakRssMiB.toFixed(0),
      String(r.activeSeries),
      r.exact,
    ]),
  );
  const report = `# Benchmark (${smoke ? "smoke" : "full"} run, ${new Date().toISOString()}, ${os.cpus().length} cores)\n\n## Ingest\n\n${table}\n`;
  console.log(`\n${report}`);
  const reportFile = path.join(PROJECT_DIR, "bench", smoke ? "results-smoke.md" : "results.md");
  fs.writeFileSync(reportFile, report);
  console.log(`written to ${path.relative(PROJECT_DIR, reportFile)}`);
  fs.rmSync(workRoot, { recursive: true, force: true });
  console.log(`bench: ${results.length - failures} passed, ${failures} failed`);
  return failures === 0 ? 0 : 1;
}

/** The main dashboard's totals against what the generator sent. */
async function checkExact(prometheusUrl: string, dashboard: any, totals: SentTotals, range: { from: number; to: number; step: number }) {
  const expected: Record<string, number | Record<string, number>> = {
    "Total Cost": totals.cost,
    "Input Tokens": totals.tokens.input,
    "Output Tokens": totals.tokens.output,
    "Cache Read Tokens": totals.tokens.cacheRead,
    "Cache Creation Tokens": totals.tokens.cacheCreation,
    Sessions: totals.sessions,
    Commits: totals.commits,
    "Lines of Code": { Added: totals.linesAdded, Removed: totals.linesRemoved },
    "Active Time (You)": totals.activeSeconds.user,
    "Active Time (CLI)": totals.activeSeconds.cli,
    "Token Usage Over Time": totals.tokens,
  };
  const panels = await evaluateDashboard(prometheusUrl, dashboard, ALL, range);
  const wrong = panels
    .filter((panel) => panel.title in expected && !matches(panel.value, expected[panel.title]))
    .map((panel) => `${panel.title}: ${formatValue(panel.value)} != ${formatValue(expected[panel.title])}`);
  const checked = panels.filter((panel) => panel.title in expected).length;
  return { passed: wrong.length === 0 && checked === Object.keys(expected).length, summary: wrong.length === 0 ? `yes (${checked} panels)` : `NO: ${wrong.join("; ")}` };
}

/** A value from Prometheus's own /metrics (the stack does not scrape Prometheus itself). */
async function ownMetric(prometheusUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${prometheusUrl}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(" ")[1]) : NaN;
}

/** User plus system CPU seconds a process has used. */
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function peakRssMiB(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) / 1024 : NaN;
}

runAsScript("bench", () => main(process.argv.includes("--smoke")));
