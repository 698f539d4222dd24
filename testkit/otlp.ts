/** Sending OTLP/HTTP by hand, as a client holding a team token would: bad input, floods and marker series. */
import * as http from "http";
import * as https from "https";
import { Metric } from "../telemetry/catalog";

/** The Collector's OTLP/HTTP port, and the token to send. */
export interface OtlpEndpoint {
  /** Host name the certificate is for; the connection goes to 127.0.0.1. */
  readonly host: string;
  readonly port: number;
  /** PEM of the certificate the Collector serves. @default - plain HTTP */
  readonly ca?: string;
  readonly token: string;
}

/** One data point of a monotonic sum, its window in Unix milliseconds. */
export interface SumPoint {
  readonly value: number;
  readonly startMs: number;
  readonly timeMs: number;
  readonly attributes: Record<string, string>;
}

/** The OpenTelemetry temporality codes of OTLP. */
export const Temporality = { delta: 1, cumulative: 2 } as const;

/** An OTLP/JSON request with one monotonic sum. */
export function sumJson(name: string, unit: string, temporality: number, points: readonly SumPoint[]): string {
  const dataPoints = points.map((point) => ({
    asDouble: point.value,
    startTimeUnixNano: `${point.startMs}000000`,
    timeUnixNano: `${point.timeMs}000000`,
    attributes: Object.entries(point.attributes).map(([key, value]) => ({ key, value: { stringValue: value } })),
  }));
  return JSON.stringify({
    resourceMetrics: [
      {
        resource: { attributes: [] },
        scopeMetrics: [{ metrics: [{ name, unit, sum: { aggregationTemporality: temporality, isMonotonic: true, dataPoints } }] }],
      },
    ],
  });
}

/** An OTLP/JSON request with one cumulative token-usage data point per attribute set. */
export function metricsJson(type: string, attributeSets: readonly Record<string, string>[]): string {
  const now = Date.now();
  const points = attributeSets.map((attributes) => ({ value: 1, startMs: now - 1000, timeMs: now, attributes: { ...attributes, type } }));
  return sumJson(Metric.tokens.otelName, "tokens", Temporality.cumulative, points);
}

/** POSTs with the token (over TLS when the endpoint has a CA); the HTTP status, or 0 when the connection failed. */
export function postOtlp(target: OtlpEndpoint, path: string, body: Buffer | string, contentType: string): Promise<number> {
  return new Promise((resolve) => {
    const request = (target.ca === undefined ? http : https).request(
      {
        host: "127.0.0.1",
        servername: target.host,
        port: target.port,
        path,
        method: "POST",
        ca: target.ca,
        headers: { "content-type": contentType, authorization: `Bearer ${target.token}`, "content-length": Buffer.byteLength(body) },
      },
      (response) => {
        response.resume();
        response.on("end", () => resolve(response.statusCode ?? 0));
      },
    );
    request.on("error", () => resolve(0));
    request.end(body);
  });
}
