/**
 * VictoriaMetrics single-node, the engine the benchmark compares the stack
 * with: run from the binary buildVictoriaMetrics makes, on loopback, fed the
 * benchmark's sample files (the form testkit/block-writer reads) through its
 * JSON-line import API, and read through its Prometheus-compatible query API.
 */
import * as fs from "fs";
import * as path from "path";
import * as readline from "readline";
import { ManagedProcess, answersOk, freePort } from "./processes";

export interface RunningVictoriaMetrics {
  /** Its Prometheus-compatible HTTP API. */
  readonly url: string;
  /** Imports one sample file; returns how many samples it held. */
  importSampleFile(file: string): Promise<number>;
  /** Makes everything imported so far searchable (VictoriaMetrics buffers new samples for up to a second or two). */
  flush(): Promise<void>;
  readonly process: ManagedProcess;
}

/** Bytes of JSON lines sent in one import request. */
const IMPORT_REQUEST_BYTES = 16 * 1024 * 1024;
/** Samples read from a file before those held are sent. */
const IMPORT_BATCH_SAMPLES = 5_000_000;

/**
 * VictoriaMetrics on `dir`, keeping `retentionDays` (its default, one month,
 * would drop the oldest history on import). Its defaults otherwise, but for
 * the cache of range query results: with it, every round after the first of
 * a timed load would read the answers of the first.
 */
export async function startVictoriaMetrics(binary: string, dir: string, retentionDays: number): Promise<RunningVictoriaMetrics> {
  fs.mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const process = new ManagedProcess(
    "VictoriaMetrics",
    binary,
    [`-storageDataPath=${path.join(dir, "data")}`, `-httpListenAddr=127.0.0.1:${port}`, `-retentionPeriod=${retentionDays}d`, "-search.disableCache"],
    path.join(dir, "victoria-metrics.log"),
    () => answersOk(`${url}/health`),
  );
  await process.start();
  return {
    url,
    process,
    importSampleFile: (file) => importSampleFile(url, file),
    flush: async () => {
      const response = await fetch(`${url}/internal/force_flush`);
      if (!response.ok) throw new Error(`VictoriaMetrics did not flush: HTTP ${response.status} ${await response.text()}`);
    },
  };
}

/**
 * One sample file as JSON lines, `{"metric":{...},"values":[...],"timestamps":[...]}`,
 * each line a series' samples since its last line: the samples held in memory
 * are sent every IMPORT_BATCH_SAMPLES (a block file of 1,000 developers holds
 * about 100 million).
 */
async function importSampleFile(url: string, file: string): Promise<number> {
  const series: { metric: Record<string, string>; values: number[]; timestamps: number[] }[] = [];
  let samples = 0;
  let held = 0;
  const send = async () => {
    let body: string[] = [];
    let bytes = 0;
    const post = async () => {
      if (body.length === 0) return;
      const response = await fetch(`${url}/api/v1/import`, { method: "POST", body: body.join("") });
      if (!response.ok) throw new Error(`VictoriaMetrics refused an import of ${file}: HTTP ${response.status} ${await response.text()}`);
      body = [];
      bytes = 0;
    };
    for (const one of series) {
      if (one.values.length === 0) continue;
      const line = `${JSON.stringify(one)}\n`;
      body.push(line);
      bytes += line.length;
      one.values = [];
      one.timestamps = [];
      if (bytes >= IMPORT_REQUEST_BYTES) await post();
    }
    await post();
    held = 0;
  };
  for await (const line of readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity })) {
    if (line.startsWith("=")) {
      const [id, ...pairs] = line.slice(1).split("\t");
      if (Number(id) !== series.length) throw new Error(`${file}: series ${id} defined out of order`);
      const metric: Record<string, string> = {};
      for (let i = 0; i < pairs.length; i += 2) metric[pairs[i]] = pairs[i + 1];
      series.push({ metric, values: [], timestamps: [] });
    } else if (line) {
      const [id, millis, value] = line.split(" ");
      const one = series[Number(id)];
      one.timestamps.push(Number(millis));
      one.values.push(Number(value));
      samples++;
      if (++held === IMPORT_BATCH_SAMPLES) await send();
    }
  }
  await send();
  return samples;
}
