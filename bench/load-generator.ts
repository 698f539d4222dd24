/**
 * Behaves like many Claude Code clients at once: the same eight instruments,
 * names, units and attributes, delta temporality by default, one OTLP gRPC
 * exporter per simulated developer and session (each developer runs one
 * Claude Code process at a time), and optionally Claude Code's events as OTLP
 * logs. Past a few thousand developers one SDK instance each does not fit on
 * two cores: then several developers of a team share one SDK instance for the
 * whole run (`developersPerClient`), which sends their data points in the same
 * requests, each with its own user and session attributes. It
 * counts what it sent, so the same exactness oracle as the end-to-end test
 * can check what the dashboards show.
 */
import { Counter, Meter } from "@opentelemetry/api";
import { OTLPLogExporter } from "@opentelemetry/exporter-logs-otlp-grpc";
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-grpc";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchLogRecordProcessor, LoggerProvider } from "@opentelemetry/sdk-logs";
import { AggregationTemporality, MeterProvider, PeriodicExportingMetricReader, PushMetricExporter } from "@opentelemetry/sdk-metrics";
import { randomUUID } from "crypto";
import { Metric, MetricKey } from "../telemetry/catalog";
import {
  Attributes,
  DEFAULT_MODELS,
  EmitEvent,
  DEFAULT_TEAMS,
  RecordMeasurement,
  SentTotals,
  developer,
  emptyTotals,
  seededRandom,
  sessionAttributes,
  sessionRepository,
  simulateEvents,
  simulateRequest,
  startSession,
} from "./session-model";

/** Claude Code's default OTEL_LOGS_EXPORT_INTERVAL. */
const EVENT_EXPORT_INTERVAL_MS = 5000;

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
  /** Also emit Claude Code's events (OTLP logs) around every request. @default false */
  readonly events?: boolean;
  /** Developers of the same team sharing one SDK instance for the whole run; 1 means one per developer and session. @default 1 */
  readonly developersPerClient?: number;
}

/** One SDK instance: what a Claude Code process (or, shared, several) records and emits through. */
interface Client {
  readonly record: RecordMeasurement;
  readonly emit?: EmitEvent;
  shutdown(): Promise<unknown>;
}

type Instruments = Record<MetricKey, Counter>;

export async function generateLoad(options: LoadOptions): Promise<SentTotals> {
  const totals = emptyTotals();
  const teams = options.teams ?? DEFAULT_TEAMS;
  const models = options.models ?? DEFAULT_MODELS;
  const sessionMillis = options.durationMillis / options.sessionsPerDeveloperPerDay;
  const requestGapMillis = sessionMillis / (options.requestsPerSession + 1);
  const started = Date.now();
  const perClient = options.developersPerClient ?? 1;

  const runDeveloper = async (index: number, shared: Client | undefined) => {
    const who = developer(index, teams);
    const random = seededRandom(index + 1);
    while (Date.now() - started + sessionMillis <= options.durationMillis + 1) {
      const client = shared ?? sdkClient(options, who.resource, totals);
      const session = sessionAttributes(randomUUID(), who.userId, sessionRepository(who, random));
      startSession(client.record, session, totals);
      for (let request = 0; request < options.requestsPerSession; request++) {
        await sleep(requestGapMillis * (0.5 + random()));
        const model = models[Math.floor(random() * models.length)];
        simulateRequest(client.record, session, model, random, totals);
        if (client.emit) simulateEvents(client.emit, session, model, random, totals);
      }
      if (!shared) await client.shutdown();
    }
  };
  await Promise.all(
    clientsOf(options.developers, teams, perClient).map(async (members) => {
      const shared = perClient > 1 ? sdkClient(options, developer(members[0], teams).resource, totals) : undefined;
      await Promise.all(members.map((index) => runDeveloper(index, shared)));
      await shared?.shutdown();
    }),
  );
  return totals;
}

/** Developer indices grouped by team, at most `perClient` to a group. */
function clientsOf(developers: number, teams: readonly string[], perClient: number): number[][] {
  const clients: number[][] = [];
  for (let team = 0; team < teams.length; team++) {
    const members = Array.from({ length: developers }, (_, index) => index).filter((index) => index % teams.length === team);
    for (let first = 0; first < members.length; first += perClient) clients.push(members.slice(first, first + perClient));
  }
  return clients;
}

function sdkClient(options: LoadOptions, teamAttributes: Attributes, totals: SentTotals): Client {
  const provider = meterProvider(options, teamAttributes, totals);
  const instruments = createInstruments(provider.getMeter("com.anthropic.claude_code"));
  const events = options.events ? loggerProvider(options, teamAttributes) : undefined;
  const logger = events?.getLogger("com.anthropic.claude_code.events");
  return {
    record: (metric, value, attributes) => instruments[metric].add(value, attributes),
    // Claude Code also puts the resource's team attributes on every event.
    emit: logger
      ? (name, attributes) =>
          logger.emit({ body: `claude_code.${name}`, attributes: { ...teamAttributes, ...attributes, "event.name": name, "event.timestamp": new Date().toISOString() } })
      : undefined,
    shutdown: () => Promise.all([provider.shutdown(), events?.shutdown()]),
  };
}

function meterProvider(options: LoadOptions, teamAttributes: Attributes, totals: SentTotals): MeterProvider {
  const exporter = countingExporter(
    new OTLPMetricExporter({
      url: options.endpoint,
      temporalityPreference: options.temporality === "cumulative" ? AggregationTemporality.CUMULATIVE : AggregationTemporality.DELTA,
    }),
    totals,
  );
  return new MeterProvider({
    resource: resourceFromAttributes({ "service.name": "claude-code", "service.version": "bench", ...teamAttributes }),
    readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: options.exportIntervalMillis })],
  });
}

function loggerProvider(options: LoadOptions, teamAttributes: Attributes): LoggerProvider {
  const exporter = new OTLPLogExporter({ url: options.endpoint });
  return new LoggerProvider({
    resource: resourceFromAttributes({ "service.name": "claude-code", "service.version": "bench", ...teamAttributes }),
    processors: [new BatchLogRecordProcessor({ exporter, scheduledDelayMillis: EVENT_EXPORT_INTERVAL_MS })],
  });
}

function createInstruments(meter: Meter): Instruments {
  const counter = (otelName: string, unit: string, description: string) => meter.createCounter(otelName, { unit, description });
  return {
    sessions: counter(Metric.sessions.otelName, "", "Count of CLI sessions started"),
    tokens: counter(Metric.tokens.otelName, "tokens", "Number of tokens used"),
    cost: counter(Metric.cost.otelName, "USD", "Cost of the Claude Code session"),
    activeTime: counter(Metric.activeTime.otelName, "s", "Total active time in seconds"),
    linesOfCode: counter(Metric.linesOfCode.otelName, "", "Count of lines of code modified"),
    commits: counter(Metric.commits.otelName, "", "Number of git commits created"),
    pullRequests: counter(Metric.pullRequests.otelName, "", "Number of pull requests created"),
    editDecisions: counter(Metric.editDecisions.otelName, "", "Count of code editing tool permission decisions"),
  };
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

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
