/**
 * Reads what the synthesized stack uploads into its containers (the Collector
 * and Prometheus configuration files, Prometheus's flags) and the Claude Code
 * settings it outputs, from a real `cdktf synth`. The only changes made to them
 * map container host names, ports and paths to this machine.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { PROJECT_DIR } from "./paths";
import { buildAlertmanager, buildCollector, buildPrometheus, imageVersion } from "./toolchain";

export interface SynthesizedFiles {
  readonly collectorYaml: string;
  /** Environment variables of the Collector's container, e.g. GOMEMLIMIT. */
  readonly collectorEnv: Readonly<Record<string, string>>;
  readonly prometheusYaml: string;
  readonly prometheusRulesYaml: string;
  readonly prometheusFlags: readonly string[];
  /** Alerting (absent when `alerting.enabled` is false): the alerting rules, and Alertmanager's file, flags and image. */
  readonly alerting?: {
    readonly rulesYaml: string;
    readonly alertmanagerYaml: string;
    readonly alertmanagerFlags: readonly string[];
    readonly alertmanagerImage: string;
  };
  readonly collectorImage: string;
  readonly prometheusImage: string;
  readonly claudeCodeEnv: Readonly<Record<string, string>>;
  /** The dashboards exactly as the stack provisions them into Grafana (none when it runs no Grafana provider). */
  readonly dashboards: readonly any[];
  /** `terraform.required_providers` of the synthesized stack. */
  readonly requiredProviders: Readonly<Record<string, { source: string; version: string }>>;
}

/**
 * Runs `cdktf synth` with `config` as the stack configuration and reads the
 * result; `projectDir` is the source tree (another release's, for an upgrade).
 */
export function synthesize(config: object, workDir: string, projectDir = PROJECT_DIR): SynthesizedFiles {
  const configFile = path.join(workDir, "stack.config.json");
  const outDir = path.join(workDir, "cdktf.out");
  fs.writeFileSync(configFile, JSON.stringify(config, null, 2));
  execFileSync(path.join(projectDir, "node_modules", ".bin", "cdktf"), ["synth", "--output", outDir], {
    cwd: projectDir,
    env: { ...process.env, STACK_CONFIG_FILE: configFile, CHECKPOINT_DISABLE: "1", CI: "1" },
    stdio: "pipe",
  });
  const stack = JSON.parse(fs.readFileSync(path.join(outDir, "stacks", "claude-code-monitoring", "cdk.tf.json"), "utf8"));
  const containers = Object.entries(stack.resource.docker_container) as [string, any][];
  const container = (prefix: string) => containers.find(([id]) => id.startsWith(prefix))![1];
  const images = Object.values(stack.resource.docker_image).map((image: any) => image.name as string);
  const collector = container("collector");
  const prometheus = container("prometheus");
  const alertmanager = containers.find(([id]) => id.startsWith("alertmanager"))?.[1];
  const uploaded = (service: any, file: string) => terraformText(service.upload.find((upload: any) => upload.file.endsWith(file))?.content);
  return {
    collectorYaml: collector.upload[0].content,
    collectorEnv: Object.fromEntries(((collector.env ?? []) as string[]).map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)])),
    prometheusYaml: uploaded(prometheus, "/prometheus.yml"),
    prometheusRulesYaml: uploaded(prometheus, "/recording-rules.yml"),
    prometheusFlags: prometheus.command,
    alerting: alertmanager && {
      rulesYaml: uploaded(prometheus, "/alert-rules.yml"),
      alertmanagerYaml: uploaded(alertmanager, "/alertmanager.yml"),
      alertmanagerFlags: alertmanager.command,
      alertmanagerImage: images.find((name) => name.includes("alertmanager"))!,
    },
    collectorImage: images.find((name) => name.includes("collector"))!,
    prometheusImage: images.find((name) => name.includes("prometheus"))!,
    claudeCodeEnv: claudeCodeSettings(stack.output),
    dashboards: Object.values(stack.resource.grafana_dashboard ?? {}).map((d: any) => JSON.parse(terraformText(d.config_json))),
    requiredProviders: stack.terraform.required_providers,
  };
}

/** A string of cdk.tf.json as Terraform hands it on: `$${` and `%%{` are escaped `${` and `%{`. */
function terraformText(text: string): string {
  return text.replace(/\$\$\{/g, "${").replace(/%%\{/g, "%{");
}

/**
 * The `env` of the Claude Code settings output; in team mode, of the first
 * team's output, without its header (the test sends its own tokens).
 */
function claudeCodeSettings(outputs: Record<string, { value: string }>): Record<string, string> {
  const name = Object.keys(outputs).find((key) => key === "claude_code_settings" || key.startsWith("claude_code_settings_"))!;
  const { OTEL_EXPORTER_OTLP_HEADERS: _header, ...env } = JSON.parse(outputs[name].value).env;
  return env;
}

/** Loopback ports the test's Collector and Prometheus listen on. */
export interface LocalPorts {
  readonly otlpGrpc: number;
  readonly otlpHttp: number;
  /** One per metrics endpoint of the Collector, in the order of their container ports (8889, then up: team mode). */
  readonly collectorMetrics: readonly number[];
  readonly collectorTelemetry: number;
  readonly prometheus: number;
  /** Alertmanager's port, when the stack has alerting. */
  readonly alertmanager?: number;
}

/** The Collector's first metrics port in its container; team mode adds one per team after it. */
const CONTAINER_METRICS_PORT = 8889;

/** How many metrics endpoints the Collector file has (one per team in team mode). */
export function metricsEndpointCount(collectorYaml: string): number {
  return Object.keys(parse(collectorYaml).exporters).length;
}

/** The Collector file with every listen address moved to 127.0.0.1 and the given ports. */
export function localCollectorYaml(yaml: string, ports: LocalPorts): string {
  return replaceAll(yaml, {
    "0.0.0.0:4317": `127.0.0.1:${ports.otlpGrpc}`,
    "0.0.0.0:4318": `127.0.0.1:${ports.otlpHttp}`,
    ...Object.fromEntries(ports.collectorMetrics.map((port, index) => [`0.0.0.0:${CONTAINER_METRICS_PORT + index}`, `127.0.0.1:${port}`])),
  }).replace(/host: 0\.0\.0\.0(\s+)port: 8888/, (_, space) => `host: 127.0.0.1${space}port: ${ports.collectorTelemetry}`);
}

/** Container ports of the stack's other scrape and alerting targets, and the local port each maps to. */
const OTHER_TARGETS: Readonly<Record<number, keyof LocalPorts>> = { 8888: "collectorTelemetry", 9090: "prometheus", 9093: "alertmanager" };

/**
 * The Prometheus file with every target's container host name and port
 * replaced by loopback and the local port, and the rules files' folder by
 * `rulesDir` (where they keep their names).
 */
export function localPrometheusYaml(yaml: string, ports: LocalPorts, rulesDir: string): string {
  const targets = yaml.replace(/- [a-z0-9-]+:(\d+)$/gm, (target, port) => {
    const other = OTHER_TARGETS[Number(port)];
    const local = other ? ports[other] : ports.collectorMetrics[Number(port) - CONTAINER_METRICS_PORT];
    return typeof local === "number" ? `- 127.0.0.1:${local}` : target;
  });
  return targets.replace(/\/etc\/prometheus\/([a-z-]+)(\.yml|-password)$/gm, (_, name, suffix) => path.join(rulesDir, `${name}${suffix}`));
}

/** Alertmanager's flags with the container's paths and listen address moved to this machine. */
export function localAlertmanagerFlags(flags: readonly string[], configFile: string, dataDir: string, port: number): string[] {
  return flags.map((flag) => {
    if (flag.startsWith("--config.file=")) return `--config.file=${configFile}`;
    if (flag.startsWith("--storage.path=")) return `--storage.path=${dataDir}`;
    if (flag.startsWith("--web.listen-address=")) return `--web.listen-address=127.0.0.1:${port}`;
    if (flag.startsWith("--web.external-url=")) return `--web.external-url=http://127.0.0.1:${port}`;
    return flag;
  });
}

/** Prometheus's flags with the container's paths and listen address moved to this machine. */
export function localPrometheusFlags(flags: readonly string[], configFile: string, dataDir: string, ports: LocalPorts): string[] {
  return flags.map((flag) => {
    if (flag.startsWith("--config.file=")) return `--config.file=${configFile}`;
    if (flag.startsWith("--storage.tsdb.path=")) return `--storage.tsdb.path=${dataDir}`;
    if (flag.startsWith("--web.listen-address=")) return `--web.listen-address=127.0.0.1:${ports.prometheus}`;
    return flag;
  });
}

function replaceAll(text: string, replacements: Record<string, string>): string {
  let result = text;
  for (const [from, to] of Object.entries(replacements)) {
    if (!result.includes(from)) throw new Error(`expected ${from} in the synthesized Collector configuration`);
    result = result.split(from).join(to);
  }
  return result;
}

/** The programs that run a synthesized stack's files on this machine. */
export interface LocalStackBinaries {
  readonly collector: string;
  readonly prometheus: string;
  /** When the stack has alerting. */
  readonly alertmanager?: string;
}

/** The Collector, Prometheus and (with alerting) Alertmanager that run a synthesized stack's files on this machine (built once, then cached). */
export function localStackBinaries(files: SynthesizedFiles, log: (line: string) => void): LocalStackBinaries {
  return {
    collector: buildCollector(files.collectorYaml, imageVersion(files.collectorImage), log),
    prometheus: buildPrometheus(imageVersion(files.prometheusImage), log).prometheus,
    alertmanager: files.alerting && buildAlertmanager(imageVersion(files.alerting.alertmanagerImage), log).alertmanager,
  };
}
