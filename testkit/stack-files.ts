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
import { buildCollector, buildPrometheus, imageVersion } from "./toolchain";

export interface SynthesizedFiles {
  readonly collectorYaml: string;
  readonly prometheusYaml: string;
  readonly prometheusRulesYaml: string;
  readonly prometheusFlags: readonly string[];
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
  return {
    collectorYaml: collector.upload[0].content,
    prometheusYaml: prometheus.upload[0].content,
    prometheusRulesYaml: prometheus.upload[1].content,
    prometheusFlags: prometheus.command,
    collectorImage: images.find((name) => name.includes("collector"))!,
    prometheusImage: images.find((name) => name.includes("prometheus"))!,
    claudeCodeEnv: claudeCodeSettings(stack.output),
    dashboards: Object.values(stack.resource.grafana_dashboard ?? {}).map((d: any) => JSON.parse(d.config_json.replace(/\$\$\{/g, "${"))),
    requiredProviders: stack.terraform.required_providers,
  };
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

/** The Prometheus file with the Collector's container host name replaced by loopback and the rules file's path by `rulesFile`. */
export function localPrometheusYaml(yaml: string, ports: LocalPorts, rulesFile: string): string {
  const targets = yaml.replace(/- [a-z0-9-]+:(\d+)$/gm, (target, port) => {
    const local = ports.collectorMetrics[Number(port) - CONTAINER_METRICS_PORT];
    return local === undefined ? target : `- 127.0.0.1:${local}`;
  });
  return targets.replace(/- \/etc\/prometheus\/[a-z-]+\.yml/, `- ${rulesFile}`);
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

/** The Collector and Prometheus that run a synthesized stack's files on this machine (built once, then cached). */
export function localStackBinaries(files: SynthesizedFiles, log: (line: string) => void): { collector: string; prometheus: string } {
  return {
    collector: buildCollector(files.collectorYaml, imageVersion(files.collectorImage), log),
    prometheus: buildPrometheus(imageVersion(files.prometheusImage), log).prometheus,
  };
}
