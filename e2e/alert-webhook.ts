/**
 * The test's own webhook receiver: Alertmanager posts every notification
 * here, and the test reads what arrived, when.
 */
import * as http from "http";
import { AddressInfo } from "net";

/** One alert of a notification, as Alertmanager's webhook sends it. */
export interface NotifiedAlert {
  readonly status: "firing" | "resolved";
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

/** One notification: one POST from Alertmanager, for one group of alerts. */
export interface Notification {
  readonly receivedAt: number;
  readonly status: "firing" | "resolved";
  readonly groupLabels: Readonly<Record<string, string>>;
  readonly alerts: readonly NotifiedAlert[];
}

export class AlertWebhook {
  readonly notifications: Notification[] = [];
  private server?: http.Server;

  /** Starts listening on `host`; returns the URL to give Alertmanager. */
  async start(host = "127.0.0.1"): Promise<string> {
    this.server = http.createServer((request, response) => {
      let body = "";
      request.on("data", (chunk) => (body += chunk));
      request.on("end", () => {
        try {
          const payload = JSON.parse(body);
          this.notifications.push({ receivedAt: Date.now(), status: payload.status, groupLabels: payload.groupLabels ?? {}, alerts: payload.alerts ?? [] });
          response.writeHead(200);
          response.end();
        } catch (error) {
          response.writeHead(400);
          response.end(String(error));
        }
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, host, resolve));
    return `http://${host}:${(this.server.address() as AddressInfo).port}/alerts`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Notifications of the group with these labels (e.g. alertname and team), in the order they came. */
  of(groupLabels: Readonly<Record<string, string>>, status?: "firing" | "resolved"): Notification[] {
    return this.notifications.filter(
      (n) => Object.entries(groupLabels).every(([key, value]) => n.groupLabels[key] === value) && (status === undefined || n.status === status),
    );
  }
}
