import { ResourceChange, summarizePlan } from "../scripts/plan-summary";
import { resolveConfig } from "../config/stack-config";
import { renderAlertRules } from "../renderers/alert-rules";
import { renderAlertmanagerConfig } from "../renderers/alertmanager-config";

function change(address: string, actions: string[], extra: Partial<ResourceChange["change"]> = {}): ResourceChange {
  const [type, name] = address.split(".");
  const values = extra.after ?? extra.before ?? {};
  return { address, mode: "managed", type, name, change: { actions, before: values, after: values, ...extra } };
}

const unchangedVolume = change("docker_volume.prometheus-data", ["no-op"], { before: { name: "stack-prometheus-data" } });
const unchangedNetwork = change("docker_network.network", ["no-op"], { before: { name: "stack-net" } });

describe("plan summary", () => {
  test("a fork's retention change: the Prometheus container is replaced, volumes unchanged", () => {
    const summary = summarizePlan({
      resource_changes: [
        change("docker_container.prometheus_container_4574EB90", ["delete", "create"], { after: { name: "stack-prometheus" }, replace_paths: [["upload"], ["upload"]] }),
        unchangedVolume,
        unchangedNetwork,
      ],
      output_changes: { prometheus_url: { actions: ["no-op"] } },
    });
    expect(summary.hasChanges).toBe(true);
    expect(summary.warnings).toEqual([]);
    expect(summary.markdown).toBe(
      [
        "### Terraform plan",
        "",
        "0 to create, 0 to update in place, 1 to replace, 0 to destroy; 2 unchanged.",
        "",
        "- replaced: Prometheus container `stack-prometheus` (upload)",
        "- volumes: unchanged",
        "",
      ].join("\n"),
    );
  });

  test("a destroyed volume and a new password come first, as warnings", () => {
    const summary = summarizePlan({
      resource_changes: [
        change("docker_volume.grafana-data", ["delete"], { before: { name: "stack-grafana-data" }, after: null }),
        change("random_password.grafana-admin-password_generated_1A2B3C4D", ["delete", "create"], { before: { result: "secret-value" }, replace_paths: [["length"]] }),
      ],
    });
    expect(summary.warnings).toHaveLength(2);
    expect(summary.markdown.split("\n").slice(2, 5)).toEqual([
      "> [!WARNING]",
      "> Grafana data volume `stack-grafana-data` is destroyed: **all the data in it is deleted**. Back it up first (README, \"Data retention\").",
      "> The Grafana admin password is replaced: the new one no longer matches the one Grafana stored when its database was created.",
    ]);
    expect(summary.markdown).toContain("- replaced: Grafana admin password (length)");
    expect(summary.markdown).not.toContain("secret-value");
    expect(summary.markdown).not.toContain("volumes: unchanged");
  });

  test("an in-place update names the attributes that change, values never", () => {
    const summary = summarizePlan({
      resource_changes: [
        change("grafana_dashboard.grafana-content_dashboard-claude-code_5E6F7A8B", ["update"], {
          before: { config_json: "{old}", folder: "claude-code", overwrite: true },
          after: { config_json: "{new}", folder: "claude-code", overwrite: true },
        }),
      ],
    });
    expect(summary.changes).toEqual([
      { kind: "updated in place", resource: "Grafana dashboard", address: "grafana_dashboard.grafana-content_dashboard-claude-code_5E6F7A8B", attributes: ["config_json"] },
    ]);
    expect(summary.markdown).not.toContain("{new}");
  });

  test("created, destroyed and changed outputs", () => {
    const summary = summarizePlan({
      resource_changes: [
        change("docker_network.network", ["create"], { before: null, after: { name: "stack-net" } }),
        change("docker_container.grafana_container_11111111", ["delete"], { before: { name: "stack-grafana" }, after: null }),
      ],
      output_changes: { claude_code_settings: { actions: ["update"] }, grafana_url: { actions: ["delete"] } },
    });
    expect(summary.markdown).toContain("1 to create, 0 to update in place, 0 to replace, 1 to destroy; 0 unchanged.");
    expect(summary.markdown).toContain("- created: stack network `stack-net`");
    expect(summary.markdown).toContain("- destroyed: Grafana container `stack-grafana`");
    expect(summary.markdown).toContain("- outputs changed: claude_code_settings, grafana_url");
  });

  test("budget, alert, receiver and route changes in words, from the files the plan uploads", () => {
    const files = (overrides: object) => {
      const config = resolveConfig(overrides);
      const rules = renderAlertRules({ interval: "1m", scrapeInterval: "10s", budgets: config.budgets, alerting: config.alerting, teamLabel: "team_id" });
      const alertmanager = renderAlertmanagerConfig({ alerting: config.alerting, teamLabel: "team_id", secretsDir: "/s" });
      return { prometheus: { name: "stack-prometheus", upload: [{ file: "/etc/prometheus/alert-rules.yml", content: rules }] }, alertmanager: { name: "stack-alertmanager", upload: [{ file: "/etc/alertmanager/alertmanager.yml", content: alertmanager }] } };
    };
    const before = files({ budgets: { teams: { payments: { dailyUsd: 200 } }, otherTeams: { monthlyUsd: 1000 } } });
    const after = files({
      budgets: { teams: { payments: { dailyUsd: 300 }, mobile: { dailyUsd: 50 } } },
      alerting: { apiErrorRatio: 0.5, receivers: { ops: { type: "webhook" } }, routes: [{ teams: ["payments"], receiver: "ops" }] },
    });
    const summary = summarizePlan({
      resource_changes: [
        change("docker_container.prometheus_container_4574EB90", ["delete", "create"], { before: before.prometheus, after: after.prometheus, replace_paths: [["upload"]] }),
        change("docker_container.alertmanager_container_9962CF4A", ["delete", "create"], { before: before.alertmanager, after: after.alertmanager, replace_paths: [["upload"]] }),
      ],
    });
    expect(summary.alerting).toEqual([
      "Budget of team `mobile`, daily: none -> $50.00",
      "Budget of other teams, monthly: $1000.00 -> none",
      "Budget of team `payments`, daily: $200.00 -> $300.00",
      "Budget of team `payments`, monthly: $1000.00 -> none",
      "Alert `ApiErrorRate` changes its condition (a threshold or its duration)",
      "Receiver `ops` is new",
      'Route team_id=~"payments" -> ops is new',
    ]);
    expect(summary.markdown).toContain("Budgets and alerts:\n- Budget of team `mobile`, daily: none -> $50.00\n");
  });

  test("no changes", () => {
    const summary = summarizePlan({ resource_changes: [unchangedVolume], output_changes: { prometheus_url: { actions: ["no-op"] } } });
    expect(summary.hasChanges).toBe(false);
    expect(summary.markdown).toContain("- volumes: unchanged\nNo changes.");
  });
});
