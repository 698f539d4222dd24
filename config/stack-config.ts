import * as fs from "fs";
import { RESERVED_LABELS, labelForAttribute } from "../telemetry/catalog";
import { AlertingConfig, BudgetsConfig, DEFAULT_ALERTING, DEFAULT_BUDGETS, validateAlerting } from "./alerting-config";

/**
 * Everything a fork changes, in one place. Every field has a default in
 * `DEFAULT_CONFIG`; a `stack.config.json` file overrides any subset of it
 * (see README, "Configuration").
 */
export interface StackConfig {
  /**
   * Prefix of every Docker resource name (containers, network, volumes).
   * @default "claude-code-monitoring"
   */
  readonly namePrefix: string;

  /**
   * Host address the published ports listen on. `0.0.0.0` opens them to the network.
   * @default "127.0.0.1"
   */
  readonly bindAddress: string;

  /** Host ports. Each must be unique. */
  readonly ports: {
    /** @default 4317 */
    readonly otlpGrpc: number;
    /** @default 4318 */
    readonly otlpHttp: number;
    /** @default 9090 */
    readonly prometheus: number;
    /** @default 3000 */
    readonly grafana: number;
    /** Alertmanager's web UI and API, always on 127.0.0.1. @default 9093 */
    readonly alertmanager: number;
  };

  /** Pinned container images. A tag is required and `latest` is refused. */
  readonly images: {
    /** @default "otel/opentelemetry-collector-contrib:0.161.0" */
    readonly collector: string;
    /** @default "prom/prometheus:v3.16.0" */
    readonly prometheus: string;
    /** @default "grafana/grafana:13.2.0" */
    readonly grafana: string;
    /** @default "prom/alertmanager:v0.35.0" */
    readonly alertmanager: string;
  };

  readonly prometheus: {
    /** How long samples are kept, as a Prometheus duration. @default "15d" */
    readonly retentionTime: string;
    /** Upper bound of the TSDB size, e.g. "10GB"; empty means no size limit. @default "" */
    readonly retentionSize: string;
    /** How often Prometheus scrapes the Collector. @default "10s" */
    readonly scrapeInterval: string;
    /**
     * How often the recording rules add up the last interval's growth of every
     * counter across sessions; the dashboards read those sums. Numbers reach the
     * dashboards up to this long (plus one scrape interval) after a scrape.
     * At least `scrapeInterval`. @default "1m"
     */
    readonly ruleInterval: string;
    /**
     * Length of the rollup windows (clock-aligned): the recording rules also
     * keep each counter's running sum in the current window and write its
     * total when the window ends; the dashboards add up the totals inside a
     * range and the running sums at its ends, so a long range reads one total
     * per window instead of one sum per rule interval. A whole multiple of
     * `ruleInterval`, at least twice it, at most 1d. @default "1h"
     */
    readonly rollupWindow: string;
  };

  readonly collector: {
    /**
     * How long the Collector remembers a series that receives no new delta.
     * After a longer pause the session's running total restarts from zero with
     * a new start time, which Prometheus counts as a reset: nothing is lost.
     * @default "5m"
     */
    readonly deltaMaxStale: string;
    /**
     * How long the exporter keeps serving a series that receives no update
     * (cumulative clients refresh theirs at every export while they run).
     * Never longer than `deltaMaxStale`: a running total that restarts from zero
     * must not replace a value the exporter still serves, or Prometheus would
     * not see the restart. Each minute of it costs every finished session's
     * series six more samples. @default "5m"
     */
    readonly metricExpiration: string;
    /**
     * The Collector container's memory limit, in MiB. Its memory limiter
     * refuses data (which Claude Code does not resend) once the Go heap
     * passes 64 % of it, well before Docker would kill the container. It is
     * a ceiling, not a reservation: the Collector takes what its series need
     * (about 90 MiB for 100 developers). @default 6144, which carried
     * 10,000 developers in the benchmark
     */
    readonly memoryLimitMiB: number;
  };

  /**
   * Resource attributes that become labels and dashboard variables, with the value
   * written into the Claude Code settings this stack outputs. Keys become labels
   * with every character other than letters, digits and `_` replaced by `_`.
   * @default { "team.id": "my-team", "department": "engineering" }
   */
  readonly teamAttributes: Readonly<Record<string, string>>;

  readonly grafana: {
    /**
     * Where the dashboards go. `container`: a Grafana container of this stack,
     * with the datasource, folder and dashboards provisioned through Grafana's
     * API. `external`: no container; the datasource, folder and dashboards are
     * provisioned into the Grafana at `url` with a service-account token from the
     * sensitive Terraform variable `grafana_service_account_token`. `none`: no
     * Grafana and no Grafana provider; import the JSON files yourself.
     * @default "container"
     */
    readonly mode: GrafanaMode;
    /**
     * `container` mode: where the admin password comes from: `generated`
     * (random, kept in Terraform state) or `variable` (the Terraform variable
     * `grafana_admin_password`, e.g. from `TF_VAR_grafana_admin_password`).
     * @default "generated"
     */
    readonly adminPassword: "generated" | "variable";
    /** `external` mode: the Grafana's URL, e.g. https://grafana.example.com. @default "" */
    readonly url: string;
    /**
     * `external` mode: Prometheus's URL as that Grafana's server reaches it (not
     * 127.0.0.1 unless Grafana runs on this machine outside Docker).
     * @default ""
     */
    readonly prometheusUrl: string;
  };

  /**
   * One stack for a whole team: the Collector's OTLP endpoints require a
   * bearer token, one generated per team, and the team attribute of
   * everything a client sends is set from its token, whatever the client
   * claims. Off, the stack is the single-user laptop stack.
   */
  readonly teamMode: {
    /** @default false */
    readonly enabled: boolean;
    /**
     * The team attribute whose value comes from the token; a key of
     * `teamAttributes`. The other team attributes stay as clients send them.
     * @default "team.id"
     */
    readonly teamAttribute: string;
    /**
     * The teams, by their value of `teamAttribute`, each with the generation
     * of its token: raising one team's number replaces that team's token at
     * the next deploy and nothing else. At least one team when enabled.
     * @default {}
     */
    readonly teams: Readonly<Record<string, { readonly tokenGeneration: number }>>;
    /**
     * TLS for both OTLP endpoints: PEM files on the machine that runs
     * `cdktf deploy` (Terraform reads them at plan time; the key stays
     * sensitive), and the host name in the certificate that clients connect
     * to. All three or none.
     * @default { certFile: "", keyFile: "", serverName: "" } (no TLS)
     */
    readonly tls: { readonly certFile: string; readonly keyFile: string; readonly serverName: string };
    /**
     * Allow a `bindAddress` other than 127.0.0.1 without TLS, although tokens
     * then cross the network in clear text.
     * @default false
     */
    readonly allowPlaintext: boolean;
    /**
     * The most series one team may have in Prometheus at a time (what its
     * exporter serves; the benchmark counts 642 per developer working with
     * events on in 3 repositories, recorded sums included, which this limit does not count). Past it Prometheus refuses
     * that team's scrapes, and only that team's, until the excess expires in
     * the Collector (`collector.metricExpiration` after it stops growing).
     * @default 20000
     */
    readonly maxSeriesPerTeam: number;
    /**
     * Publish Prometheus on `bindAddress` too (team mode keeps it on
     * 127.0.0.1 otherwise). Published, it requires basic auth: user
     * `prometheus`, a generated password in the sensitive output
     * `prometheus_password`; Grafana's datasource uses it.
     * @default false
     */
    readonly publishPrometheus: boolean;
  };

  /**
   * Past one machine: every series of this stack (raw and recorded) also goes
   * by remote write to a horizontally scalable Prometheus-compatible store
   * that several stacks share (Thanos Receive, for one), and the dashboards
   * read the store's query API. Off while `remoteWriteUrl` is empty. The
   * store is run by its owners, not by this stack.
   */
  readonly centralStore: {
    /** The store's remote-write URL, e.g. http://thanos-receive.example.com:19291/api/v1/receive. @default "" (off) */
    readonly remoteWriteUrl: string;
    /**
     * The store's Prometheus query API as Grafana reaches it, e.g.
     * http://thanos-query.example.com:10902; the datasource points there.
     * @default ""
     */
    readonly queryUrl: string;
    /**
     * Names this stack among those that write to the store: the label
     * `site` on every series it sends (Prometheus's external label), so two
     * stacks never write the same series.
     * @default ""
     */
    readonly site: string;
    /** Tenant this stack writes as, in the header `tenantHeader`; empty sends no header. @default "" */
    readonly tenant: string;
    /** @default "THANOS-TENANT" */
    readonly tenantHeader: string;
    /**
     * Mutual TLS towards an https `remoteWriteUrl`: PEM files on the machine
     * that runs `cdktf deploy` of the client certificate and key Prometheus
     * presents (Thanos Receive checks it against `--remote-write.server-tls-client-ca`),
     * and of the CA that signed the store's certificate ("" trusts the
     * system's CAs). Terraform reads them at plan time and keeps the key sensitive.
     * @default all "" (no client certificate)
     */
    readonly tls: { readonly certFile: string; readonly keyFile: string; readonly caFile: string };
  };

  /**
   * Spend budgets per team (and per user), which the alerting rules compare
   * with the same recorded sums the dashboards read. See config/alerting-config.ts.
   */
  readonly budgets: BudgetsConfig;

  /** Alertmanager, its receivers and routes, and the alerts' thresholds. See config/alerting-config.ts. */
  readonly alerting: AlertingConfig;

  /** What the Claude Code settings this stack outputs ask clients to do. */
  readonly claudeCode: {
    /** OTLP protocol clients use. @default "grpc" */
    readonly protocol: "grpc" | "http/protobuf";
    /** OTEL_METRIC_EXPORT_INTERVAL in milliseconds. @default 30000 */
    readonly metricExportIntervalMillis: number;
  };
}

export const DEFAULT_CONFIG: StackConfig = {
  namePrefix: "claude-code-monitoring",
  bindAddress: "127.0.0.1",
  ports: { otlpGrpc: 4317, otlpHttp: 4318, prometheus: 9090, grafana: 3000, alertmanager: 9093 },
  images: {
    collector: "otel/opentelemetry-collector-contrib:0.161.0",
    prometheus: "prom/prometheus:v3.16.0",
    grafana: "grafana/grafana:13.2.0",
    alertmanager: "prom/alertmanager:v0.35.0",
  },
  prometheus: { retentionTime: "15d", retentionSize: "", scrapeInterval: "10s", ruleInterval: "1m", rollupWindow: "1h" },
  collector: { deltaMaxStale: "5m", metricExpiration: "5m", memoryLimitMiB: 6144 },
  teamAttributes: { "team.id": "my-team", department: "engineering" },
  grafana: { mode: "container", adminPassword: "generated", url: "", prometheusUrl: "" },
  teamMode: {
    enabled: false,
    teamAttribute: "team.id",
    teams: {},
    tls: { certFile: "", keyFile: "", serverName: "" },
    allowPlaintext: false,
    maxSeriesPerTeam: 20000,
    publishPrometheus: false,
  },
  centralStore: { remoteWriteUrl: "", queryUrl: "", site: "", tenant: "", tenantHeader: "THANOS-TENANT", tls: { certFile: "", keyFile: "", caFile: "" } },
  budgets: DEFAULT_BUDGETS,
  alerting: DEFAULT_ALERTING,
  claudeCode: { protocol: "grpc", metricExportIntervalMillis: 30000 },
};

/** Where the dashboards go; see `StackConfig.grafana.mode`. */
export const GRAFANA_MODES = ["container", "external", "none"] as const;
export type GrafanaMode = (typeof GRAFANA_MODES)[number];

/** Thrown for any configuration problem; the message lists every bad setting. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid stack configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/**
 * Merges `overrides` over the defaults and validates the result.
 * Throws a `ConfigError` naming every bad setting and its accepted form.
 */
export function resolveConfig(overrides: unknown = {}): StackConfig {
  const problems: string[] = [];
  if (!isPlainObject(overrides)) {
    throw new ConfigError([`the configuration must be a JSON object, got: ${JSON.stringify(overrides)}`]);
  }
  checkKnownKeys(overrides, DEFAULT_CONFIG, "", problems);
  if (problems.length > 0) throw new ConfigError(problems);

  const config = mergeConfig(DEFAULT_CONFIG, overrides);
  validateConfig(config, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

const PROMETHEUS_DURATION = /^(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$/;
const GO_DURATION = /^(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$/;
const BYTE_SIZE = /^(\d+(\.\d+)?)(B|KB|MB|GB|TB|PB|EB)$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const ATTRIBUTE_KEY = /^[a-zA-Z_][a-zA-Z0-9_.]*$/;
const PINNED_IMAGE = /^[a-z0-9]+([._\/-][a-z0-9]+)*:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

function validateConfig(config: StackConfig, problems: string[]): void {
  if (!/^[a-z][a-z0-9-]{0,39}$/.test(config.namePrefix)) {
    problems.push(
      `\`namePrefix\` must be 1-40 lower-case letters, digits or dashes starting with a letter, got: ${JSON.stringify(config.namePrefix)}`,
    );
  }
  if (!IPV4.test(config.bindAddress)) {
    problems.push(`\`bindAddress\` must be an IPv4 address such as 127.0.0.1 or 0.0.0.0, got: ${JSON.stringify(config.bindAddress)}`);
  }

  const seenPorts = new Map<number, string>();
  for (const [name, port] of Object.entries(config.ports)) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      problems.push(`\`ports.${name}\` must be a whole number from 1 to 65535, got: ${JSON.stringify(port)}`);
    } else if (seenPorts.has(port)) {
      problems.push(`\`ports.${name}\` uses port ${port}, which \`ports.${seenPorts.get(port)}\` already uses; each port must be unique`);
    } else {
      seenPorts.set(port, name);
    }
  }

  for (const [name, image] of Object.entries(config.images)) {
    if (typeof image !== "string" || !PINNED_IMAGE.test(image) || image.endsWith(":latest")) {
      problems.push(`\`images.${name}\` must be an image with an exact version tag such as repo/name:1.2.3 (not latest), got: ${JSON.stringify(image)}`);
    }
  }
  if (typeof config.images.grafana === "string" && config.images.grafana.endsWith("-distroless")) {
    problems.push(
      `\`images.grafana\` must not be a -distroless tag (those images do not read the admin password from a file, which the stack relies on), got: ${JSON.stringify(config.images.grafana)}`,
    );
  }

  checkDuration("prometheus.retentionTime", config.prometheus.retentionTime, problems);
  checkDuration("prometheus.scrapeInterval", config.prometheus.scrapeInterval, problems);
  checkDuration("prometheus.ruleInterval", config.prometheus.ruleInterval, problems);
  if (
    PROMETHEUS_DURATION.test(config.prometheus.ruleInterval) &&
    PROMETHEUS_DURATION.test(config.prometheus.scrapeInterval) &&
    durationSeconds(config.prometheus.ruleInterval) > 0 &&
    durationSeconds(config.prometheus.ruleInterval) < durationSeconds(config.prometheus.scrapeInterval)
  ) {
    problems.push(
      `\`prometheus.ruleInterval\` (${config.prometheus.ruleInterval}) must not be shorter than \`prometheus.scrapeInterval\` (${config.prometheus.scrapeInterval})`,
    );
  }
  checkRollupWindow(config.prometheus.rollupWindow, config.prometheus.ruleInterval, problems);
  checkGoDuration("collector.deltaMaxStale", config.collector.deltaMaxStale, problems);
  checkGoDuration("collector.metricExpiration", config.collector.metricExpiration, problems);
  if (config.prometheus.retentionSize !== "") {
    const size = BYTE_SIZE.exec(String(config.prometheus.retentionSize));
    if (!size || Number(size[1]) <= 0) {
      problems.push(
        `\`prometheus.retentionSize\` must be a positive size with a unit B, KB, MB, GB, TB, PB or EB (e.g. 10GB), or "" for no limit, got: ${JSON.stringify(config.prometheus.retentionSize)}`,
      );
    }
  }
  if (
    GO_DURATION.test(config.collector.metricExpiration) &&
    GO_DURATION.test(config.collector.deltaMaxStale) &&
    durationSeconds(config.collector.metricExpiration) > durationSeconds(config.collector.deltaMaxStale)
  ) {
    problems.push(
      `\`collector.metricExpiration\` (${config.collector.metricExpiration}) must not be longer than \`collector.deltaMaxStale\` (${config.collector.deltaMaxStale})`,
    );
  }
  const memory = config.collector.memoryLimitMiB;
  if (!Number.isInteger(memory) || memory < 64) {
    problems.push(`\`collector.memoryLimitMiB\` must be a whole number of MiB, at least 64, got: ${JSON.stringify(memory)}`);
  }

  validateTeamAttributes(config.teamAttributes, problems);

  validateGrafana(config.grafana, config.centralStore.remoteWriteUrl !== "", problems);
  validateTeamMode(config, problems);
  validateCentralStore(config, problems);
  validateAlerting(
    config.budgets,
    config.alerting,
    {
      teamAttributeKeys: Object.keys(config.teamAttributes),
      ruleIntervalSeconds: PROMETHEUS_DURATION.test(config.prometheus.ruleInterval) ? durationSeconds(config.prometheus.ruleInterval) : 0,
      isDuration: (value) => typeof value === "string" && value !== "" && PROMETHEUS_DURATION.test(value) && durationSeconds(value) > 0,
    },
    problems,
  );
  if (!["grpc", "http/protobuf"].includes(config.claudeCode.protocol)) {
    problems.push(`\`claudeCode.protocol\` must be "grpc" or "http/protobuf", got: ${JSON.stringify(config.claudeCode.protocol)}`);
  }
  const interval = config.claudeCode.metricExportIntervalMillis;
  if (!Number.isInteger(interval) || interval < 1000) {
    problems.push(`\`claudeCode.metricExportIntervalMillis\` must be a whole number of milliseconds, at least 1000, got: ${JSON.stringify(interval)}`);
  }
}

const HTTP_URL = /^https?:\/\/[^\s/?#]+(\/[^\s]*)?$/;
/** A label value Prometheus's configuration takes as it is. */
const SITE = /^[a-z0-9][a-z0-9_-]{0,39}$/;
const HEADER_NAME = /^[A-Za-z0-9-]{1,64}$/;

function validateCentralStore(config: StackConfig, problems: string[]): void {
  const store = config.centralStore;
  if (store.remoteWriteUrl === "") {
    if (store.queryUrl !== "" || store.site !== "" || store.tenant !== "" || Object.values(store.tls).some((file) => file !== "")) {
      problems.push("`centralStore` settings are only used with `centralStore.remoteWriteUrl`; set it or remove them");
    }
    return;
  }
  for (const key of ["remoteWriteUrl", "queryUrl"] as const) {
    if (!HTTP_URL.test(store[key])) problems.push(`\`centralStore.${key}\` must be an http:// or https:// URL, got: ${JSON.stringify(store[key])}`);
  }
  if (!SITE.test(store.site)) {
    problems.push(`\`centralStore.site\` must name this stack in 1-40 lower-case letters, digits, "-" or "_" (it labels every series it sends), got: ${JSON.stringify(store.site)}`);
  }
  if (store.tenant !== "" && !SITE.test(store.tenant)) {
    problems.push(`\`centralStore.tenant\` must be 1-40 lower-case letters, digits, "-" or "_", or "" for none, got: ${JSON.stringify(store.tenant)}`);
  }
  if (!HEADER_NAME.test(store.tenantHeader)) {
    problems.push(`\`centralStore.tenantHeader\` must be an HTTP header name such as THANOS-TENANT, got: ${JSON.stringify(store.tenantHeader)}`);
  }
  if (config.grafana.prometheusUrl !== "") {
    problems.push("`grafana.prometheusUrl` and `centralStore.queryUrl` both name the dashboards' datasource; with a central store leave `grafana.prometheusUrl` empty");
  }
  validateCentralStoreTls(store, problems);
}

function validateCentralStoreTls(store: StackConfig["centralStore"], problems: string[]): void {
  const { certFile, keyFile, caFile } = store.tls;
  if (certFile === "" && keyFile === "" && caFile === "") return;
  if (certFile === "" || keyFile === "") {
    problems.push(`\`centralStore.tls\` needs certFile and keyFile (caFile may be left "" to trust the system's CAs); ${certFile === "" ? "certFile" : "keyFile"} is missing`);
  }
  if (!store.remoteWriteUrl.startsWith("https://")) {
    problems.push(`\`centralStore.tls\` is used only with an https:// \`centralStore.remoteWriteUrl\`, got: ${JSON.stringify(store.remoteWriteUrl)}`);
  }
  for (const key of ["certFile", "keyFile", "caFile"] as const) {
    if (store.tls[key] !== "" && !fs.existsSync(store.tls[key])) {
      problems.push(`\`centralStore.tls.${key}\` must be a PEM file on this machine, got: ${JSON.stringify(store.tls[key])} (not found)`);
    }
  }
}

function validateGrafana(grafana: StackConfig["grafana"], centralStore: boolean, problems: string[]): void {
  if (!GRAFANA_MODES.includes(grafana.mode)) {
    problems.push(`\`grafana.mode\` must be one of ${GRAFANA_MODES.map((m) => `"${m}"`).join(", ")}, got: ${JSON.stringify(grafana.mode)}`);
    return;
  }
  if (!["generated", "variable"].includes(grafana.adminPassword)) {
    problems.push(`\`grafana.adminPassword\` must be "generated" or "variable", got: ${JSON.stringify(grafana.adminPassword)}`);
  }
  // With a central store the datasource is the store's query API, not this stack's Prometheus.
  for (const setting of centralStore ? (["url"] as const) : (["url", "prometheusUrl"] as const)) {
    const value = grafana[setting];
    if (grafana.mode === "external") {
      if (typeof value !== "string" || !HTTP_URL.test(value)) {
        problems.push(
          `\`grafana.${setting}\` must be an http:// or https:// URL when \`grafana.mode\` is "external" (${setting === "url" ? "the Grafana to provision" : "Prometheus as that Grafana reaches it"}), got: ${JSON.stringify(value)}`,
        );
      }
    } else if (value !== "") {
      problems.push(`\`grafana.${setting}\` is only used when \`grafana.mode\` is "external"; remove it or set the mode, got mode: "${grafana.mode}"`);
    }
  }
}

/** Team values go into OTEL_RESOURCE_ATTRIBUTES and Terraform names. */
const TEAM_VALUE = /^[a-z0-9][a-z0-9-]{0,39}$/;

/** Room for one user's first sessions with events, so a budget this small still shows something. */
const MIN_SERIES_PER_TEAM = 500;

function validateTeamMode(config: StackConfig, problems: string[]): void {
  const mode = config.teamMode;
  if (typeof mode.enabled !== "boolean") {
    problems.push(`\`teamMode.enabled\` must be true or false, got: ${JSON.stringify(mode.enabled)}`);
    return;
  }
  for (const key of ["allowPlaintext", "publishPrometheus"] as const) {
    if (typeof mode[key] !== "boolean") problems.push(`\`teamMode.${key}\` must be true or false, got: ${JSON.stringify(mode[key])}`);
  }
  if (!Number.isInteger(mode.maxSeriesPerTeam) || mode.maxSeriesPerTeam < MIN_SERIES_PER_TEAM) {
    problems.push(`\`teamMode.maxSeriesPerTeam\` must be a whole number of series, at least ${MIN_SERIES_PER_TEAM}, got: ${JSON.stringify(mode.maxSeriesPerTeam)}`);
  }
  const teams = isPlainObject(mode.teams) ? Object.entries(mode.teams) : [];
  if (!isPlainObject(mode.teams)) problems.push(`\`teamMode.teams\` must be an object such as {"payments": {"tokenGeneration": 1}}`);
  for (const [team, settings] of teams) {
    if (!TEAM_VALUE.test(team)) {
      problems.push(`\`teamMode.teams\` key ${JSON.stringify(team)} must be 1-40 lower-case letters, digits or "-" starting with a letter or digit`);
    }
    const generation = isPlainObject(settings) ? settings.tokenGeneration : undefined;
    if (!isPlainObject(settings) || Object.keys(settings).some((key) => key !== "tokenGeneration") || !Number.isInteger(generation) || (generation as number) < 1) {
      problems.push(`\`teamMode.teams[${JSON.stringify(team)}]\` must be {"tokenGeneration": N} with N a whole number from 1, got: ${JSON.stringify(settings)}`);
    }
  }
  if (!mode.enabled) {
    if (teams.length > 0) problems.push("`teamMode.teams` is only used when `teamMode.enabled` is true; remove it or enable team mode");
    if (Object.values(mode.tls).some((value) => value !== "")) problems.push("`teamMode.tls` is only used when `teamMode.enabled` is true; remove it or enable team mode");
    if (mode.publishPrometheus === true) problems.push("`teamMode.publishPrometheus` is only used when `teamMode.enabled` is true; `bindAddress` publishes Prometheus without team mode");
    return;
  }
  if (!(mode.teamAttribute in config.teamAttributes)) {
    problems.push(
      `\`teamMode.teamAttribute\` must be one of the keys of \`teamAttributes\` (${Object.keys(config.teamAttributes).join(", ") || "none"}), got: ${JSON.stringify(mode.teamAttribute)}`,
    );
  }
  if (teams.length === 0) problems.push('`teamMode.teams` must name at least one team when team mode is on, e.g. {"payments": {"tokenGeneration": 1}}');
  const tls = validateTls(mode.tls, problems);
  if (config.bindAddress !== "127.0.0.1" && !tls && mode.allowPlaintext !== true) {
    problems.push(
      `\`bindAddress\` ${JSON.stringify(config.bindAddress)} would send team tokens over the network in clear text; set \`teamMode.tls\` (certFile, keyFile, serverName), or set \`teamMode.allowPlaintext\` to true to accept that`,
    );
  }
}

const HOST_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

/** Whether TLS is configured (all three settings), adding a problem for a partial or bad one. */
function validateTls(tls: StackConfig["teamMode"]["tls"], problems: string[]): boolean {
  const given = (["certFile", "keyFile", "serverName"] as const).filter((key) => tls[key] !== "");
  if (given.length === 0) return false;
  if (given.length < 3) {
    problems.push(`\`teamMode.tls\` needs certFile, keyFile and serverName together; only ${given.join(", ")} given`);
    return false;
  }
  for (const key of ["certFile", "keyFile"] as const) {
    if (!fs.existsSync(tls[key])) problems.push(`\`teamMode.tls.${key}\` must be a PEM file on this machine, got: ${JSON.stringify(tls[key])} (not found)`);
  }
  if (!HOST_NAME.test(tls.serverName) || IPV4.test(tls.serverName)) {
    problems.push(
      `\`teamMode.tls.serverName\` must be the host name in the certificate that clients connect to, such as otel.example.com or localhost (not an IP address: Claude Code's gRPC client refuses one), got: ${JSON.stringify(tls.serverName)}`,
    );
  }
  return true;
}

function validateTeamAttributes(attributes: Readonly<Record<string, string>>, problems: string[]): void {
  const labels = new Map<string, string>();
  for (const [key, value] of Object.entries(attributes)) {
    const setting = `teamAttributes[${JSON.stringify(key)}]`;
    const label = labelForAttribute(key);
    if (!ATTRIBUTE_KEY.test(key) || label.startsWith("__")) {
      problems.push(`\`${setting}\`: a team attribute key must be letters, digits, "_" or "." starting with a letter, and not start with "__"`);
    } else if (RESERVED_LABELS.includes(label)) {
      problems.push(`\`${setting}\` would become the label "${label}", which Claude Code or Prometheus already uses; choose another key`);
    } else if (labels.has(label)) {
      problems.push(`\`${setting}\` and \`teamAttributes[${JSON.stringify(labels.get(label))}]\` both become the label "${label}"`);
    }
    labels.set(label, key);
    if (typeof value !== "string" || /[,=\s]/.test(value)) {
      problems.push(`\`${setting}\` must be a string without commas, "=" or spaces (it goes into OTEL_RESOURCE_ATTRIBUTES), got: ${JSON.stringify(value)}`);
    }
  }
}

function checkDuration(setting: string, value: string, problems: string[]): void {
  if (typeof value !== "string" || value === "" || !PROMETHEUS_DURATION.test(value) || durationSeconds(value) <= 0) {
    problems.push(`\`${setting}\` must be a positive duration made of units y, w, d, h, m, s, ms (e.g. 15d, 12h, 30s), got: ${JSON.stringify(value)}`);
  }
}

function checkRollupWindow(window: string, ruleInterval: string, problems: string[]): void {
  const valid = (value: string) => typeof value === "string" && PROMETHEUS_DURATION.test(value) && durationSeconds(value) > 0;
  if (!valid(window)) {
    checkDuration("prometheus.rollupWindow", window, problems);
    return;
  }
  if (!valid(ruleInterval)) return;
  const windowSeconds = durationSeconds(window);
  const intervalSeconds = durationSeconds(ruleInterval);
  if (windowSeconds % intervalSeconds !== 0 || windowSeconds < 2 * intervalSeconds || windowSeconds > 86_400) {
    problems.push(
      `\`prometheus.rollupWindow\` must be a whole multiple of \`prometheus.ruleInterval\` (${ruleInterval}), at least twice it and at most 1d (e.g. 1h), got: ${JSON.stringify(window)}`,
    );
  }
}

function checkGoDuration(setting: string, value: string, problems: string[]): void {
  if (typeof value !== "string" || value === "" || !GO_DURATION.test(value) || durationSeconds(value) <= 0) {
    problems.push(`\`${setting}\` must be a positive duration made of units h, m, s, ms (e.g. 24h, 90m), got: ${JSON.stringify(value)}`);
  }
}

const UNIT_SECONDS: Record<string, number> = { y: 31536000, w: 604800, d: 86400, h: 3600, m: 60, s: 1, ms: 0.001 };

/** Seconds in a Prometheus duration such as "1h30m". */
export function durationSeconds(duration: string): number {
  let total = 0;
  for (const [, amount, unit] of duration.matchAll(/(\d+)(ms|y|w|d|h|m|s)/g)) {
    total += Number(amount) * UNIT_SECONDS[unit];
  }
  return total;
}

function checkKnownKeys(given: Record<string, unknown>, defaults: object, path: string, problems: string[]): void {
  const known = defaults as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    const setting = path === "" ? key : `${path}.${key}`;
    if (!(key in known)) {
      problems.push(`unknown setting \`${setting}\`; known settings here: ${Object.keys(known).join(", ")}`);
      continue;
    }
    const isFreeForm = FREE_FORM.includes(setting);
    if (isPlainObject(known[key]) && !isFreeForm) {
      if (!isPlainObject(given[key])) {
        problems.push(`\`${setting}\` must be an object with the keys ${Object.keys(known[key] as object).join(", ")}`);
      } else {
        checkKnownKeys(given[key] as Record<string, unknown>, known[key] as object, setting, problems);
      }
    }
  }
}

/** Objects whose keys a fork chooses; their own validation checks them. */
const FREE_FORM = ["teamAttributes", "teamMode.teams", "budgets.teams", "budgets.otherTeams", "alerting.receivers"];

/** Free-form objects a fork replaces as a whole, so it can remove the defaults' entries. */
const REPLACED_WHOLE = ["teamAttributes", "teams", "receivers"];

function mergeConfig<T>(defaults: T, overrides: Record<string, unknown>): T {
  const merged: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  for (const [key, value] of Object.entries(overrides)) {
    const base = merged[key];
    merged[key] = isPlainObject(base) && isPlainObject(value) && !REPLACED_WHOLE.includes(key) ? mergeConfig(base, value) : value;
  }
  return merged as T;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
