/**
 * The backfill: the recorded series a version's rules write, computed from
 * the raw series for the time before those rules ran, and written into
 * Prometheus's TSDB as blocks, so an upgrade (or a fork's change) that brings
 * a recorded series never changes a past number.
 *
 * For each recorded series, at each level (per user, and each summed level),
 * three things can be missing before the running rules' first sample:
 *   - the per-interval sums: computed from the raw series with the rule's own
 *     expression at the rule group's evaluation times, up to CATCH_UP_WINDOWS
 *     + 1 intervals before their first sample (the running rules' first
 *     evaluation made up for those, see growthSum in renderers/recording-rules.ts);
 *   - the sums over users: added up from the per-user sums;
 *   - the rollups (window totals and running sums): replayed from the
 *     per-interval sums (rollup-replay.ts). The last window is closed at the
 *     last evaluation before the running rules' first rollup; if it closes
 *     early, its per-interval sums get ROLLUP_STEPS_LABEL "," so time series
 *     read them as per-interval sums, never its early total in the wrong step.
 *
 * Safe to run twice: what it wrote is found as present the next time, and the
 * evaluation times are the rule group's, so a sample written twice is the same
 * sample (Prometheus keeps one of equal timestamps). Safe to interrupt: blocks
 * are written to a staging folder and published as a whole (TsdbAccess).
 */
import * as fs from "fs";
import * as path from "path";
import { ROLLUP_STEPS_LABEL, RecordedSeries, summedLevels } from "../telemetry/catalog";
import { CATCH_UP_WINDOWS, RULE_GROUP, perIntervalRules, rollupSteps } from "../renderers/recording-rules";
import { durationSeconds } from "../config/stack-config";
import { Sample, replayRollups } from "./rollup-replay";
import { TsdbAccess } from "./tsdb-access";

/** What the backfill reads and where it writes. */
export interface BackfillOptions {
  /** Prometheus's HTTP API, e.g. http://127.0.0.1:9090. */
  readonly prometheusUrl: string;
  /** Headers for every request (the login in team mode). @default none */
  readonly headers?: Readonly<Record<string, string>>;
  /** The stack's `prometheus.ruleInterval`. */
  readonly ruleInterval: string;
  /** The stack's `prometheus.rollupWindow`. */
  readonly rollupWindow: string;
  /** The rule group's query offset: the stack's `prometheus.scrapeInterval`. */
  readonly queryOffset: string;
  /** The TSDB the blocks go into. */
  readonly tsdb: TsdbAccess;
  /** A folder for the OpenMetrics files; emptied when done. */
  readonly workDir: string;
  /** @default no log */
  readonly log?: (line: string) => void;
}

export interface BackfillResult {
  /** Samples written. */
  readonly samples: number;
  /** Recorded series names that got samples. */
  readonly seriesNames: readonly string[];
  /** Blocks published into the TSDB. */
  readonly blocks: number;
  /** Their size on disk (before Prometheus merges them with the blocks they overlap). */
  readonly bytes: number;
  /** The earliest and latest sample written (ms), if any. */
  readonly fromMs?: number;
  readonly untilMs?: number;
}

/** Samples of one series, by its labels (without __name__). */
type SeriesSamples = Map<string, { labels: Record<string, string>; samples: Sample[] }>;

/** Longest span one range query covers, in evaluations (Prometheus answers at most 11,000 points a series). */
const STEPS_PER_QUERY = 10_000;
/** OpenMetrics files cover this much time each: promtool reads a whole file into memory. */
const FILE_SPAN_MS = 7 * 86_400_000;
/** Blocks the backfill writes span at most this much. */
const MAX_BLOCK_HOURS = 24;
/**
 * Prometheus persists its head in blocks of this span, aligned to multiples of
 * it; the backfill writes the time its head holds in blocks of the same
 * ranges (see OpenMetricsFiles).
 */
const HEAD_BLOCK_MS = 2 * 3_600_000;

export async function backfill(options: BackfillOptions): Promise<BackfillResult> {
  const log = options.log ?? (() => undefined);
  const api = new PrometheusReader(options.prometheusUrl, options.headers ?? {});
  const intervalMs = durationSeconds(options.ruleInterval) * 1000;
  const windowMs = durationSeconds(options.rollupWindow) * 1000;
  await options.tsdb.recover();

  const grid = await evaluationGrid(api, intervalMs, durationSeconds(options.queryOffset) * 1000);
  const nowMs = grid.before(Date.now());
  // Samples already written are looked for from the oldest one; evaluations start at the first
  // after it, whose window holds that oldest sample. Prometheus reports its oldest block's start
  // once it has blocks, even when its head holds older samples (e.g. after an earlier backfill).
  const headMinMs = await api.headMinTimeMs();
  const lowestMs = Math.min(await api.lowestTimestampMs(), headMinMs);
  const fromMs = grid.after(lowestMs);
  log(`backfill: data from ${new Date(lowestMs).toISOString()}, rule evaluations every ${options.ruleInterval} at ${grid.phaseMs} ms past the interval`);

  fs.mkdirSync(options.workDir, { recursive: true, mode: 0o755 });
  fs.chmodSync(options.workDir, 0o755);
  const files = new OpenMetricsFiles(options.workDir, headMinMs);
  const seriesNames: string[] = [];
  const steps = rollupSteps(intervalMs / 1000, windowMs / 1000);

  for (const { series, expr } of perIntervalRules(intervalMs / 1000, 0)) {
    const firstSample = async (name: string) => api.firstSampleMs(name, lowestMs, nowMs);
    // Per user: per-interval sums from the raw series, before the running rules made up for missed windows.
    const firstRecorded = (await firstSample(series.recorded)) ?? nowMs;
    const computedUntil = grid.before(firstRecorded - (CATCH_UP_WINDOWS + 1) * intervalMs);
    const computed = computedUntil >= fromMs ? await api.rangeSamples(expr, fromMs, computedUntil, intervalMs) : new Map();
    const perUser = await writeLevel(series, computed, firstRecorded);
    // Each summed level from the per-user sums before its own first sample: read once, up to the latest of those.
    const levels = await Promise.all(summedLevels(series).map(async (level) => ({ ...level, first: (await firstSample(level.series.recorded)) ?? nowMs })));
    if (levels.length === 0) continue;
    const perUserBefore = await withExisting(series.recorded, perUser.perInterval, lowestMs, Math.max(...levels.map(({ first }) => first)));
    for (const { series: level, summedAway, first } of levels) await writeLevel(level, sumLevel(perUserBefore, summedAway, first), first);
  }

  /**
   * Writes one level's missing per-interval sums (`computed`, before its first
   * recorded sample) and, for a level with rollups, the rollups missing before
   * the first rollup sample; returns the per-interval sums as written.
   */
  async function writeLevel(series: RecordedSeries, computed: SeriesSamples, firstRecorded: number): Promise<{ perInterval: SeriesSamples }> {
    const rollups = series.rollups;
    const firstRollup =
      rollups && Math.min((await api.firstSampleMs(rollups.windowTotal, lowestMs, nowMs)) ?? nowMs, (await api.firstSampleMs(rollups.windowToDate, lowestMs, nowMs)) ?? nowMs);
    const closeAt = firstRollup === undefined ? undefined : grid.before(firstRollup - 1);
    const perInterval = labelledSums(computed, closeAt);
    let written = false;
    for (const { labels, samples } of perInterval.values()) {
      files.write(series.recorded, labels, samples);
      written = true;
    }
    if (rollups && firstRollup !== undefined && closeAt !== undefined) {
      const rolledUp = firstRecorded < firstRollup ? await withExisting(series.recorded, perInterval, lowestMs, firstRollup) : perInterval;
      for (const { labels, samples } of rolledUp.values()) {
        const before = samples.filter(([at]) => at < firstRollup);
        if (before.length === 0) continue;
        const { runningSums, totals } = replayRollups(before, intervalMs, windowMs, closeAt);
        files.write(rollups.windowToDate, labels, runningSums);
        files.write(rollups.windowTotal, labels, totals);
        written = true;
      }
    }
    if (written) seriesNames.push(series.recorded);
    return { perInterval };
  }

  /**
   * Computed sums with the running rules' label, except those after `closeAt`
   * in the window it falls in: the backfill closes that window early there
   * (its total lacks them), so they carry none. A level without rollups
   * closes no window.
   */
  function labelledSums(computed: SeriesSamples, closeAt: number | undefined): SeriesSamples {
    const tailStart = closeAt === undefined ? Infinity : Math.ceil(closeAt / windowMs) * windowMs - windowMs;
    const tailOpen = closeAt !== undefined && closeAt + intervalMs <= tailStart + windowMs;
    const perInterval: SeriesSamples = new Map();
    for (const { labels, samples } of computed.values()) {
      const tail = tailOpen ? samples.findIndex(([at]) => at > tailStart) : -1;
      const split = tail < 0 ? samples.length : tail;
      add(perInterval, { ...labels, [ROLLUP_STEPS_LABEL]: steps }, samples.slice(0, split));
      add(perInterval, { ...labels, [ROLLUP_STEPS_LABEL]: "," }, samples.slice(split));
    }
    return perInterval;
  }

  /** `written` plus the samples `name` already holds in [from, until). */
  async function withExisting(name: string, written: SeriesSamples, from: number, until: number): Promise<SeriesSamples> {
    const all: SeriesSamples = new Map();
    for (const { labels, samples } of written.values()) add(all, labels, samples);
    for (const { labels, samples } of (await api.rawSamples(name, from, until)).values()) add(all, labels, samples);
    for (const entry of all.values()) entry.samples.sort((a, b) => a[0] - b[0]);
    return all;
  }

  const written = files.close();
  log(`backfill: ${written.samples} samples in ${written.files.length} OpenMetrics files`);
  for (const { path: file, maxBlockHours } of written.files) await options.tsdb.stage(file, maxBlockHours);
  let published = { blocks: 0, bytes: 0 };
  if (written.samples > 0) {
    const reloadsBefore = await api.reloads();
    published = await options.tsdb.publish();
    await blocksLoaded(api, reloadsBefore, log);
  }
  fs.rmSync(options.workDir, { recursive: true, force: true });
  return { samples: written.samples, seriesNames, ...published, fromMs: written.fromMs, untilMs: written.untilMs };
}

/** How long Prometheus may take to load published blocks: it looks every minute. */
const LOAD_TIMEOUT_MS = 300_000;

/** Waits for two block reloads after the publish: the second one started after the blocks were in place. */
async function blocksLoaded(api: PrometheusReader, reloadsBefore: number, log: (line: string) => void): Promise<void> {
  const deadline = Date.now() + LOAD_TIMEOUT_MS;
  while ((await api.reloads()) < reloadsBefore + 2) {
    if (Date.now() > deadline) throw new Error(`Prometheus did not reload its blocks within ${LOAD_TIMEOUT_MS / 1000} s of the publish; the blocks are in its data folder and load at its next start`);
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  log("backfill: Prometheus loaded the blocks");
}

/** The per-interval sums of a summed level: per-user sums added up by their labels without `summedAway`, before `until`. */
function sumLevel(perUser: SeriesSamples, summedAway: readonly string[], until: number): SeriesSamples {
  const sums = new Map<string, { labels: Record<string, string>; byTime: Map<number, number> }>();
  for (const { labels, samples } of perUser.values()) {
    const rest = Object.fromEntries(Object.entries(labels).filter(([name]) => !summedAway.includes(name)));
    const key = labelsKey(rest);
    if (!sums.has(key)) sums.set(key, { labels: rest, byTime: new Map() });
    const byTime = sums.get(key)!.byTime;
    for (const [at, value] of samples) if (at < until) byTime.set(at, (byTime.get(at) ?? 0) + value);
  }
  const result: SeriesSamples = new Map();
  for (const [key, { labels, byTime }] of sums) result.set(key, { labels, samples: [...byTime].sort((a, b) => a[0] - b[0]) });
  return result;
}

/** Adds `samples` to the series with `labels` (none added when empty). */
function add(map: SeriesSamples, labels: Record<string, string>, samples: readonly Sample[]): void {
  if (samples.length === 0) return;
  const key = labelsKey(labels);
  if (!map.has(key)) map.set(key, { labels, samples: [] });
  const entry = map.get(key)!.samples;
  for (const sample of samples) entry.push(sample);
}

/** Samples of the Prometheus API's [time, "value"] pairs, in milliseconds. */
function samplesOf(values: readonly [number, string][]): Sample[] {
  return values.map(([at, value]) => [Math.round(Number(at) * 1000), Number(value)]);
}

function labelsKey(labels: Record<string, string>): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
}

/** The times the rule group's samples carry: `intervalMs` apart, at `phaseMs` past a multiple. */
interface EvaluationGrid {
  readonly phaseMs: number;
  /** The last grid time at or before `ms`. */
  before(ms: number): number;
  /** The first grid time after `ms`. */
  after(ms: number): number;
}

/**
 * The rule group's evaluation times, from its last evaluation as Prometheus
 * reports it: its samples are written at the evaluation time less the query offset.
 */
async function evaluationGrid(api: PrometheusReader, intervalMs: number, queryOffsetMs: number): Promise<EvaluationGrid> {
  const group = (await api.ruleGroups()).find((candidate) => candidate.name === RULE_GROUP);
  // Prometheus writes a sample's time as whole milliseconds, cut, not rounded; Date.parse might round.
  const lastEvaluation = group ? Date.parse(group.lastEvaluation.replace(/(\.\d{3})\d+/, "$1")) : NaN;
  if (!(lastEvaluation > 0)) throw new Error(`Prometheus has not evaluated the rule group ${RULE_GROUP} yet: deploy this version first (cdktf deploy), wait one rule interval, then run the backfill`);
  const sampleMs = lastEvaluation - queryOffsetMs;
  const phaseMs = ((sampleMs % intervalMs) + intervalMs) % intervalMs;
  const before = (ms: number) => Math.floor((ms - phaseMs) / intervalMs) * intervalMs + phaseMs;
  return { phaseMs, before, after: (ms: number) => before(ms) + intervalMs };
}

/** The few Prometheus API calls the backfill makes. */
class PrometheusReader {
  constructor(
    private readonly url: string,
    private readonly headers: Readonly<Record<string, string>>,
  ) {}

  async instant(expr: string, atMs?: number): Promise<any[]> {
    return (await this.call("query", { query: expr, ...(atMs === undefined ? {} : { time: (atMs / 1000).toFixed(3) }) })).result;
  }

  /** The oldest sample time the TSDB holds. */
  async lowestTimestampMs(): Promise<number> {
    return (await this.ownMetric("prometheus_tsdb_lowest_timestamp_seconds")) * 1000;
  }

  /** The oldest time Prometheus's head (the data it has not yet persisted in blocks) covers. */
  async headMinTimeMs(): Promise<number> {
    const response = await fetch(`${this.url}/api/v1/status/tsdb`, { headers: this.headers });
    const minTime = response.ok ? Number(((await response.json()) as any).data?.headStats?.minTime) : NaN;
    if (!Number.isFinite(minTime)) throw new Error(`Prometheus at ${this.url} did not report its head's time range (${response.status} from /api/v1/status/tsdb)`);
    return minTime;
  }

  /** Block reloads so far (Prometheus looks for new blocks every minute). */
  async reloads(): Promise<number> {
    return this.ownMetric("prometheus_tsdb_reloads_total");
  }

  async ruleGroups(): Promise<{ name: string; lastEvaluation: string }[]> {
    const response = await fetch(`${this.url}/api/v1/rules?type=record`, { headers: this.headers });
    if (!response.ok) throw new Error(`Prometheus at ${this.url} answered ${response.status} for its rules`);
    return ((await response.json()) as any).data.groups;
  }

  /** A metric of Prometheus's own, from its /metrics page. */
  private async ownMetric(name: string): Promise<number> {
    const response = await fetch(`${this.url}/metrics`, { headers: this.headers });
    const line = (await response.text()).split("\n").find((candidate) => candidate.startsWith(`${name} `));
    if (!line) throw new Error(`Prometheus at ${this.url} does not report ${name} on /metrics`);
    return Number(line.split(" ")[1]);
  }

  /** The time of the first sample of series `name` in [from, until), if any. */
  async firstSampleMs(name: string, from: number, until: number): Promise<number | undefined> {
    const weekMs = 7 * 86_400_000;
    for (let start = from; start < until; start += weekMs) {
      const end = Math.min(start + weekMs, until);
      const found = await this.instant(`count(count_over_time(${name}[${end - start}ms]))`, end - 1);
      if (found.length === 0) continue;
      for (let day = start; day < end; day += 86_400_000) {
        const samples = await this.rawSamples(name, day, Math.min(day + 86_400_000, end));
        let first = Infinity;
        for (const entry of samples.values()) first = Math.min(first, entry.samples[0][0]);
        if (first < Infinity) return first;
      }
    }
    return undefined;
  }

  /** Every sample of series `name` in [from, until), by labels (without __name__). */
  async rawSamples(name: string, from: number, until: number): Promise<SeriesSamples> {
    const samples: SeriesSamples = new Map();
    for (let start = from; start < until; start += 86_400_000) {
      const end = Math.min(start + 86_400_000, until);
      for (const series of await this.instant(`${name}[${end - start}ms]`, end - 1)) {
        const { __name__: _name, ...labels } = series.metric;
        add(samples, labels, samplesOf(series.values));
      }
    }
    return samples;
  }

  /** `expr` at every grid time from `from` to `until` (both on the grid), by labels. */
  async rangeSamples(expr: string, from: number, until: number, stepMs: number): Promise<SeriesSamples> {
    const samples: SeriesSamples = new Map();
    for (let start = from; start <= until; start += STEPS_PER_QUERY * stepMs) {
      const end = Math.min(start + (STEPS_PER_QUERY - 1) * stepMs, until);
      const data = await this.call("query_range", { query: expr, start: (start / 1000).toFixed(3), end: (end / 1000).toFixed(3), step: `${stepMs / 1000}` });
      for (const series of data.result) {
        add(samples, series.metric, samplesOf(series.values));
      }
    }
    return samples;
  }

  private async call(endpoint: string, params: Record<string, string>): Promise<any> {
    const response = await fetch(`${this.url}/api/v1/${endpoint}`, {
      method: "POST",
      headers: { ...this.headers, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(params),
    });
    const body: any = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
    if (body.status !== "success") throw new Error(`Prometheus at ${this.url} refused ${params.query}: ${body.error ?? response.status}`);
    return body.data;
  }
}

/**
 * The backfill's samples as OpenMetrics text, one file per FILE_SPAN_MS of
 * time, written in blocks of up to MAX_BLOCK_HOURS; each series' samples go in
 * time order. From the start of the head's first HEAD_BLOCK_MS range on, one
 * file per such range, written in blocks of that range.
 *
 * Why: at its start, Prometheus drops from its head everything before the end
 * of its newest block (the head's data is in blocks up to there, it assumes),
 * and it merges overlapping blocks into one. A backfilled block that reached
 * into the head's time would thus take with it, at the next restart, every
 * sample the head held before the block's end (the deploy test lost the
 * sessions it ran before its upgrade this way). Blocks inside the
 * head's ranges merge only with the block Prometheus persists for that range,
 * which ends where the range ends, and each block is marked as an
 * out-of-order block (see tsdb-access.ts), which Prometheus leaves out of that
 * rule.
 */
class OpenMetricsFiles {
  private readonly open = new Map<number, { path: string; fd: number; buffer: string[]; size: number; maxBlockHours: number }>();
  private samples = 0;
  private fromMs = Infinity;
  private untilMs = -Infinity;
  private readonly headRangesFromMs: number;

  constructor(
    private readonly dir: string,
    headMinTimeMs: number,
  ) {
    this.headRangesFromMs = Math.floor(headMinTimeMs / HEAD_BLOCK_MS) * HEAD_BLOCK_MS;
  }

  write(name: string, labels: Record<string, string>, samples: readonly Sample[]): void {
    const series = `${name}{${Object.entries(labels)
      .map(([label, value]) => `${label}="${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`)
      .join(",")}}`;
    for (const [at, value] of samples) {
      const file = this.fileFor(at);
      const line = `${series} ${value} ${(at / 1000).toFixed(3)}\n`;
      file.buffer.push(line);
      file.size += line.length;
      if (file.size > 16 * 1024 * 1024) this.flush(file);
      this.samples++;
      this.fromMs = Math.min(this.fromMs, at);
      this.untilMs = Math.max(this.untilMs, at);
    }
  }

  close(): { files: { path: string; maxBlockHours: number }[]; samples: number; fromMs?: number; untilMs?: number } {
    const files: { path: string; maxBlockHours: number }[] = [];
    for (const [, file] of [...this.open].sort(([a], [b]) => a - b)) {
      file.buffer.push("# EOF\n");
      this.flush(file);
      fs.closeSync(file.fd);
      files.push({ path: file.path, maxBlockHours: file.maxBlockHours });
    }
    this.open.clear();
    return this.samples === 0 ? { files, samples: 0 } : { files, samples: this.samples, fromMs: this.fromMs, untilMs: this.untilMs };
  }

  private fileFor(atMs: number) {
    const inHead = atMs >= this.headRangesFromMs;
    const spanMs = inHead ? HEAD_BLOCK_MS : FILE_SPAN_MS;
    // Keyed by the span's start, so close() lists the files in time order.
    const start = Math.floor(atMs / spanMs) * spanMs;
    let file = this.open.get(start);
    if (!file) {
      const filePath = path.join(this.dir, `backfill-${start}.om`);
      file = { path: filePath, fd: fs.openSync(filePath, "w", 0o644), buffer: [], size: 0, maxBlockHours: inHead ? HEAD_BLOCK_MS / 3_600_000 : MAX_BLOCK_HOURS };
      this.open.set(start, file);
    }
    return file;
  }

  private flush(file: { fd: number; buffer: string[]; size: number }): void {
    fs.writeSync(file.fd, file.buffer.join(""));
    file.buffer = [];
    file.size = 0;
  }
}
