import { DockerProvider } from "@cdktf/provider-docker/lib/provider";
import { Network } from "@cdktf/provider-docker/lib/network";
import { Volume } from "@cdktf/provider-docker/lib/volume";
import { RandomProvider } from "@cdktf/provider-random/lib/provider";
import { Fn, LocalBackend, TerraformOutput, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import * as path from "path";
import { StackConfig, resolveConfig } from "../config/stack-config";
import { stackDashboardConfig } from "../dashboards/config";
import { allDashboards } from "../dashboards";
import { MAIN_DASHBOARD_UID } from "../dashboards/main";
import { claudeCodeEnv } from "../renderers/claude-code-env";
import { RULES_FILE } from "../renderers/recording-rules";
import { ALERT_RULES_FILE } from "../renderers/alert-rules";
import { storedData } from "../renderers/stored-data";
import { labelForAttribute } from "../telemetry/catalog";
import { budgetTeamAttribute } from "../config/alerting-config";
import { AdminPassword } from "./admin-password";
import { AlertmanagerServer } from "./alertmanager-server";
import { GrafanaApiToken } from "./grafana-api-token";
import { GrafanaContent } from "./grafana-content";
import { GrafanaServer } from "./grafana-server";
import { KeptWhenRemoved } from "./kept-when-removed";
import { OtelCollector } from "./otel-collector";
import { PrometheusLogin } from "./prometheus-login";
import { CentralStoreProps, PrometheusServer } from "./prometheus-server";
import { TeamTokens } from "./team-tokens";

export interface MonitoringStackProps {
  /**
   * The fork's configuration, before defaults and validation.
   * @default - all defaults (see config/stack-config.ts)
   */
  readonly config?: unknown;
  /**
   * Folder of the Terraform state file.
   * @default - `state/` in the current working directory
   */
  readonly stateDir?: string;
}

/** Name of the one stack, as `cdktf deploy` and `cdktf destroy` see it. */
export const STACK_NAME = "claude-code-monitoring";

const LOOPBACK = "127.0.0.1";

/** Logical id of Grafana's volume, which outlives a change of `grafana.mode`. */
const GRAFANA_DATA_ID = "grafana-data";
/** Logical id of Alertmanager's volume, which outlives `alerting.enabled` switched off. */
const ALERTMANAGER_DATA_ID = "alertmanager-data";

/**
 * The whole monitoring stack on local Docker: network, volumes, Collector,
 * Prometheus, the dashboards in a Grafana container of the stack or in a
 * Grafana the team runs (or neither, see `grafana.mode`), and the outputs a
 * user needs to connect Claude Code.
 */
export class MonitoringStack extends TerraformStack {
  readonly config: StackConfig;

  constructor(scope: Construct, id: string, props: MonitoringStackProps = {}) {
    super(scope, id);
    const config = resolveConfig(props.config ?? {});
    this.config = config;
    const name = (part: string) => `${config.namePrefix}-${part}`;

    new LocalBackend(this, { path: path.join(props.stateDir ?? path.resolve("state"), "terraform.tfstate") });
    // `removed` blocks (KeptWhenRemoved) need Terraform 1.7.
    this.addOverride("terraform.required_version", ">= 1.7.0");
    new DockerProvider(this, "docker");

    const network = new Network(this, "network", { name: name("net"), driver: "bridge" });
    const prometheusData = new Volume(this, "prometheus-data", { name: name("prometheus-data") });
    const teamAttributeKeys = Object.keys(config.teamAttributes);
    const needsRandom = config.grafana.mode === "container" || config.teamMode.enabled;
    if (needsRandom) new RandomProvider(this, "random");
    // Terraform reads the PEM files at plan time; absolute, since it runs in cdktf.out.
    const tls = config.teamMode.enabled && config.teamMode.tls.certFile !== "" ? absolutePaths(config.teamMode.tls) : undefined;
    const teamTokens = config.teamMode.enabled
      ? new TeamTokens(this, "team-tokens", { teams: config.teamMode.teams, teamAttribute: config.teamMode.teamAttribute })
      : undefined;

    const collector = new OtelCollector(this, "collector", {
      network,
      containerName: name("otel-collector"),
      image: config.images.collector,
      bindAddress: config.bindAddress,
      otlpGrpcPort: config.ports.otlpGrpc,
      otlpHttpPort: config.ports.otlpHttp,
      teamAttributeKeys,
      deltaMaxStale: config.collector.deltaMaxStale,
      metricExpiration: config.collector.metricExpiration,
      memoryLimitMiB: config.collector.memoryLimitMiB,
      teamTokens,
      tls: tls ? { certificate: Fn.file(tls.certFile), key: Fn.sensitive(Fn.file(tls.keyFile)) } : undefined,
    });

    const clientHost = config.bindAddress === "0.0.0.0" ? "localhost" : config.bindAddress;
    const grafanaUrl = config.grafana.mode === "container" ? `http://${clientHost}:${config.ports.grafana}` : config.grafana.mode === "external" ? config.grafana.url : undefined;
    // Validation makes sure that alerting has a team attribute to count by.
    const teamLabel = labelForAttribute(budgetTeamAttribute(config.budgets, teamAttributeKeys));
    // Alertmanager has no login of its own: it stays on this machine.
    const alertmanager = config.alerting.enabled
      ? new AlertmanagerServer(this, "alertmanager", {
          network,
          dataVolume: new Volume(this, ALERTMANAGER_DATA_ID, { name: name("alertmanager-data") }),
          containerName: name("alertmanager"),
          image: config.images.alertmanager,
          bindAddress: LOOPBACK,
          port: config.ports.alertmanager,
          alerting: config.alerting,
          teamLabel,
        })
      : undefined;
    // Switched off, alerting leaves its silences and notification log on their volume for later.
    if (!alertmanager) new KeptWhenRemoved(this, "alertmanager-data-kept", { addresses: [`docker_volume.${ALERTMANAGER_DATA_ID}`] });

    // Team mode keeps Prometheus on this machine (Grafana uses the network), unless published with a login.
    const prometheusLogin = config.teamMode.enabled && config.teamMode.publishPrometheus ? new PrometheusLogin(this, "prometheus-login") : undefined;
    const prometheus = new PrometheusServer(this, "prometheus", {
      network,
      dataVolume: prometheusData,
      containerName: name("prometheus"),
      image: config.images.prometheus,
      bindAddress: config.teamMode.enabled && !prometheusLogin ? LOOPBACK : config.bindAddress,
      port: config.ports.prometheus,
      scrapeTargets: collector.metricsTargets,
      maxSeriesPerTeam: config.teamMode.enabled ? config.teamMode.maxSeriesPerTeam : undefined,
      login: prometheusLogin,
      remoteWrite: centralStore(config.centralStore),
      scrapeInterval: config.prometheus.scrapeInterval,
      ruleInterval: config.prometheus.ruleInterval,
      rollupWindow: config.prometheus.rollupWindow,
      retentionTime: config.prometheus.retentionTime,
      retentionSize: config.prometheus.retentionSize,
      alerting: alertmanager && {
        alertmanagerAddress: alertmanager.internalAddress,
        collectorTelemetryAddress: collector.telemetryAddress,
        rules: {
          budgets: config.budgets,
          alerting: config.alerting,
          teamLabel,
          maxSeriesPerTeam: config.teamMode.enabled ? config.teamMode.maxSeriesPerTeam : undefined,
          dashboardUrl: grafanaUrl && `${grafanaUrl.replace(/\/$/, "")}/d/${MAIN_DASHBOARD_UID}`,
        },
      },
      storedData: storedData({
        ruleInterval: config.prometheus.ruleInterval,
        rollupWindow: config.prometheus.rollupWindow,
        teamLabels: Object.keys(config.teamAttributes).map(labelForAttribute),
        teamMode: config.teamMode.enabled,
      }),
    });

    const usesCentralStore = config.centralStore.remoteWriteUrl !== "";
    const dashboards = allDashboards(stackDashboardConfig(config));
    const prometheusUrl = `http://${clientHost}:${config.ports.prometheus}`;

    if (config.grafana.mode === "container") {
      const adminPassword = new AdminPassword(this, "grafana-admin-password", { source: config.grafana.adminPassword });
      const grafana = new GrafanaServer(this, "grafana", {
        network,
        dataVolume: new Volume(this, GRAFANA_DATA_ID, { name: name("grafana-data") }),
        containerName: name("grafana"),
        image: config.images.grafana,
        bindAddress: config.bindAddress,
        port: config.ports.grafana,
        adminPassword: adminPassword.value,
      });
      new GrafanaContent(this, "grafana-content", {
        url: grafana.url,
        auth: `${grafana.adminUser}:${adminPassword.value}`,
        dependsOn: [grafana.container],
        // With a central store the dashboards read the store (whose login is not this stack's).
        ...(usesCentralStore ? { prometheusUrl: config.centralStore.queryUrl } : { prometheusUrl: prometheus.internalUrl, prometheusLogin }),
        scrapeInterval: config.prometheus.scrapeInterval,
        dashboards,
      });
      new TerraformOutput(this, "grafana_url", { value: grafana.url, description: "Grafana; log in as admin" });
      new TerraformOutput(this, "grafana_admin_password", {
        value: adminPassword.value,
        sensitive: true,
        description: "Grafana admin password: npm run grafana-password",
      });
    } else {
      // A stack that ran its own Grafana before keeps that Grafana's volume (users, preferences).
      new KeptWhenRemoved(this, "grafana-data-kept", { addresses: [`docker_volume.${GRAFANA_DATA_ID}`] });
    }

    if (config.grafana.mode === "external") {
      const token = new GrafanaApiToken(this, "grafana-token");
      new GrafanaContent(this, "grafana-content", {
        url: config.grafana.url,
        auth: token.value,
        prometheusUrl: usesCentralStore ? config.centralStore.queryUrl : config.grafana.prometheusUrl,
        scrapeInterval: config.prometheus.scrapeInterval,
        dashboards,
      });
      new TerraformOutput(this, "grafana_url", { value: config.grafana.url, description: "The external Grafana; dashboards are in its folder Claude Code" });
    } else if (config.grafana.mode === "none") {
      new TerraformOutput(this, "dashboards_to_import", {
        description: "No Grafana in this stack: how to get the dashboards into yours",
        value: importInstructions(Object.keys(dashboards), prometheusUrl),
      });
    }

    const otlpBase = tls ? `https://${tls.serverName}` : `http://${clientHost}`;
    const grpcEndpoint = `${otlpBase}:${config.ports.otlpGrpc}`;
    const httpEndpoint = `${otlpBase}:${config.ports.otlpHttp}`;
    if (config.teamMode.enabled) {
      new TerraformOutput(this, "otlp_transport", {
        description: "Whether team tokens are encrypted on the way to the Collector",
        value: tls
          ? `TLS, server name ${tls.serverName}`
          : "PLAIN TEXT: team tokens travel unencrypted; anyone on the path can read and reuse them (set teamMode.tls)",
      });
    }
    new TerraformOutput(this, "prometheus_url", { value: prometheusUrl });
    if (alertmanager) new TerraformOutput(this, "alertmanager_url", { value: `http://${LOOPBACK}:${config.ports.alertmanager}` });
    if (prometheusLogin) {
      new TerraformOutput(this, "prometheus_password", {
        value: prometheusLogin.password,
        sensitive: true,
        description: `Prometheus asks for basic auth: user ${prometheusLogin.username}, this password (terraform output -raw prometheus_password)`,
      });
    }
    new TerraformOutput(this, "otlp_grpc_endpoint", { value: grpcEndpoint });
    new TerraformOutput(this, "otlp_http_endpoint", { value: httpEndpoint });
    const settings = (resourceAttributes: Readonly<Record<string, string>>, token?: string) =>
      JSON.stringify(
        {
          env: claudeCodeEnv({
            protocol: config.claudeCode.protocol,
            endpoint: config.claudeCode.protocol === "grpc" ? grpcEndpoint : httpEndpoint,
            resourceAttributes,
            metricExportIntervalMillis: config.claudeCode.metricExportIntervalMillis,
            token,
          }),
        },
        null,
        2,
      );
    if (teamTokens) {
      // One sensitive output per team: `terraform output -raw claude_code_settings_<team>`.
      for (const [team, token] of Object.entries(teamTokens.tokens)) {
        new TerraformOutput(this, `claude_code_settings_${team.replace(/-/g, "_")}`, {
          description: `Team ${team}: paste into ~/.claude/settings.json of its members (holds the team's token)`,
          sensitive: true,
          value: settings({ ...config.teamAttributes, [config.teamMode.teamAttribute]: team }, token),
        });
      }
    } else {
      new TerraformOutput(this, "claude_code_settings", { description: "Paste into ~/.claude/settings.json", value: settings(config.teamAttributes) });
    }
  }
}

/** Where Prometheus also sends its series, when a central store is configured. */
function centralStore(store: StackConfig["centralStore"]): CentralStoreProps | undefined {
  if (store.remoteWriteUrl === "") return undefined;
  const { certFile, keyFile, caFile } = store.tls;
  return {
    url: store.remoteWriteUrl,
    site: store.site,
    tenant: store.tenant === "" ? undefined : { header: store.tenantHeader, value: store.tenant },
    tls:
      certFile === ""
        ? undefined
        : {
            certificate: Fn.file(path.resolve(certFile)),
            key: Fn.sensitive(Fn.file(path.resolve(keyFile))),
            ca: caFile === "" ? undefined : Fn.file(path.resolve(caFile)),
          },
  };
}

function absolutePaths(tls: StackConfig["teamMode"]["tls"]): StackConfig["teamMode"]["tls"] {
  return { ...tls, certFile: path.resolve(tls.certFile), keyFile: path.resolve(tls.keyFile) };
}

/** Where the dashboard and rules files are, and how to import them (`grafana.mode` "none"). */
function importInstructions(dashboardFiles: readonly string[], prometheusUrl: string): string {
  return [
    `Dashboards: ${dashboardFiles.map((file) => `dashboards/json/${file}`).join(", ")} (run \`npm run dashboards\` after changing team attributes).`,
    "Import each into your Grafana (Dashboards > New > Import) and pick a Prometheus datasource that reaches this stack's Prometheus",
    `(${prometheusUrl} from this machine). The panels read the recording rules this Prometheus already runs;`,
    `for a Prometheus of your own, add dashboards/json/${RULES_FILE} (and ${ALERT_RULES_FILE}, which the budgets dashboard reads) to its rule_files.`,
  ].join("\n");
}
