/**
 * Where the scenario's telemetry goes: the stack's Collector and Prometheus run
 * as local processes from the synthesized files (the default), or the whole
 * stack deployed with `cdktf deploy` on Docker, reached through its published
 * ports.
 */
import { execFileSync, spawnSync } from "child_process";
import { createHash, randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { ManagedProcess, answersOk, freePort, portOpen, sleep } from "./processes";
import {
  LocalPorts,
  LocalStackBinaries,
  SynthesizedFiles,
  localAlertmanagerFlags,
  localCollectorYaml,
  localPrometheusFlags,
  localPrometheusYaml,
  metricsEndpointCount,
} from "./stack-files";
import { renderTeamTokenMapping } from "../renderers/team-token-mapping";
import { PROJECT_DIR } from "./paths";
import type { OtlpEndpoint } from "./otlp";

export interface StackUnderTest {
  readonly prometheusUrl: string;
  /** Alertmanager's API, when the stack has alerting. */
  readonly alertmanagerUrl?: string;
  /** OTLP gRPC endpoint for Claude Code. */
  readonly otlpEndpoint: string;
  /** OTLP/HTTP logs endpoint of the Collector, where the test passes Claude Code's events on. */
  readonly otlpLogsEndpoint: string;
  /** The Collector's OTLP/HTTP port, for data the test sends by hand (no team token). */
  readonly otlpHttp: OtlpEndpoint;
  restartCollector(): Promise<void>;
  stopCollector(): Promise<void>;
  startCollector(): Promise<void>;
  stopPrometheus(): Promise<void>;
  startPrometheus(): Promise<void>;
  /** Replaces the alerting rules and has Prometheus reload them (local stack only: the deployed one changes them by deploy). */
  replaceAlertRules?(rulesYaml: string): Promise<void>;
  stop(): Promise<void>;
  /** Process ids where the programs run on this machine (local stack only). */
  readonly pids?: () => { collector?: number; prometheus?: number };
}

/** Team mode's two Collector files, as the stack uploads them but with the test's own tokens. */
export interface LocalTeamFiles {
  /** The bearer tokens, one per line. */
  readonly tokenFile: string;
  /** The token-to-team mapping (renderTeamTokenMapping of the test's tokens). */
  readonly mappingYaml: string;
  /** Folder holding the PEM files the configuration names under /etc/otelcol-contrib/tls/, when it has TLS. */
  readonly tlsDir?: string;
}

/**
 * A fresh random token for each team and the team-mode files that go with
 * them, the mapping rendered by the function the stack uses.
 */
export function testTeamFiles(
  teams: readonly string[],
  teamAttribute: string,
  tlsDir?: string,
): { tokens: Readonly<Record<string, string>>; files: LocalTeamFiles } {
  const tokens = Object.fromEntries(teams.map((team) => [team, randomBytes(20).toString("hex")]));
  const mappingYaml = renderTeamTokenMapping({
    teamAttribute,
    teams: teams.map((team) => ({ team, tokenSha256: createHash("sha256").update(tokens[team]).digest("hex") })),
  });
  return { tokens, files: { tokenFile: `${Object.values(tokens).join("\n")}\n`, mappingYaml, tlsDir } };
}

/** Where the synthesized team-mode configuration expects the token file. */
const CONTAINER_TOKEN_FILE = /filename: \/etc\/otelcol-contrib\/team-tokens/;
const CONTAINER_TLS_DIR = "/etc/otelcol-contrib/tls/";
const CONTAINER_CENTRAL_STORE_TLS_DIR = "/etc/prometheus/central-store/";

/** What a local stack runs besides the synthesized files. */
export interface LocalStackOptions {
  /** Team mode's files. @default - none (the stack is not in team mode) */
  readonly team?: LocalTeamFiles;
  /** Folder holding the cert.pem, key.pem and ca.pem that the configuration names under /etc/prometheus/central-store/. @default - none */
  readonly centralStoreTlsDir?: string;
  /** Each alert receiver's secret (URL or SMTP password), by receiver name. @default - none */
  readonly receiverSecrets?: Readonly<Record<string, string>>;
}

/**
 * The Collector, Prometheus and (with alerting) Alertmanager binaries running
 * the stack's files on loopback.
 */
export async function startLocalStack(files: SynthesizedFiles, binaries: LocalStackBinaries, dir: string, options: LocalStackOptions = {}): Promise<StackUnderTest> {
  const { team, centralStoreTlsDir } = options;
  const metricsPorts: number[] = [];
  for (let i = 0; i < metricsEndpointCount(files.collectorYaml); i++) metricsPorts.push(await freePort());
  const ports: LocalPorts = {
    otlpGrpc: await freePort(),
    otlpHttp: await freePort(),
    collectorMetrics: metricsPorts,
    collectorTelemetry: await freePort(),
    prometheus: await freePort(),
    alertmanager: files.alerting ? await freePort() : undefined,
  };
  const collectorFile = path.join(dir, "collector.yaml");
  const prometheusFile = path.join(dir, "prometheus.yml");
  const collectorArgs = ["--config", collectorFile];
  let collectorYaml = localCollectorYaml(files.collectorYaml, ports);
  if (team) {
    const tokenFile = path.join(dir, "team-tokens");
    const mappingFile = path.join(dir, "team-from-token.yaml");
    fs.writeFileSync(tokenFile, team.tokenFile, { mode: 0o600 });
    fs.writeFileSync(mappingFile, team.mappingYaml);
    if (!CONTAINER_TOKEN_FILE.test(collectorYaml)) throw new Error("the synthesized Collector configuration names no team token file");
    collectorYaml = collectorYaml.replace(CONTAINER_TOKEN_FILE, `filename: ${tokenFile}`);
    if (team.tlsDir) collectorYaml = collectorYaml.split(CONTAINER_TLS_DIR).join(`${team.tlsDir}/`);
    collectorArgs.push("--config", mappingFile);
  }
  fs.writeFileSync(collectorFile, collectorYaml);
  let prometheusYaml = localPrometheusYaml(files.prometheusYaml, ports, dir);
  if (centralStoreTlsDir) prometheusYaml = prometheusYaml.split(CONTAINER_CENTRAL_STORE_TLS_DIR).join(`${centralStoreTlsDir}/`);
  fs.writeFileSync(prometheusFile, prometheusYaml);
  fs.writeFileSync(path.join(dir, "recording-rules.yml"), files.prometheusRulesYaml);
  if (files.alerting) fs.writeFileSync(path.join(dir, "alert-rules.yml"), files.alerting.rulesYaml);
  const prometheusUrl = `http://127.0.0.1:${ports.prometheus}`;
  const collector = new ManagedProcess(
    "Collector",
    binaries.collector,
    collectorArgs,
    path.join(dir, "collector.log"),
    // The Collector starts its receivers last: once OTLP answers, the whole pipeline runs.
    () => portOpen(ports.otlpGrpc),
    files.collectorEnv,
  );
  const prometheus = new ManagedProcess(
    "Prometheus",
    binaries.prometheus,
    localPrometheusFlags(files.prometheusFlags, prometheusFile, path.join(dir, "tsdb"), ports),
    path.join(dir, "prometheus.log"),
    () => answersOk(`${prometheusUrl}/-/ready`),
  );
  const alertmanager = files.alerting && ports.alertmanager ? localAlertmanager(files.alerting, binaries, dir, ports.alertmanager, options.receiverSecrets ?? {}) : undefined;
  await alertmanager?.process.start();
  await collector.start();
  await prometheus.start();
  return {
    prometheusUrl,
    alertmanagerUrl: alertmanager?.url,
    otlpEndpoint: `http://127.0.0.1:${ports.otlpGrpc}`,
    otlpLogsEndpoint: `http://127.0.0.1:${ports.otlpHttp}/v1/logs`,
    otlpHttp: { host: "127.0.0.1", port: ports.otlpHttp, token: "" },
    restartCollector: () => collector.restart(),
    stopCollector: () => collector.stop(),
    startCollector: () => collector.start(),
    stopPrometheus: () => prometheus.stop(),
    startPrometheus: () => prometheus.start(),
    replaceAlertRules: async (rulesYaml: string) => {
      fs.writeFileSync(path.join(dir, "alert-rules.yml"), rulesYaml);
      await prometheus.reload();
    },
    pids: () => ({ collector: collector.pid, prometheus: prometheus.pid }),
    stop: async () => {
      await collector.stop();
      await prometheus.stop();
      await alertmanager?.process.stop();
    },
  };
}

/** Where the synthesized Alertmanager configuration expects the receivers' secrets. */
const CONTAINER_SECRETS_DIR = "/etc/alertmanager/secrets/";

/** Alertmanager on loopback with the synthesized file, its secrets in `dir`/secrets. */
function localAlertmanager(alerting: NonNullable<SynthesizedFiles["alerting"]>, binaries: LocalStackBinaries, dir: string, port: number, secrets: Readonly<Record<string, string>>) {
  if (!binaries.alertmanager) throw new Error("the stack has alerting: build Alertmanager with localStackBinaries");
  const secretsDir = path.join(dir, "alertmanager-secrets");
  fs.mkdirSync(secretsDir, { recursive: true, mode: 0o700 });
  for (const [receiver, secret] of Object.entries(secrets)) fs.writeFileSync(path.join(secretsDir, receiver), secret, { mode: 0o600 });
  const configFile = path.join(dir, "alertmanager.yml");
  fs.writeFileSync(configFile, alerting.alertmanagerYaml.split(CONTAINER_SECRETS_DIR).join(`${secretsDir}/`));
  const url = `http://127.0.0.1:${port}`;
  const flags = localAlertmanagerFlags(alerting.alertmanagerFlags, configFile, path.join(dir, "alertmanager-data"), port);
  const process = new ManagedProcess("Alertmanager", binaries.alertmanager, flags, path.join(dir, "alertmanager.log"), () => answersOk(`${url}/-/ready`));
  return { url, process };
}

/** Settings of the deployed stack under test: its own names and ports, beside any stack the user runs. */
export const DEPLOYED_STACK = {
  namePrefix: "claude-code-e2e",
  ports: { otlpGrpc: 14317, otlpHttp: 14318, prometheus: 19090, grafana: 13000 },
} as const;

/**
 * Refuses, with what is missing, where Docker or the registries `cdktf deploy`
 * needs (Terraform registry, Docker Hub) cannot be reached.
 */
export async function checkDeployPrerequisites(): Promise<void> {
  const problems: string[] = [];
  if (spawnSync("docker", ["info"], { stdio: "ignore" }).status !== 0) problems.push("a running Docker engine (`docker info` fails)");
  if (spawnSync("terraform", ["version"], { stdio: "ignore" }).error) problems.push("Terraform 1.7 or newer on PATH");
  for (const [name, url] of [
    ["the Terraform registry", "https://registry.terraform.io/.well-known/terraform.json"],
    ["Docker Hub", "https://registry-1.docker.io/v2/"],
  ]) {
    const reachable = await fetch(url, { signal: AbortSignal.timeout(5000) }).then(
      () => true,
      () => false,
    );
    if (!reachable) problems.push(`${name} (${url} does not answer)`);
  }
  if (problems.length > 0) {
    throw new Error(
      `The deployed-stack path of the end-to-end test needs ${problems.join(", ")}. ` +
        "Run it where Docker and the public registries are reachable, or run `npm run test:e2e` for the local path.",
    );
  }
}

/** `cdktf deploy` of the stack with `configFile`, its state in `dir`; `stop()` destroys it. */
export async function deployStack(configFile: string, dir: string): Promise<StackUnderTest> {
  const env = { ...process.env, STACK_CONFIG_FILE: configFile, STACK_STATE_DIR: path.join(dir, "state"), CHECKPOINT_DISABLE: "1", CI: "1" };
  const cdktf = (command: string) =>
    execFileSync(path.join(PROJECT_DIR, "node_modules", ".bin", "cdktf"), [command, "--auto-approve", "--output", path.join(dir, "cdktf.out")], {
      cwd: PROJECT_DIR,
      env,
      stdio: "inherit",
    });
  cdktf("deploy");
  const prometheusUrl = `http://127.0.0.1:${DEPLOYED_STACK.ports.prometheus}`;
  const container = (part: string) => `${DEPLOYED_STACK.namePrefix}-${part}`;
  const docker = async (command: string, part: string, ready: () => Promise<boolean>) => {
    execFileSync("docker", [command, container(part)], { stdio: "ignore" });
    for (let attempt = 0; attempt < 120 && !(await ready()); attempt++) await sleep(500);
  };
  const collectorUp = () => portOpen(DEPLOYED_STACK.ports.otlpGrpc);
  return {
    prometheusUrl,
    otlpEndpoint: `http://127.0.0.1:${DEPLOYED_STACK.ports.otlpGrpc}`,
    otlpLogsEndpoint: `http://127.0.0.1:${DEPLOYED_STACK.ports.otlpHttp}/v1/logs`,
    otlpHttp: { host: "127.0.0.1", port: DEPLOYED_STACK.ports.otlpHttp, token: "" },
    restartCollector: () => docker("restart", "otel-collector", collectorUp),
    stopCollector: () => docker("stop", "otel-collector", async () => true),
    startCollector: () => docker("start", "otel-collector", collectorUp),
    stopPrometheus: () => docker("stop", "prometheus", async () => true),
    startPrometheus: () => docker("start", "prometheus", () => answersOk(`${prometheusUrl}/-/ready`)),
    stop: async () => {
      cdktf("destroy");
    },
  };
}

