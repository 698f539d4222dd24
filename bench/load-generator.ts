/**
 * Behaves like many Claude Code clients at once: the same eight instruments,
 * names, units and attributes, delta temporality by default, one OTLP gRPC
 * exporter per simulated developer (each developer runs one Claude Code
 * process at a time). It counts what it sent, so the same exactness oracle as
 * the end-to-end test can check what the dashboards show.
 */
import { Counter, Meter } from "@opentelemetry/api";
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-grpc";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { AggregationTemporality, MeterProvider, PeriodicExportingMetricReader, PushMetricExporter } from "@opentelemetry/sdk-metrics";
import { randomUUID } from "crypto";
import { Metric } from "../dashboards/catalog";

export interface LoadOptions {
  /** OTLP gRPC endpoint of the Collector. */
  readonly endpoint: string;
  readonly developers: number;
  /** Sessions each developer starts per simulated day. */
  readonly sessionsPerDeveloperPerDay: number;
  readonly requestsPerSession: number;
  readonly exportIntervalMillis: number;
  /** Wall-clock length of the run; one simulated day is squeezed into it. */
  readonly durationMillis: number;
  readonly temporality?: "delta" | "cumulative";
  /** Team of developer n is teams[n % teams.length]. */
  readonly teams?: readonly string[];
  readonly models?: readonly string[];
}

/** What the generator sent, the oracle of a load run. */
export interface SentTotals {
  sessions: number;
  requests: number;
  tokens: Record<"input" | "output" | "cacheRead" | "cacheCreation", number>;
  cost: number;
  activeSeconds: Record<"user" | "cli", number>;
  linesAdded: number;
  linesRemoved: number;
  commits: number;
  pullRequests: number;
  /** Data points handed to the exporters (one per changed series per export). */
  exportedDataPoints: number;
  failedExports: number;
}

interface Instruments {
  sessions: Counter;
  tokens: Counter;
  cost: Counter;
  activeTime: Counter;
  lines: Counter;
  commits: Counter;
  pullRequests: Counter;
  editDecisions: Counter;
}

export async function generateLoad(options: LoadOptions): Promise<SentTotals> {
  const totals: SentTotals = {
    sessions: 0,
    requests: 0,
    tokens: { input: 0, output: 0, cacheRead: 0, cacheCreation: 0 },
    cost: 0,
    activeSeconds: { user: 0, cli: 0 },
    linesAdded: 0,
    linesRemoved: 0,
    commits: 0,
    pullRequests: 0,
    exportedDataPoints: 0,
    failedExports: 0,
  };
  const teams = options.teams ?? ["platform", "payments", "mobile", "data"];
  const models = options.models ?? ["claude-sonnet-5-5", "claude-haiku-5-5"];
  const sessionMillis = options.durationMillis / options.sessionsPerDeveloperPerDay;
  const requestGapMillis = sessionMillis / (options.requestsPerSession + 1);
  const started = Date.now();

  await Promise.all(
    Array.from({ length: options.developers }, async (_, index) => {
      const developer = { userId: `bench-user-${index}`, team: teams[index % teams.length] };
      const random = seededRandom(index + 1);
      while (Date.now() - started + sessionMillis <= options.durationMillis + 1) {
        const provider = meterProvider(options, developer.team, totals);
        const instruments = createInstruments(provider.getMeter("com.anthropic.claude_code"));
        const session = { "session.id": randomUUID(), "user.id": developer.userId, "terminal.type": "bench" };
        instruments.sessions.add(1, { ...session, start_type: "fresh" });
        totals.sessions++;
        for (let request = 0; request < options.requestsPerSession; request++) {
          await sleep(requestGapMillis * (0.5 + random()));
          simulateRequest(instruments, session, models[Math.floor(random() * models.length)], random, totals);
        }
        await provider.shutdown();
      }
    }),
  );
  return totals;
}

function meterProvider(options: LoadOptions, team: string, totals: SentTotals): MeterProvider {
  const exporter = countingExporter(
    new OTLPMetricExporter({
      url: options.endpoint,
      temporalityPreference: options.temporality === "cumulative" ? AggregationTemporality.CUMULATIVE : AggregationTemporality.DELTA,
    }),
    totals,
  );
  return new MeterProvider({
    resource: resourceFromAttributes({ "service.name": "claude-code", "service.version": "bench", "team.id": team, department: `dept-${team}` }),
    readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: options.exportIntervalMillis })],
  });
}

function createInstruments(meter: Meter): Instruments {
  const counter = (otelName: string, unit: string, description: string) => meter.createCounter(otelName, { unit, description });
  return {
    sessions: counter(Metric.sessions.otelName, "", "Count of CLI sessions started"),
    tokens: counter(Metric.tokens.otelName, "tokens", "Number of tokens used"),
    cost: counter(Metric.cost.otelName, "USD", "Cost of the Claude Code session"),
    activeTime: counter(Metric.activeTime.otelName, "s", "Total active time in seconds"),
    lines: counter(Metric.linesOfCode.otelName, "", "Count of lines of code modified"),
    commits: counter(Metric.commits.otelName, "", "Number of git commits created"),
    pullRequests: counter(Metric.pullRequests.otelName, "", "Number of pull requests created"),
    editDecisions: counter(Metric.editDecisions.otelName, "", "Count of code editing tool permission decisions"),
  };
}

/** One API request and what a real session does around it. */
function simulateRequest(instruments: Instruments, session: Record<string, string>, model: string, random: () => number, totals: SentTotals): void {
  const usage = {
    input: 200 + Math.floor(random() * 3000),
    output: 50 + Math.floor(random() * 1500),
    cacheRead: Math.floor(random() * 40000),
    cacheCreation: Math.floor(random() * 4000),
  };
  for (const [type, count] of Object.entries(usage) as [keyof typeof usage, number][]) {
    instruments.tokens.add(count, { ...session, model, type, query_source: "main" });
    totals.tokens[type] += count;
  }
  // Micro-dollars keep the sum exact in floating point.
  const cost = Math.round(usage.input * 3 + usage.output * 15 + usage.cacheRead * 0.3 + usage.cacheCreation * 3.75) / 1e6;
  instruments.cost.add(cost, { ...session, model, query_source: "main" });
  totals.cost += cost;
  const cli = Math.round(random() * 20_000) / 1000;
  const user = Math.round(random() * 30_000) / 1000;
  instruments.activeTime.add(cli, { ...session, type: "cli" });
  instruments.activeTime.add(user, { ...session, type: "user" });
  totals.activeSeconds.cli += cli;
  totals.activeSeconds.user += user;
  totals.requests++;
  if (random() < 0.3) {
    const added = 1 + Math.floor(random() * 40);
    const removed = Math.floor(random() * 20);
    const decision = random() < 0.85 ? "accept" : "reject";
    instruments.editDecisions.add(1, { ...session, tool_name: "Edit", decision, source: "config", language: "TypeScript" });
    if (decision === "accept") {
      instruments.lines.add(added, { ...session, model, type: "added" });
      instruments.lines.add(removed, { ...session, model, type: "removed" });
      totals.linesAdded += added;
      totals.linesRemoved += removed;
    }
  }
  if (random() < 0.05) {
    instruments.commits.add(1, session);
    totals.commits++;
  }
  if (random() < 0.01) {
    instruments.pullRequests.add(1, session);
    totals.pullRequests++;
  }
}

/** Wraps an exporter to count the data points it hands over and the exports that fail. */
function countingExporter(exporter: PushMetricExporter, totals: SentTotals): PushMetricExporter {
  return {
    export(metrics, resultCallback) {
      const points = metrics.scopeMetrics.reduce((sum, scope) => sum + scope.metrics.reduce((s, m) => s + m.dataPoints.length, 0), 0);
      exporter.export(metrics, (result) => {
        if (result.code === 0) totals.exportedDataPoints += points;
        else totals.failedExports++;
        resultCallback(result);
      });
    },
    forceFlush: () => exporter.forceFlush(),
    shutdown: () => exporter.shutdown(),
    selectAggregationTemporality: exporter.selectAggregationTemporality?.bind(exporter),
    selectAggregation: exporter.selectAggregation?.bind(exporter),
  };
}

function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
