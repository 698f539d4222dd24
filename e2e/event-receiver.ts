/**
 * Receives Claude Code's events (OTLP logs over HTTP/JSON). The CLI's own
 * api_request events carry the cost of every request: the cost oracle.
 */
import * as http from "http";
import { AddressInfo } from "net";

export interface ClaudeEvent {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string | number | boolean>>;
  readonly resource: Readonly<Record<string, string | number | boolean>>;
}

export class EventReceiver {
  readonly events: ClaudeEvent[] = [];
  private server?: http.Server;

  /** Starts listening; returns the logs endpoint URL. */
  async start(): Promise<string> {
    this.server = http.createServer((request, response) => {
      let body = "";
      request.on("data", (chunk) => (body += chunk));
      request.on("end", () => {
        try {
          this.collect(JSON.parse(body));
          response.writeHead(200, { "content-type": "application/json" });
          response.end("{}");
        } catch (error) {
          response.writeHead(400);
          response.end(String(error));
        }
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1/logs`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  named(name: string): ClaudeEvent[] {
    return this.events.filter((event) => event.name === name);
  }

  private collect(payload: any): void {
    for (const resourceLogs of payload.resourceLogs ?? []) {
      const resource = attributesOf(resourceLogs.resource?.attributes);
      for (const scopeLogs of resourceLogs.scopeLogs ?? []) {
        for (const record of scopeLogs.logRecords ?? []) {
          const attributes = attributesOf(record.attributes);
          const name = String(attributes["event.name"] ?? record.body?.stringValue ?? "").replace(/^claude_code\./, "");
          this.events.push({ name, attributes, resource });
        }
      }
    }
  }
}

function attributesOf(list: any[] | undefined): Record<string, string | number | boolean> {
  const result: Record<string, string | number | boolean> = {};
  for (const { key, value } of list ?? []) {
    if (value?.stringValue !== undefined) result[key] = value.stringValue;
    else if (value?.doubleValue !== undefined) result[key] = Number(value.doubleValue);
    else if (value?.intValue !== undefined) result[key] = Number(value.intValue);
    else if (value?.boolValue !== undefined) result[key] = Boolean(value.boolValue);
  }
  return result;
}
