/**
 * Receives Claude Code's events (OTLP logs over HTTP/JSON) and passes them on to
 * the stack's Collector. The CLI's own events are the oracle of cost and of
 * every metric the Collector derives from events.
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

  /**
   * @param forwardTo OTLP/HTTP logs endpoint (the stack's Collector) that gets
   * every payload after it is recorded, so the Collector sees exactly the events
   * the oracle counts. Forwarding retries while the Collector is down.
   */
  constructor(private readonly forwardTo?: string) {}

  /** Starts listening; returns the logs endpoint URL. */
  async start(): Promise<string> {
    this.server = http.createServer((request, response) => {
      let body = "";
      request.on("data", (chunk) => (body += chunk));
      request.on("end", () => {
        try {
          this.collect(JSON.parse(body));
          if (this.forwardTo) this.pending.push(this.forward(body));
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
    await Promise.all(this.pending);
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private readonly pending: Promise<void>[] = [];

  private async forward(body: string): Promise<void> {
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      const response = await fetch(this.forwardTo!, { method: "POST", headers: { "content-type": "application/json" }, body }).catch(() => undefined);
      if (response?.ok) return;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    throw new Error(`the Collector at ${this.forwardTo} did not take an events payload within 120 s`);
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
