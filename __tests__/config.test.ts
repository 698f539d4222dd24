import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadConfig } from "../config/load-config";
import { ConfigError, DEFAULT_CONFIG, resolveConfig } from "../config/stack-config";
import { synthStack } from "./helpers";

function problemsOf(overrides: unknown): readonly string[] {
  try {
    resolveConfig(overrides);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected the configuration to be refused");
}

describe("stack configuration", () => {
  test("all defaults", () => {
    expect(resolveConfig({})).toEqual(DEFAULT_CONFIG);
    expect(DEFAULT_CONFIG.bindAddress).toBe("127.0.0.1");
    expect(DEFAULT_CONFIG.prometheus.retentionTime).toBe("15d");
  });

  test("overrides merge into the defaults", () => {
    const config = resolveConfig({ prometheus: { retentionTime: "90d" }, ports: { grafana: 3300 } });
    expect(config.prometheus).toEqual({ ...DEFAULT_CONFIG.prometheus, retentionTime: "90d" });
    expect(config.ports).toEqual({ ...DEFAULT_CONFIG.ports, grafana: 3300 });
  });

  test("each Grafana mode with what it needs", () => {
    expect(resolveConfig({ grafana: { mode: "none" } }).grafana.mode).toBe("none");
    const external = { mode: "external", url: "https://grafana.example.com", prometheusUrl: "http://10.0.0.5:9090" };
    expect(resolveConfig({ grafana: external }).grafana).toEqual({ ...DEFAULT_CONFIG.grafana, ...external });
  });

  test("team mode with its teams; plain text over the network only when allowed", () => {
    const teams = { payments: { tokenGeneration: 1 }, mobile: { tokenGeneration: 2 } };
    expect(resolveConfig({ teamMode: { enabled: true, teams } }).teamMode).toEqual({ ...DEFAULT_CONFIG.teamMode, enabled: true, teams });
    expect(() => resolveConfig({ bindAddress: "0.0.0.0", teamMode: { enabled: true, teams, allowPlaintext: true } })).not.toThrow();
    const tls = { certFile: __filename, keyFile: __filename, serverName: "otel.example.com" };
    expect(resolveConfig({ bindAddress: "0.0.0.0", teamMode: { enabled: true, teams, tls } }).teamMode.tls).toEqual(tls);
    expect(DEFAULT_CONFIG.teamMode.enabled).toBe(false);
  });

  test("teamAttributes replace the defaults as a whole", () => {
    expect(resolveConfig({ teamAttributes: { project: "billing" } }).teamAttributes).toEqual({ project: "billing" });
  });

  test.each([
    ["an unknown duration unit", { prometheus: { retentionTime: "15days" } }, /`prometheus.retentionTime` must be a positive duration made of units y, w, d, h, m, s, ms \(e.g. 15d, 12h, 30s\), got: "15days"/],
    ["a zero duration", { prometheus: { scrapeInterval: "0s" } }, /`prometheus.scrapeInterval` must be a positive duration/],
    ["a rule interval that is not a duration", { prometheus: { ruleInterval: "1 minute" } }, /`prometheus.ruleInterval` must be a positive duration/],
    ["a rule interval shorter than the scrape interval", { prometheus: { scrapeInterval: "30s", ruleInterval: "15s" } }, /`prometheus.ruleInterval` \(15s\) must not be shorter than `prometheus.scrapeInterval` \(30s\)/],
    ["a rollup window that is not a duration", { prometheus: { rollupWindow: "hourly" } }, /`prometheus.rollupWindow` must be a positive duration/],
    ["a rollup window that is not a multiple of the rule interval", { prometheus: { rollupWindow: "90s" } }, /`prometheus.rollupWindow` must be a whole multiple of `prometheus.ruleInterval` \(1m\), at least twice it and at most 1d \(e.g. 1h\), got: "90s"/],
    ["a rollup window of one rule interval", { prometheus: { rollupWindow: "1m" } }, /`prometheus.rollupWindow` must be a whole multiple/],
    ["a rollup window longer than a day", { prometheus: { rollupWindow: "2d" } }, /`prometheus.rollupWindow` must be a whole multiple/],
    ["days in a Collector duration", { collector: { deltaMaxStale: "1d" } }, /`collector.deltaMaxStale` must be a positive duration made of units h, m, s, ms/],
    ["a negative size", { prometheus: { retentionSize: "-5GB" } }, /`prometheus.retentionSize` must be a positive size with a unit B, KB, MB, GB, TB, PB or EB \(e.g. 10GB\), or "" for no limit, got: "-5GB"/],
    ["a zero size", { prometheus: { retentionSize: "0GB" } }, /`prometheus.retentionSize` must be a positive size/],
    ["a size without unit", { prometheus: { retentionSize: "10" } }, /`prometheus.retentionSize` must be a positive size/],
    ["a port out of range", { ports: { grafana: 70000 } }, /`ports.grafana` must be a whole number from 1 to 65535, got: 70000/],
    ["a port of zero", { ports: { prometheus: 0 } }, /`ports.prometheus` must be a whole number from 1 to 65535, got: 0/],
    ["a port used twice", { ports: { grafana: 9090 } }, /`ports.grafana` uses port 9090, which `ports.prometheus` already uses; each port must be unique/],
    ["a team attribute that cannot become a label", { teamAttributes: { "9team": "x" } }, /`teamAttributes\["9team"\]`: a team attribute key must be letters, digits/],
    ["a team attribute with a dash", { teamAttributes: { "team-id": "x" } }, /`teamAttributes\["team-id"\]`: a team attribute key must be/],
    ["a team attribute reserved by Prometheus", { teamAttributes: { __name: "x" } }, /`teamAttributes\["__name"\]`: a team attribute key must be.*not start with "__"/],
    ["a team attribute that collides with a Claude Code label", { teamAttributes: { "session.id": "x" } }, /`teamAttributes\["session.id"\]` would become the label "session_id"/],
    ["two team attributes with the same label", { teamAttributes: { "team.id": "a", team_id: "b" } }, /both become the label "team_id"/],
    ["a team attribute value with a comma", { teamAttributes: { "team.id": "a,b" } }, /must be a string without commas/],
    ["an unknown top-level key", { retention: "15d" }, /unknown setting `retention`; known settings here: namePrefix, bindAddress/],
    ["an unknown nested key", { prometheus: { retention: "15d" } }, /unknown setting `prometheus.retention`; known settings here: retentionTime, retentionSize, scrapeInterval, ruleInterval, rollupWindow/],
    ["a section that is not an object", { ports: 3000 }, /`ports` must be an object with the keys otlpGrpc, otlpHttp, prometheus, grafana/],
    ["an image tagged latest", { images: { grafana: "grafana/grafana:latest" } }, /`images.grafana` must be an image with an exact version tag/],
    ["an image without tag", { images: { prometheus: "prom/prometheus" } }, /`images.prometheus` must be an image with an exact version tag/],
    ["a bind address that is not IPv4", { bindAddress: "localhost" }, /`bindAddress` must be an IPv4 address such as 127.0.0.1 or 0.0.0.0, got: "localhost"/],
    ["an exporter expiration longer than the delta state", { collector: { deltaMaxStale: "1h", metricExpiration: "2h" } }, /`collector.metricExpiration` \(2h\) must not be longer than `collector.deltaMaxStale` \(1h\)/],
    ["an unknown password source", { grafana: { adminPassword: "admin" } }, /`grafana.adminPassword` must be "generated" or "variable", got: "admin"/],
    ["a too small memory limit", { collector: { memoryLimitMiB: 0 } }, /`collector.memoryLimitMiB` must be a whole number of MiB, at least 64, got: 0/],
    ["an unknown protocol", { claudeCode: { protocol: "http/json" } }, /`claudeCode.protocol` must be "grpc" or "http\/protobuf"/],
    ["a distroless Grafana image", { images: { grafana: "grafana/grafana:13.2.0-distroless" } }, /`images.grafana` must not be a -distroless tag/],
    ["an unknown Grafana mode", { grafana: { mode: "cloud" } }, /`grafana.mode` must be one of "container", "external", "none", got: "cloud"/],
    ["an external Grafana without its URL", { grafana: { mode: "external", prometheusUrl: "http://prom:9090" } }, /`grafana.url` must be an http:\/\/ or https:\/\/ URL when `grafana.mode` is "external" \(the Grafana to provision\), got: ""/],
    ["an external Grafana without a Prometheus URL it reaches", { grafana: { mode: "external", url: "https://g.example.com" } }, /`grafana.prometheusUrl` must be an http:\/\/ or https:\/\/ URL when `grafana.mode` is "external"/],
    ["an external Grafana URL that is not a URL", { grafana: { mode: "external", url: "grafana.example.com", prometheusUrl: "http://prom:9090" } }, /`grafana.url` must be an http:\/\/ or https:\/\/ URL.*got: "grafana.example.com"/],
    ["a Grafana URL in container mode", { grafana: { url: "https://g.example.com" } }, /`grafana.url` is only used when `grafana.mode` is "external"; remove it or set the mode, got mode: "container"/],
    ["a Prometheus URL in none mode", { grafana: { mode: "none", prometheusUrl: "http://p:9090" } }, /`grafana.prometheusUrl` is only used when `grafana.mode` is "external"/],
    ["team mode without teams", { teamMode: { enabled: true } }, /`teamMode.teams` must name at least one team when team mode is on/],
    ["teams while team mode is off", { teamMode: { teams: { payments: { tokenGeneration: 1 } } } }, /`teamMode.teams` is only used when `teamMode.enabled` is true/],
    ["a team that cannot be a label value", { teamMode: { enabled: true, teams: { "Pay Ments": { tokenGeneration: 1 } } } }, /`teamMode.teams` key "Pay Ments" must be 1-40 lower-case letters, digits or "-"/],
    ["a token generation of zero", { teamMode: { enabled: true, teams: { payments: { tokenGeneration: 0 } } } }, /`teamMode.teams\["payments"\]` must be \{"tokenGeneration": N\} with N a whole number from 1, got: \{"tokenGeneration":0\}/],
    ["a team setting that is not a generation", { teamMode: { enabled: true, teams: { payments: { token: "abc" } } } }, /`teamMode.teams\["payments"\]` must be \{"tokenGeneration": N\}/],
    ["a team attribute that is not configured", { teamMode: { enabled: true, teamAttribute: "squad", teams: { a: { tokenGeneration: 1 } } } }, /`teamMode.teamAttribute` must be one of the keys of `teamAttributes` \(team.id, department\), got: "squad"/],
    ["team tokens over the network in clear text", { bindAddress: "0.0.0.0", teamMode: { enabled: true, teams: { a: { tokenGeneration: 1 } } } }, /`bindAddress` "0.0.0.0" would send team tokens over the network in clear text; set `teamMode.tls` \(certFile, keyFile, serverName\), or set `teamMode.allowPlaintext` to true/],
    ["TLS without its key", { teamMode: { enabled: true, teams: { a: { tokenGeneration: 1 } }, tls: { certFile: __filename, serverName: "otel.example.com" } } }, /`teamMode.tls` needs certFile, keyFile and serverName together; only certFile, serverName given/],
    ["a TLS file that does not exist", { teamMode: { enabled: true, teams: { a: { tokenGeneration: 1 } }, tls: { certFile: __filename, keyFile: "/nonexistent/key.pem", serverName: "localhost" } } }, /`teamMode.tls.keyFile` must be a PEM file on this machine, got: "\/nonexistent\/key.pem" \(not found\)/],
    ["an IP address as TLS server name", { teamMode: { enabled: true, teams: { a: { tokenGeneration: 1 } }, tls: { certFile: __filename, keyFile: __filename, serverName: "10.0.0.5" } } }, /`teamMode.tls.serverName` must be the host name in the certificate .*not an IP address/],
    ["TLS while team mode is off", { teamMode: { tls: { certFile: __filename, keyFile: __filename, serverName: "localhost" } } }, /`teamMode.tls` is only used when `teamMode.enabled` is true/],
    ["a switch that is not a boolean", { teamMode: { enabled: "yes", teams: {} } }, /`teamMode.enabled` must be true or false, got: "yes"/],
    ["a series budget below the minimum", { teamMode: { enabled: true, teams: { a: { tokenGeneration: 1 } }, maxSeriesPerTeam: 100 } }, /`teamMode.maxSeriesPerTeam` must be a whole number of series, at least 500, got: 100/],
    ["a series budget that is not a number", { teamMode: { enabled: true, teams: { a: { tokenGeneration: 1 } }, maxSeriesPerTeam: "20k" } }, /`teamMode.maxSeriesPerTeam` must be a whole number of series, at least 500, got: "20k"/],
    ["publishing Prometheus with a non-boolean", { teamMode: { enabled: true, teams: { a: { tokenGeneration: 1 } }, publishPrometheus: "yes" } }, /`teamMode.publishPrometheus` must be true or false, got: "yes"/],
    ["publishing Prometheus while team mode is off", { teamMode: { publishPrometheus: true } }, /`teamMode.publishPrometheus` is only used when `teamMode.enabled` is true/],
    ["central store settings without its remote-write URL", { centralStore: { site: "berlin" } }, /`centralStore` settings are only used with `centralStore.remoteWriteUrl`/],
    ["a central store URL that is not http", { centralStore: { ...{ remoteWriteUrl: "http://receive:19291/api/v1/receive", queryUrl: "http://query:10902", site: "berlin" }, remoteWriteUrl: "receive:19291" } }, /`centralStore.remoteWriteUrl` must be an http:\/\/ or https:\/\/ URL, got: "receive:19291"/],
    ["a central store without a query URL", { centralStore: { ...{ remoteWriteUrl: "http://receive:19291/api/v1/receive", queryUrl: "http://query:10902", site: "berlin" }, queryUrl: "" } }, /`centralStore.queryUrl` must be an http:\/\/ or https:\/\/ URL, got: ""/],
    ["a central store without a site", { centralStore: { ...{ remoteWriteUrl: "http://receive:19291/api/v1/receive", queryUrl: "http://query:10902", site: "berlin" }, site: "" } }, /`centralStore.site` must name this stack in 1-40 lower-case letters/],
    ["a tenant that is not a plain name", { centralStore: { ...{ remoteWriteUrl: "http://receive:19291/api/v1/receive", queryUrl: "http://query:10902", site: "berlin" }, tenant: "Team A" } }, /`centralStore.tenant` must be 1-40 lower-case letters, digits, "-" or "_", or "" for none, got: "Team A"/],
    ["a tenant header that is not a header name", { centralStore: { ...{ remoteWriteUrl: "http://receive:19291/api/v1/receive", queryUrl: "http://query:10902", site: "berlin" }, tenantHeader: "X Tenant" } }, /`centralStore.tenantHeader` must be an HTTP header name such as THANOS-TENANT, got: "X Tenant"/],
    ["a client certificate without its key", { centralStore: { ...{ remoteWriteUrl: "https://receive:19291/api/v1/receive", queryUrl: "http://query:10902", site: "berlin" }, tls: { certFile: __filename } } }, /`centralStore.tls` needs certFile and keyFile \(caFile may be left "" to trust the system's CAs\); keyFile is missing/],
    ["mutual TLS towards a plain http store", { centralStore: { ...{ remoteWriteUrl: "http://receive:19291/api/v1/receive", queryUrl: "http://query:10902", site: "berlin" }, tls: { certFile: __filename, keyFile: __filename } } }, /`centralStore.tls` is used only with an https:\/\/ `centralStore.remoteWriteUrl`, got: "http:\/\/receive:19291\/api\/v1\/receive"/],
    ["a client certificate file that does not exist", { centralStore: { ...{ remoteWriteUrl: "https://receive:19291/api/v1/receive", queryUrl: "http://query:10902", site: "berlin" }, tls: { certFile: "/nonexistent/cert.pem", keyFile: __filename } } }, /`centralStore.tls.certFile` must be a PEM file on this machine, got: "\/nonexistent\/cert.pem" \(not found\)/],
    ["two datasources for the dashboards", { grafana: { mode: "external", url: "https://g.example.com", prometheusUrl: "http://p:9090" }, centralStore: { remoteWriteUrl: "http://receive:19291/api/v1/receive", queryUrl: "http://query:10902", site: "berlin" } }, /`grafana.prometheusUrl` and `centralStore.queryUrl` both name the dashboards' datasource/],
    ["a team attribute named like the site label", { teamAttributes: { site: "x" } }, /`teamAttributes\["site"\]` would become the label "site"/],
    ["a time zone by name", { budgets: { timeZone: "Europe/Berlin" } }, /`budgets.timeZone` must be "UTC" or a fixed offset from UTC such as "\+05:30" or "-08:00" \(no names: Prometheus has no daylight saving time\), got: "Europe\/Berlin"/],
    ["a rule interval that does not divide the zone's offset", { prometheus: { ruleInterval: "7m", rollupWindow: "70m" }, budgets: { timeZone: "+05:30" } }, /`budgets.timeZone` \(\+05:30\) and `prometheus.ruleInterval` do not fit/],
    ["a budget below zero", { budgets: { teams: { payments: { dailyUsd: -5 } } } }, /`budgets.teams\["payments"\].dailyUsd` must be an amount of US dollars, at least 0 \(0: no budget\), to a hundredth of a cent at most, got: -5/],
    ["a budget finer than a hundredth of a cent", { budgets: { otherTeams: { monthlyUsd: 10.00005 } } }, /`budgets.otherTeams.monthlyUsd` must be an amount of US dollars.*to a hundredth of a cent at most, got: 10.00005/],
    ["an unknown budget", { budgets: { teams: { payments: { weeklyUsd: 5 } } } }, /unknown setting `budgets.teams\["payments"\].weeklyUsd`; known settings here: dailyUsd, monthlyUsd, userDailyUsd/],
    ["a warning fraction of 1 or more", { budgets: { warningFraction: 80 } }, /`budgets.warningFraction` must be a number between 0 and 1 \(e.g. 0.8 warns at 80 % of a budget\), got: 80/],
    ["budgets counted by an unknown attribute", { budgets: { teamAttribute: "squad" } }, /`budgets.teamAttribute` must be "" \(the first team attribute\) or one of the keys of `teamAttributes` \(team.id, department\), got: "squad"/],
    ["alerting without a team attribute", { teamAttributes: {} }, /`alerting` counts budgets and alerts per team: add a key to `teamAttributes`, or set `alerting.enabled` to false/],
    ["a receiver's URL in the file", { alerting: { receivers: { ops: { type: "webhook", url: "https://hooks.example.com/x" } } } }, /unknown setting `alerting.receivers\["ops"\].url` for a webhook receiver; known settings: type \(its URL or password is the sensitive Terraform variable alert_receiver_ops\)/],
    ["an unknown receiver type", { alerting: { receivers: { ops: { type: "pager" } } } }, /`alerting.receivers\["ops"\].type` must be one of "webhook", "slack", "email", got: "pager"/],
    ["a receiver name that cannot name a variable", { alerting: { receivers: { "Ops Team": { type: "webhook" } } } }, /`alerting.receivers\["Ops Team"\]`: a receiver name must be 1-40 lower-case letters/],
    ["an e-mail receiver without its server", { alerting: { receivers: { mail: { type: "email", to: "a@example.com", from: "b@example.com" } } } }, /`alerting.receivers\["mail"\].smarthost` must be the SMTP server as host:port, e.g. smtp.example.com:587, got: undefined/],
    ["a route to an unknown receiver", { alerting: { routes: [{ teams: ["payments"], receiver: "slack" }] } }, /`alerting.routes\[0\].receiver` must be a key of `alerting.receivers` \(none\), got: "slack"/],
    ["a route without teams", { alerting: { receivers: { ops: { type: "webhook" } }, routes: [{ teams: [], receiver: "ops" }] } }, /`alerting.routes\[0\].teams` must list one or more values of `budgets.teamAttribute`/],
    ["an unknown default receiver", { alerting: { defaultReceiver: "ops" } }, /`alerting.defaultReceiver` must be "" or a key of `alerting.receivers` \(none\), got: "ops"/],
    ["an error ratio above 1", { alerting: { apiErrorRatio: 20 } }, /`alerting.apiErrorRatio` must be a fraction above 0 and at most 1/],
    ["a repeat interval that is not a duration", { alerting: { repeatInterval: "daily" } }, /`alerting.repeatInterval` must be a positive duration such as 4h or 5m, got: "daily"/],
  ])("refuses %s with one message naming the setting", (_case, overrides, message) => {
    const problems = problemsOf(overrides);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  test("lists every bad setting in one error", () => {
    expect(() => resolveConfig({ ports: { grafana: -1 }, prometheus: { retentionTime: "forever" } })).toThrow(
      /Invalid stack configuration:\n  - `ports.grafana` must be .*\n  - `prometheus.retentionTime` must be/,
    );
  });

  test("bad configuration fails synth before any resource exists", () => {
    expect(() => synthStack({ prometheus: { retentionSize: "0GB" } })).toThrow(/`prometheus.retentionSize` must be a positive size/);
  });
});

describe("configuration file", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-config-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("defaults when there is no stack.config.json", () => {
    expect(loadConfig(dir, {})).toEqual(DEFAULT_CONFIG);
  });

  test("reads stack.config.json beside main.ts", () => {
    fs.writeFileSync(path.join(dir, "stack.config.json"), JSON.stringify({ prometheus: { retentionTime: "30d" } }));
    expect(loadConfig(dir, {}).prometheus.retentionTime).toBe("30d");
  });

  test("reads the file STACK_CONFIG_FILE names", () => {
    const file = path.join(dir, "team.json");
    fs.writeFileSync(file, JSON.stringify({ teamAttributes: { "team.id": "platform" } }));
    expect(loadConfig(dir, { STACK_CONFIG_FILE: file }).teamAttributes).toEqual({ "team.id": "platform" });
  });

  test("refuses a STACK_CONFIG_FILE that does not exist", () => {
    expect(() => loadConfig(dir, { STACK_CONFIG_FILE: path.join(dir, "missing.json") })).toThrow(/`STACK_CONFIG_FILE` names .*missing.json, which does not exist/);
  });

  test("refuses a file that is not JSON", () => {
    fs.writeFileSync(path.join(dir, "stack.config.json"), "retention: 15d");
    expect(() => loadConfig(dir, {})).toThrow(/stack.config.json is not valid JSON/);
  });

  test("the example file in the repository is valid", () => {
    const example = path.join(__dirname, "..", "stack.config.example.json");
    expect(() => loadConfig(dir, { STACK_CONFIG_FILE: example })).not.toThrow();
  });
});
