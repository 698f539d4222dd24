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

/** An OTLP/JSON request with one cumulative token-usage data point per attribute set. */
export function metricsJson(type: string, attributeSets: readonly Record<string, string>[]): string {
  const now = Date.now();
  const dataPoints = attributeSets.map((attributes) => ({
    asDouble: 1,
    startTimeUnixNano: `${now - 1000}000000`,
    timeUnixNano: `${now}000000`,
    attributes: Object.entries({ ...attributes, type }).map(([key, value]) => ({ key, value: { stringValue: value } })),
  }));
  return JSON.stringify({
    resourceMetrics: [
      {
        resource: { attributes: [] },
        scopeMetrics: [{ metrics: [{ name: Metric.tokens.otelName, unit: "tokens", sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints } }] }],
      },
    ],
  });
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
