/**
 * History without waiting: writes N developers x D days of the series
 * Prometheus holds after scraping the stack's Collector (one series per
 * session and label set, a zero at its start, a sample every scrape interval
 * until the exporter lets it expire) together with the per-interval sums,
 * running sums and window totals the recording rules write, as sample files
 * that testkit/block-writer turns into TSDB blocks with Prometheus's own
 * block writer.
 *
 * The sessions are the load generator's (bench/session-model.ts), so the
 * totals it reports are the oracle the dashboards are checked against.
 */
import { randomUUID } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { KEPT_ATTRIBUTES, Label, Metric, MetricKey, ROLLUP_STEPS_LABEL, RecordedSeries, SummedLevel, labelForAttribute, writtenLevels } from "../telemetry/catalog";
import { rollupSteps } from "../renderers/recording-rules";
import { Sample, replayRollups } from "../backfill/rollup-replay";
import {
  Attributes,
  DEFAULT_MODELS,
  Developer,
  RecordMeasurement,
  SentTotals,
  developer,
  emptyTotals,
  repositoryLabel,
  seededRandom,
  sessionAttributes,
  sessionRepository,
  simulateRequest,
  startSession,
} from "./session-model";

export type RecordedHistory = "all" | "per-user sums" | "none";

export interface HistoryOptions {
  readonly developers: number;
  readonly days: number;
  /** Unix seconds at which the history ends. */
  readonly end: number;
  readonly sessionsPerDeveloperPerDay: number;
  readonly requestsPerSession: number;
  /** Length of a session from its start to its last request. */
  readonly sessionMinutes: number;
  readonly scrapeIntervalSeconds: number;
  /** Interval of the recording rules. */
  readonly ruleIntervalSeconds: number;
  /** Length of the recording rules' rollup windows. */
  readonly rollupWindowSeconds: number;
  /** How long the Collector's exporter keeps serving a finished session's series. */
  readonly expirationSeconds: number;
  /** Resource attributes the Collector turns into labels. */
  readonly teamAttributeKeys: readonly string[];
  /** Labels Prometheus adds to every scraped series (job, instance). */
  readonly targetLabels: Readonly<Record<string, string>>;
  /**
   * Write only the recording rules' series, not the sessions' raw series (the
   * stack's dashboards read nothing else): about a fifth of the samples, for
   * histories too large to write whole in reasonable time. @default false
   */
  readonly recordedOnly?: boolean;
  /**
   * Which of the recording rules' series the history holds besides the raw
   * series: "all"; "per-user sums", the per-user per-interval sums without
   * ROLLUP_STEPS_LABEL, as a version before the rollups and the sums over
   * users wrote them; or "none", as a Prometheus that ran without the rules.
   * The backfill completes the last two. @default "all"
   */
  readonly recorded?: RecordedHistory;
  /**
   * Developers written per pass over the days. Each pass's files become their
   * own blocks, which overlap the other passes' and which Prometheus merges
   * (vertical compaction); one pass holds at most one block of this many
   * developers on disk and in the block writer's memory. @default 1000
   */
  readonly developersPerPass?: number;
}

export interface HistoryResult {
  readonly totals: SentTotals;
  /** Series of the Collector's export, one set per session. */
  readonly rawSeries: number;
  /** Distinct series of the recording rules' output. */
  readonly recordedSeries: number;
  readonly samples: number;
  /** Blocks of BLOCK_HOURS the history spans: what the passes' overlapping blocks are merged into. */
  readonly blocks: number;
}

/** Length of the blocks the files are cut into: a compaction range of Prometheus (2h x 3^4). */
export const BLOCK_HOURS = 162;
const DAY_SECONDS = 86_400;
/** Sessions start between 08:00 and 17:00 UTC, so none crosses midnight. */
const WORKDAY_START_HOURS = 8;
const WORKDAY_START_SPREAD_HOURS = 9;

/** The per-user series, in the list of levels a day's sums are written to. */
const perUser = "per user";

interface Increment {
  readonly at: number;
  readonly value: number;
}

interface SessionSeries {
  readonly metric: MetricKey;
  /** The series as text: name{labels}. */
  readonly labels: string;
  /** Its labels without session_id, {...}: those of the recording rules' series it adds to. */
  readonly groupLabels: string;
  /** Its labels without session_id and each level's summed labels: those of the rules' summed levels (see summedLevels). */
  readonly levelLabels: readonly string[];
  readonly increments: Increment[];
}

/**
 * Writes the history into `dir`, calling `blockWritten` with each file as soon
 * as it is complete; the caller imports it while the next is written, and the
 * promise it returns holds the writer back so at most one file waits.
 */
export async function writeHistory(options: HistoryOptions, dir: string, blockWritten: (file: string) => Promise<void>): Promise<HistoryResult> {
  fs.mkdirSync(dir, { recursive: true });
  const totals = emptyTotals();
  const recordedSeries = new Set<string>();
  const blocks = new Set<number>();
  let rawSeries = 0;
  let samples = 0;
  const perPass = options.developersPerPass ?? 1000;
  // The summed levels of each day, one map per level (by its recorded name), added up pass by pass;
  // a level that keeps the user is complete with its pass (each developer is in one), the others with the last.
  const sumsByDay = new Map<number, Map<string, { level: SummedLevel; groups: Map<string, RecordedGroup> }>>();

  for (let first = 0; first < options.developers; first += perPass) {
    const last = Math.min(options.developers, first + perPass);
    const writer = new BlockFiles(dir, `developers-${first}`, blockWritten);
    for (let day = 0; day < options.days; day++) {
      const dayStart = options.end - (options.days - day) * DAY_SECONDS;
      const recorded = new Map<string, RecordedGroup>();
      for (let index = first; index < last; index++) {
        const who = developer(index);
        const random = seededRandom(1 + index + day * 100_003);
        for (let n = 0; n < options.sessionsPerDeveloperPerDay; n++) {
          const start = dayStart + (WORKDAY_START_HOURS + random() * WORKDAY_START_SPREAD_HOURS) * 3600;
          const series = simulateSession(options, who, start, random, totals);
          rawSeries += series.length;
          for (const one of series) writeSessionSeries(options, one, writer, recorded);
        }
      }
      if (!sumsByDay.has(day)) sumsByDay.set(day, new Map());
      const sumsOfDay = sumsByDay.get(day)!;
      for (const group of recorded.values()) {
        writtenLevels(Metric[group.metric]).forEach((level, index) => {
          const labels = group.levelLabels[index];
          if (!sumsOfDay.has(level.series.recorded)) sumsOfDay.set(level.series.recorded, { level, groups: new Map() });
          const groups = sumsOfDay.get(level.series.recorded)!.groups;
          const key = `${group.metric}${labels}`;
          if (!groups.has(key)) groups.set(key, { ...group, labels, windows: new Map() });
          const sums = groups.get(key)!.windows;
          for (const [at, value] of group.windows) sums.set(at, (sums.get(at) ?? 0) + value);
        });
      }
      const levels: [Map<string, RecordedGroup>, RecordedSeries | typeof perUser][] = [[recorded, perUser]];
      for (const [name, { level, groups }] of sumsOfDay) {
        if (last < options.developers && level.summedAway.includes(Label.userId)) continue;
        levels.push([groups, level.series]);
        sumsOfDay.delete(name);
      }
      if (last === options.developers) sumsByDay.delete(day);
      for (const [groups, level] of levels) {
        for (const { metric, labels, windows } of groups.values()) {
          const series = level === perUser ? Metric[metric] : level;
          const sorted = [...windows].sort(([a], [b]) => a - b);
          const outputs: [string, readonly Sample[]][] = [[series.recorded, sorted]];
          if (series.rollups) {
            const { runningSums, totals } = replayRollups(sorted, options.ruleIntervalSeconds, options.rollupWindowSeconds);
            outputs.push([series.rollups.windowToDate, runningSums], [series.rollups.windowTotal, totals]);
          }
          for (const [name, samples] of outputs) {
            recordedSeries.add(`${name}${labels}`);
            const recorded = options.recorded ?? "all";
            if (recorded === "all") for (const [at, value] of samples) writer.sample(`${name}${labels}`, value, at);
            if (recorded === "per-user sums" && name === series.recorded && level === perUser) {
              const withoutSteps = labels.replace(new RegExp(`,?${ROLLUP_STEPS_LABEL}="[^"]*"`), "").replace("{,", "{");
              for (const [at, value] of samples) writer.sample(`${name}${withoutSteps}`, value, at);
            }
          }
        }
      }
      // Later days write nothing before the next day starts.
      await writer.completeBefore(dayStart + DAY_SECONDS);
    }
    await writer.close();
    samples += writer.samples;
    for (const block of writer.blocks) blocks.add(block);
  }
  return { totals, rawSeries, recordedSeries: recordedSeries.size, samples, blocks: blocks.size };
}

/** One session's requests, as the series the Collector exports for it. */
function simulateSession(options: HistoryOptions, who: Developer, start: number, random: () => number, totals: SentTotals): SessionSeries[] {
  const bySeries = new Map<string, SessionSeries>();
  let now = start;
  const record: RecordMeasurement = (metric, value, attributes) => {
    const { labels, groupLabels, levelLabels } = seriesLabels(options, metric, attributes, who.resource);
    if (!bySeries.has(labels)) bySeries.set(labels, { metric, labels, groupLabels, levelLabels, increments: [] });
    bySeries.get(labels)!.increments.push({ at: now, value });
  };
  const session = sessionAttributes(randomUUID(), who.userId, sessionRepository(who, random));
  startSession(record, session, totals);
  const gap = (options.sessionMinutes * 60) / options.requestsPerSession;
  for (let request = 0; request < options.requestsPerSession; request++) {
    now += gap * (0.5 + random());
    simulateRequest(record, session, DEFAULT_MODELS[Math.floor(random() * DEFAULT_MODELS.length)], random, totals);
  }
  return [...bySeries.values()];
}

/**
 * The label sets the Collector exports for a data point: kept attributes,
 * the repository and team attributes, renamed as its prometheus exporter renames them, plus the
 * target labels; and the same without session_id for the recording rules.
 */
function seriesLabels(
  options: HistoryOptions,
  metric: MetricKey,
  attributes: Attributes,
  resource: Attributes,
): { labels: string; groupLabels: string; levelLabels: string[] } {
  const pairs: [string, string][] = Object.entries(attributes)
    .filter(([key]) => KEPT_ATTRIBUTES.includes(key))
    .map(([key, value]) => [labelForAttribute(key), value]);
  pairs.push(...repositoryLabel(attributes));
  for (const key of options.teamAttributeKeys) if (resource[key] !== undefined) pairs.push([labelForAttribute(key), resource[key]]);
  pairs.push(...Object.entries(options.targetLabels));
  pairs.sort(([a], [b]) => (a < b ? -1 : 1));
  const text = (list: [string, string][]) => list.map(([name, value]) => `${name}="${value}"`).join(",");
  const groupPairs: [string, string][] = [...pairs.filter(([name]) => name !== Label.sessionId), [ROLLUP_STEPS_LABEL, rollupSteps(options.ruleIntervalSeconds, options.rollupWindowSeconds)]];
  groupPairs.sort(([a], [b]) => (a < b ? -1 : 1));
  return {
    labels: `${Metric[metric].name}{${text(pairs)}}`,
    groupLabels: `{${text(groupPairs)}}`,
    levelLabels: writtenLevels(Metric[metric]).map(({ summedAway }) => `{${text(groupPairs.filter(([name]) => !summedAway.includes(name)))}}`),
  };
}

/**
 * Writes the session series' samples and adds its growth per rule window to
 * `recorded`: what `increase(...[interval] anchored)` sees in (end - interval, end],
 * the window's last sample minus the last one before the window (the start
 * zero is the series' first sample).
 */
function writeSessionSeries(options: HistoryOptions, series: SessionSeries, writer: BlockFiles, recorded: Map<string, RecordedGroup>): void {
  const scrape = options.scrapeIntervalSeconds;
  const rule = options.ruleIntervalSeconds;
  const createdAt = series.increments[0].at;
  const expiresAt = series.increments[series.increments.length - 1].at + options.expirationSeconds;
  const group = `${series.metric}${series.groupLabels}`;
  if (!recorded.has(group)) recorded.set(group, { metric: series.metric, labels: series.groupLabels, levelLabels: series.levelLabels, windows: new Map() });
  const windows = recorded.get(group)!.windows;

  let window = Math.ceil(createdAt / rule) * rule;
  let valueBeforeWindow = 0;
  let value = 0;
  const closeWindow = () => {
    if (value > valueBeforeWindow) windows.set(window, (windows.get(window) ?? 0) + (value - valueBeforeWindow));
    valueBeforeWindow = value;
  };

  const writeRaw = (value: number, at: number) => {
    if (!options.recordedOnly) writer.sample(series.labels, value, at);
  };
  writeRaw(0, createdAt);
  let next = 0;
  for (let at = Math.floor(createdAt / scrape) * scrape + scrape; at <= expiresAt; at += scrape) {
    const windowOfSample = Math.ceil(at / rule) * rule;
    if (windowOfSample !== window) {
      closeWindow();
      window = windowOfSample;
    }
    while (next < series.increments.length && series.increments[next].at <= at) value += series.increments[next++].value;
    writeRaw(value, at);
  }
  closeWindow();
}

/** The recording rules' series of one metric and label set: its per-interval sums by evaluation time. */
interface RecordedGroup {
  readonly metric: MetricKey;
  readonly labels: string;
  readonly levelLabels: readonly string[];
  readonly windows: Map<number, number>;
}

interface OpenFile {
  readonly path: string;
  readonly fd: number;
  /** Each series' number in this file. */
  readonly ids: Map<string, number>;
  buffer: string[];
  size: number;
}

/**
 * Sample files, one per block of BLOCK_HOURS, in the form testkit/block-writer
 * reads (each series' labels once, then its number on every sample), appended
 * in large writes; a file is complete once the writer has moved past its block's end.
 */
class BlockFiles {
  samples = 0;
  /** Blocks a file was written for. */
  readonly blocks = new Set<number>();
  private readonly open = new Map<number, OpenFile>();
  /** The import of the last completed file. */
  private importing = Promise.resolve();

  constructor(
    private readonly dir: string,
    /** Distinguishes this writer's files from other passes' files of the same blocks. */
    private readonly prefix: string,
    private readonly blockWritten: (file: string) => Promise<void>,
  ) {}

  sample(series: string, value: number, atSeconds: number): void {
    const block = Math.floor(atSeconds / (BLOCK_HOURS * 3600));
    let file = this.open.get(block);
    if (!file) {
      if (this.blocks.has(block)) throw new Error(`a sample at ${atSeconds} arrived after block ${block} was complete`);
      const filePath = path.join(this.dir, `${this.prefix}-block-${block}.samples`);
      file = { path: filePath, fd: fs.openSync(filePath, "w"), ids: new Map(), buffer: [], size: 0 };
      this.open.set(block, file);
      this.blocks.add(block);
    }
    let id = file.ids.get(series);
    if (id === undefined) {
      id = file.ids.size;
      file.ids.set(series, id);
      file.buffer.push(`=${id}\t${tabSeparatedLabels(series)}\n`);
    }
    const line = `${id} ${Math.round(atSeconds * 1000)} ${value}\n`;
    file.buffer.push(line);
    file.size += line.length;
    this.samples++;
    if (file.size > 16 * 1024 * 1024) flush(file);
  }

  /** Completes every file whose block ends at or before `seconds`: nothing earlier will be written. */
  async completeBefore(seconds: number): Promise<void> {
    const blockSeconds = BLOCK_HOURS * 3600;
    for (const block of [...this.open.keys()].sort((a, b) => a - b)) if ((block + 1) * blockSeconds <= seconds) await this.complete(block);
  }

  /** Completes every file and waits for the last import. */
  async close(): Promise<void> {
    await this.completeBefore(Infinity);
    await this.importing;
  }

  private async complete(block: number): Promise<void> {
    const file = this.open.get(block)!;
    flush(file);
    fs.closeSync(file.fd);
    this.open.delete(block);
    // One file imports while the next is written; the one after waits for it.
    await this.importing;
    this.importing = this.blockWritten(file.path);
  }
}

/** name{a="b",c="d"} as __name__, name, a, b, c, d separated by tabs. */
function tabSeparatedLabels(series: string): string {
  const brace = series.indexOf("{");
  const pairs = [...series.slice(brace).matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"/g)].map(([, name, value]) => `${name}\t${value}`);
  return [`__name__\t${series.slice(0, brace)}`, ...pairs].join("\t");
}

function flush(file: OpenFile): void {
  fs.writeSync(file.fd, file.buffer.join(""));
  file.buffer = [];
  file.size = 0;
}
