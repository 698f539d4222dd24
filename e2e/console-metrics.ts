/**
 * Reads the metric dumps of Claude Code's console exporter (enabled beside the
 * OTLP one) from a session's terminal output: the CLI's own account of what it
 * counted, before any Collector, Prometheus or query touched it.
 */

export interface ConsolePoint {
  readonly metric: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly start: number;
  readonly end: number;
  readonly value: number;
}

const ANSI = /\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r/g;
const POINT =
  /attributes: \{([^{}]*)\},\s*startTime: \[ (\d+), (\d+) \],\s*endTime: \[ (\d+), (\d+) \],\s*value: ([-\d.e+]+),/g;
const ATTRIBUTE = /^\s*"?([\w.]+)"?: (?:"([^"]*)"|([\w.-]+)),?\s*$/;

export function parseConsoleMetrics(output: string): ConsolePoint[] {
  const text = output.replace(ANSI, "");
  const points: ConsolePoint[] = [];
  const blocks = text.split(/descriptor: \{\s*name: "/).slice(1);
  for (const block of blocks) {
    const metric = block.slice(0, block.indexOf('"'));
    for (const match of block.matchAll(POINT)) {
      const attributes: Record<string, string> = {};
      for (const line of match[1].split("\n")) {
        const pair = ATTRIBUTE.exec(line);
        if (pair) attributes[pair[1]] = pair[2] ?? pair[3];
      }
      points.push({
        metric,
        attributes,
        start: Number(match[2]) + Number(match[3]) / 1e9,
        end: Number(match[4]) + Number(match[5]) / 1e9,
        value: Number(match[6]),
      });
    }
  }
  return points;
}

/**
 * Total of a counter over all exports, whatever the temporality: points that
 * share a start time are successive cumulative values (the last one counts),
 * points with a new start time are new deltas (each counts).
 */
export function consoleTotal(points: readonly ConsolePoint[], metric: string, match: Readonly<Record<string, string>> = {}): number {
  const series = new Map<string, ConsolePoint[]>();
  for (const point of points) {
    if (point.metric !== metric) continue;
    if (!Object.entries(match).every(([key, value]) => point.attributes[key] === value)) continue;
    const key = JSON.stringify(Object.entries(point.attributes).sort());
    series.set(key, [...(series.get(key) ?? []), point]);
  }
  let total = 0;
  for (const list of series.values()) {
    const byStart = new Map<number, ConsolePoint>();
    for (const point of list) {
      const previous = byStart.get(point.start);
      if (!previous || point.end >= previous.end) byStart.set(point.start, point);
    }
    for (const point of byStart.values()) total += point.value;
  }
  return total;
}
