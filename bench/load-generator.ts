/**
 * Behaves like many Claude Code clients at once: the same eight instruments,
 * names, units and attributes, delta temporality by default, one OTLP gRPC
 * exporter per simulated developer (each developer runs one Claude Code
 * process at a time), and optionally Claude Code's events as OTLP logs. It
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
import { Metric, MetricKey } from "../dashboards/catalog";
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
}

type Instruments = Record<MetricKey, Counter>;

export async function generateLoad(options: LoadOptions): Promise<SentTotals> {
  const totals = emptyTotals();
  const teams = options.teams ?? DEFAULT_TEAMS;
  const models = options.models ?? DEFAULT_MODELS;
  const sessionMillis = options.durationMillis / options.sessionsPerDeveloperPerDay;
  const requestGapMillis = sessionMillis / (options.requestsPerSession + 1);
  const started = Date.now();

  await Promise.all(
    Array.from({ length: options.developers }, async (_, index) => {
      const who = developer(index, teams);
      const random = seededRandom(index + 1);
      while (Date.now() - started + sessionMillis <= options.durationMillis + 1) {
        const provider = meterProvider(options, who.resource, totals);
        const instruments = createInstruments(provider.getMeter("com.anthropic.claude_code"));
        const record: RecordMeasurement = (metric, value, attributes) => instruments[metric].add(value, attributes);
        const events = options.events ? loggerProvider(options, who.resource) : undefined;
        const logger = events?.getLogger("com.anthropic.claude_code.events");
        // Claude Code also puts the resource's team attributes on every event.
        const emit: EmitEvent = (name, attributes) =>
          logger!.emit({ body: `claude_code.${name}`, attributes: { ...who.resource, ...attributes, "event.name": name, "event.timestamp": new Date().toISOString() } });
        const session = sessionAttributes(randomUUID(), who.userId);
        startSession(record, session, totals);
        for (let request = 0; request < options.requestsPerSession; request++) {
          await sleep(requestGapMillis * (0.5 + random()));
          const model = models[Math.floor(random() * models.length)];
          simulateRequest(record, session, model, random, totals);
          if (logger) simulateEvents(emit, session, model, random, totals);
        }
        await Promise.all([provider.shutdown(), events?.shutdown()]);
      }
    }),
  );
  return totals;
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
