import { stringify } from "yaml";
import { AlertingConfig, ReceiverConfig } from "../config/alerting-config";
import { BUDGET_LABEL, Label, SEVERITY_LABEL, Severity } from "../telemetry/catalog";
import { escapeRegex } from "./alert-rules";

/** What the Alertmanager configuration depends on. */
export interface AlertmanagerConfigOptions {
  readonly alerting: AlertingConfig;
  /** Label of the team attribute that budgets and routes use, e.g. team_id. */
  readonly teamLabel: string;
  /** Folder in the container of the receivers' secrets, one file per receiver named after it. */
  readonly secretsDir: string;
}

/** Receiver that sends nowhere: alerts no route takes when `alerting.defaultReceiver` is "". */
export const NO_RECEIVER = "none";

/** How long a new problem waits for others of its group before the first notification. */
const GROUP_WAIT = "30s";

/**
 * Renders alertmanager.yml. Alerts are grouped by alert and team (and user),
 * so a team gets one message per problem, and a budget alert at 100 %
 * silences the warning of the same budget and team. Every secret is a file
 * (`*_file` settings), written from a sensitive Terraform variable.
 */
export function renderAlertmanagerConfig(options: AlertmanagerConfigOptions): string {
  const { alerting, teamLabel } = options;
  const receivers = Object.entries(alerting.receivers).sort(([a], [b]) => a.localeCompare(b));
  const config = {
    route: {
      receiver: alerting.defaultReceiver || NO_RECEIVER,
      group_by: ["alertname", teamLabel, Label.userId],
      group_wait: GROUP_WAIT,
      group_interval: alerting.groupInterval,
      repeat_interval: alerting.repeatInterval,
      routes: alerting.routes.map((route) => ({
        matchers: [`${teamLabel}=~"${route.teams.map(escapeRegex).join("|")}"`],
        receiver: route.receiver,
      })),
    },
    inhibit_rules: [
      {
        source_matchers: [`${SEVERITY_LABEL}="${Severity.critical}"`, `${BUDGET_LABEL}=~".+"`],
        target_matchers: [`${SEVERITY_LABEL}="${Severity.warning}"`, `${BUDGET_LABEL}=~".+"`],
        equal: [BUDGET_LABEL, teamLabel],
      },
    ],
    receivers: [
      { name: NO_RECEIVER },
      ...receivers.map(([name, receiver]) => ({ name, ...receiverConfig(receiver, `${options.secretsDir}/${name}`) })),
    ],
  };
  return stringify(config, { lineWidth: 0 });
}

/** The receivers that need a secret file, by name: all of them (a URL or an SMTP password), except e-mail without a user. */
export function receiversWithSecrets(alerting: AlertingConfig): string[] {
  return Object.entries(alerting.receivers)
    .filter(([, receiver]) => receiver.type !== "email" || (receiver.username ?? "") !== "")
    .map(([name]) => name)
    .sort();
}

const SUMMARY = "{{ .CommonAnnotations.summary }}";
const DESCRIPTIONS = '{{ range .Alerts }}{{ if eq .Status "resolved" }}resolved: {{ end }}{{ .Annotations.description }}{{ if .Annotations.dashboard }} {{ .Annotations.dashboard }}{{ end }}\n{{ end }}';

function receiverConfig(receiver: ReceiverConfig, secretFile: string): object {
  switch (receiver.type) {
    case "webhook":
      return { webhook_configs: [{ url_file: secretFile, send_resolved: true }] };
    case "slack":
      return {
        slack_configs: [
          { api_url_file: secretFile, ...(receiver.channel ? { channel: receiver.channel } : {}), send_resolved: true, title: SUMMARY, text: DESCRIPTIONS },
        ],
      };
    case "email": {
      const user = receiver.username ?? "";
      return {
        email_configs: [
          {
            to: receiver.to,
            from: receiver.from,
            smarthost: receiver.smarthost,
            ...(user !== "" ? { auth_username: user, auth_password_file: secretFile } : {}),
            send_resolved: true,
            headers: { Subject: SUMMARY },
          },
        ],
      };
    }
  }
}
