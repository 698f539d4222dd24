/**
 * The real programs the end-to-end test runs: an OpenTelemetry Collector built
 * with the Collector Builder from exactly the components the stack's Collector
 * configuration uses, Prometheus built from source, both at the releases of the
 * images the stack pins, and the Claude Code CLI from npm. Builds are cached in
 * .cache/e2e so a second run does not rebuild.
 */
import { execFileSync, spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { CACHE_DIR, PROJECT_DIR } from "./paths";


/** Go module of each Collector component this project may configure, by component type. */
const COLLECTOR_COMPONENTS: Record<string, { kind: string; module: string }> = {
  otlp: { kind: "receivers", module: "go.opentelemetry.io/collector/receiver/otlpreceiver" },
  memory_limiter: { kind: "processors", module: "go.opentelemetry.io/collector/processor/memorylimiterprocessor" },
  batch: { kind: "processors", module: "go.opentelemetry.io/collector/processor/batchprocessor" },
  transform: { kind: "processors", module: "github.com/open-telemetry/opentelemetry-collector-contrib/processor/transformprocessor" },
  delta_to_cumulative: {
    kind: "processors",
    module: "github.com/open-telemetry/opentelemetry-collector-contrib/processor/deltatocumulativeprocessor",
  },
  prometheus: { kind: "exporters", module: "github.com/open-telemetry/opentelemetry-collector-contrib/exporter/prometheusexporter" },
  attributes: { kind: "processors", module: "github.com/open-telemetry/opentelemetry-collector-contrib/processor/attributesprocessor" },
  filter: { kind: "processors", module: "github.com/open-telemetry/opentelemetry-collector-contrib/processor/filterprocessor" },
  bearertokenauth: {
    kind: "extensions",
    module: "github.com/open-telemetry/opentelemetry-collector-contrib/extension/bearertokenauthextension",
  },
  signal_to_metrics: {
    kind: "connectors",
    module: "github.com/open-telemetry/opentelemetry-collector-contrib/connector/signaltometricsconnector",
  },
};

/** Fails with what to install when a program the test needs is missing. */
export function checkPrerequisites(): void {
  const missing: string[] = [];
  const has = (command: string, args: string[]) => !spawnSync(command, args, { stdio: "ignore" }).error;
  if (!has("go", ["version"])) missing.push("Go 1.26 or newer (https://go.dev/dl), to build the Collector, Prometheus and Thanos");
  if (!has("tmux", ["-V"])) missing.push("tmux (`apt-get install tmux`), to drive an interactive Claude Code session");
  if (!has("git", ["--version"])) missing.push("git (`apt-get install git`), for the commits Claude Code makes");
  if (!has("openssl", ["version"])) missing.push("openssl (`apt-get install openssl`), for the team-mode test's TLS certificate");
  if (!fs.existsSync(claudeBinary())) missing.push("the Claude Code CLI: run `npm ci` (it is a devDependency, @anthropic-ai/claude-code)");
  if (missing.length > 0) {
    throw new Error(`The end-to-end test needs:\n${missing.map((m) => `  - ${m}`).join("\n")}`);
  }
}

export function claudeBinary(): string {
  return path.join(PROJECT_DIR, "node_modules", ".bin", "claude");
}

/** The release of the Claude Code CLI the project pins (its devDependency), the newest the tests run. */
export function claudeVersion(): string {
  return JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8")).devDependencies["@anthropic-ai/claude-code"];
}

/** The Claude Code CLI of another release, installed from the npm registry into the cache once. */
export function claudeBinaryOf(version: string, log: (line: string) => void): string {
  const dir = path.join(CACHE_DIR, `claude-code-${version}`);
  const binary = path.join(dir, "node_modules", ".bin", "claude");
  if (fs.existsSync(binary)) return binary;
  log(`installing Claude Code ${version} from npm`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ private: true }));
  const install = spawnSync("npm", ["install", "--no-audit", "--no-fund", `@anthropic-ai/claude-code@${version}`], { cwd: dir, encoding: "utf8" });
  if (install.status !== 0 || !fs.existsSync(binary)) {
    throw new Error(`could not install Claude Code ${version} (npm install @anthropic-ai/claude-code@${version} needs the npm registry):\n${install.stderr}`);
  }
  return binary;
}

/** The version tag of an image reference: otel/x:0.161.0 -> 0.161.0. */
export function imageVersion(image: string): string {
  return image.slice(image.lastIndexOf(":") + 1).replace(/^v/, "");
}

/**
 * Builds (or reuses) a Collector with every component the stack can configure
 * (in any mode, as the contrib image has them all), every one at `version`,
 * after checking that the given configuration uses no other.
 */
export function buildCollector(collectorYaml: string, version: string, log: (line: string) => void): string {
  const config = parse(collectorYaml);
  for (const kind of ["receivers", "processors", "exporters", "extensions", "connectors"]) {
    for (const id of Object.keys(config[kind] ?? {})) {
      const type = id.split("/")[0];
      if (COLLECTOR_COMPONENTS[type]?.kind !== kind) {
        throw new Error(`the Collector configuration uses ${kind} "${type}", which testkit/toolchain.ts does not know how to build; add its Go module`);
      }
    }
  }
  const manifest: Record<string, string[]> = { receivers: [], processors: [], exporters: [], extensions: [], connectors: [] };
  for (const { kind, module } of Object.values(COLLECTOR_COMPONENTS)) manifest[kind].push(`${module} v${version}`);
  const key = Object.values(manifest).flat().sort().join("\n");
  const buildDir = path.join(CACHE_DIR, `otelcol-${version}-${hash(key)}`);
  const binary = path.join(buildDir, "out", "otelcol-e2e");
  if (fs.existsSync(binary)) return binary;

  fs.mkdirSync(buildDir, { recursive: true });
  const yaml = [
    "dist:",
    "  name: otelcol-e2e",
    "  description: Collector for the Claude Code monitoring stack's end-to-end test",
    "  output_path: ./out",
    ...Object.entries(manifest).flatMap(([kind, lines]) => [`${kind}:`, ...lines.map((gomod) => `  - gomod: ${gomod}`)]),
    "",
  ].join("\n");
  fs.writeFileSync(path.join(buildDir, "manifest.yaml"), yaml);
  const gobin = path.join(CACHE_DIR, "bin");
  const builder = path.join(gobin, `builder-${version}`);
  if (!fs.existsSync(builder)) {
    log(`installing the Collector Builder v${version}`);
    run("go", ["install", `go.opentelemetry.io/collector/cmd/builder@v${version}`], buildDir, { GOBIN: buildDir });
    fs.mkdirSync(gobin, { recursive: true });
    fs.renameSync(path.join(buildDir, "builder"), builder);
  }
  log(`building the Collector v${version} (${Object.values(manifest).flat().length} components); the first build takes several minutes`);
  run(builder, ["--config", "manifest.yaml"], buildDir);
  return binary;
}

/** Builds (or reuses) Prometheus and promtool at `version` (3.16.0 is module v0.316.0). */
export function buildPrometheus(version: string, log: (line: string) => void): { prometheus: string; promtool: string } {
  const moduleVersion = prometheusModuleVersion(version);
  const buildDir = path.join(CACHE_DIR, `prometheus-${version}-static`);
  const prometheus = path.join(buildDir, "bin", "prometheus");
  const promtool = path.join(buildDir, "bin", "promtool");
  if (fs.existsSync(prometheus) && fs.existsSync(promtool)) return { prometheus, promtool };

  fs.mkdirSync(buildDir, { recursive: true });
  fs.writeFileSync(path.join(buildDir, "go.mod"), `module prometheuse2e\n\ngo 1.24\n\nrequire github.com/prometheus/prometheus ${moduleVersion}\n`);
  fs.writeFileSync(
    path.join(buildDir, "tools.go"),
    '//go:build tools\n\npackage tools\n\nimport (\n\t_ "github.com/prometheus/prometheus/cmd/prometheus"\n\t_ "github.com/prometheus/prometheus/cmd/promtool"\n)\n',
  );
  log(`building Prometheus ${version} (module ${moduleVersion}); the first build takes several minutes`);
  run("go", ["mod", "tidy"], buildDir);
  // Service discovery plugins are left out: the stack scrapes one static target.
  // Static (no cgo), as in the upstream image, so the deploy test's image needs no libc.
  for (const program of ["prometheus", "promtool"]) {
    run("go", ["build", "-tags", "remove_all_sd", "-o", `bin/${program}`, `github.com/prometheus/prometheus/cmd/${program}`], buildDir, { CGO_ENABLED: "0" });
  }
  return { prometheus, promtool };
}

/** The Go module version of a Prometheus 3.x release: 3.16.0 is v0.316.0. */
function prometheusModuleVersion(version: string): string {
  const [major, minor, patch] = version.split(".").map(Number);
  if (major !== 3) throw new Error(`the test builds Prometheus 3.x; the stack pins ${version}`);
  return `v0.${300 + minor}.${patch}`;
}

/**
 * Builds (or reuses) testkit/block-writer against the TSDB code of Prometheus
 * `version`: the benchmark's histories become blocks through it.
 */
export function buildBlockWriter(version: string, log: (line: string) => void): string {
  const moduleVersion = prometheusModuleVersion(version);
  const source = fs.readFileSync(path.join(PROJECT_DIR, "testkit", "block-writer", "main.go"), "utf8");
  const buildDir = path.join(CACHE_DIR, `block-writer-${version}-${hash(source)}`);
  const binary = path.join(buildDir, "bin", "block-writer");
  if (fs.existsSync(binary)) return binary;
  fs.mkdirSync(buildDir, { recursive: true });
  fs.writeFileSync(path.join(buildDir, "go.mod"), `module blockwriter\n\ngo 1.24\n\nrequire github.com/prometheus/prometheus ${moduleVersion}\n`);
  fs.writeFileSync(path.join(buildDir, "main.go"), source);
  log(`building the block writer against Prometheus ${version}'s TSDB`);
  run("go", ["mod", "tidy"], buildDir);
  run("go", ["build", "-o", "bin/block-writer", "."], buildDir, { CGO_ENABLED: "0" });
  return binary;
}

/**
 * Builds (or reuses) Alertmanager and amtool at `version` from its Go module.
 * The module lacks the web UI's built assets (ui/app/dist, made by npm in
 * Alertmanager's own release build), which the server embeds: the build uses
 * a copy of the module with a one-page placeholder there. The API, routing,
 * silences and notifications are the module's own code.
 */
export function buildAlertmanager(version: string, log: (line: string) => void): { alertmanager: string; amtool: string } {
  const buildDir = path.join(CACHE_DIR, `alertmanager-${version}`);
  const alertmanager = path.join(buildDir, "bin", "alertmanager");
  const amtool = path.join(buildDir, "bin", "amtool");
  if (fs.existsSync(alertmanager) && fs.existsSync(amtool)) return { alertmanager, amtool };
  const module = "github.com/prometheus/alertmanager";
  fs.mkdirSync(buildDir, { recursive: true });
  log(`building Alertmanager ${version} from its module; the first build takes a few minutes`);
  run("go", ["mod", "download", `${module}@v${version}`], buildDir);
  const moduleDir = execFileSync("go", ["list", "-m", "-f", "{{.Dir}}", `${module}@v${version}`], { cwd: buildDir, encoding: "utf8" }).trim();
  const source = path.join(buildDir, "src");
  fs.rmSync(source, { recursive: true, force: true });
  fs.cpSync(moduleDir, source, { recursive: true });
  execFileSync("chmod", ["-R", "u+w", source]);
  for (const ui of ["elm", "mantine"]) {
    fs.mkdirSync(path.join(source, "ui", "app", "dist", ui), { recursive: true });
    fs.writeFileSync(path.join(source, "ui", "app", "dist", ui, "index.html"), "<!doctype html><title>Alertmanager</title><p>Built for tests: the API is served, the web UI is not.\n");
  }
  fs.writeFileSync(path.join(buildDir, "go.mod"), `module alertmanagere2e\n\ngo 1.24\n\nrequire ${module} v${version}\n\nreplace ${module} => ./src\n`);
  fs.writeFileSync(
    path.join(buildDir, "tools.go"),
    `//go:build tools\n\npackage tools\n\nimport (\n\t_ "${module}/cmd/alertmanager"\n\t_ "${module}/cmd/amtool"\n)\n`,
  );
  run("go", ["mod", "tidy"], buildDir);
  // Static, like Prometheus, so the deploy test's image needs no libc.
  for (const program of ["alertmanager", "amtool"]) {
    const stamp = `-X github.com/prometheus/common/version.Version=${version}`;
    run("go", ["build", "-ldflags", stamp, "-o", `bin/${program}`, `${module}/cmd/${program}`], buildDir, { CGO_ENABLED: "0" });
  }
  return { alertmanager, amtool };
}

/** The VictoriaMetrics single-node release the benchmark's anchor runs (newer ones may need a newer Go than this machine's). */
export const VICTORIA_METRICS_VERSION = "v1.151.0";

/** Builds (or reuses) VictoriaMetrics single-node from its module, as `go install` builds it. */
export function buildVictoriaMetrics(log: (line: string) => void): string {
  const buildDir = path.join(CACHE_DIR, `victoria-metrics-${VICTORIA_METRICS_VERSION}`);
  const binary = path.join(buildDir, "bin", "victoria-metrics");
  if (fs.existsSync(binary)) return binary;
  fs.mkdirSync(buildDir, { recursive: true });
  log(`building VictoriaMetrics ${VICTORIA_METRICS_VERSION} from its module; the first build takes several minutes`);
  run("go", ["install", `github.com/VictoriaMetrics/VictoriaMetrics/app/victoria-metrics@${VICTORIA_METRICS_VERSION}`], buildDir, { GOBIN: path.join(buildDir, "bin") });
  return binary;
}

/**
 * The Thanos release the central-store test runs: the newest v0.42 the Go
 * module proxy serves that builds with this machine's Go (v0.42.5 asks for
 * Go 1.26.10).
 */
export const THANOS_VERSION = "v0.42.4";

/**
 * The replace directives of Thanos's own go.mod at THANOS_VERSION: `go build`
 * of a module that requires Thanos ignores them, so the wrapper repeats them.
 */
const THANOS_REPLACES = [
  "capnproto.org/go/capnp/v3 => capnproto.org/go/capnp/v3 v3.0.0-alpha.30",
  "github.com/bradfitz/gomemcache => github.com/themihai/gomemcache v0.0.0-20180902122335-24332e2d58ab",
  "github.com/sercand/kuberesolver/v4 => github.com/sercand/kuberesolver/v5 v5.1.1",
  "github.com/vimeo/galaxycache => github.com/thanos-community/galaxycache v0.0.0-20211122094458-3a32041a1f1e",
  "gopkg.in/alecthomas/kingpin.v2 => github.com/alecthomas/kingpin v1.3.8-0.20210301060133-17f40c25f497",
  "zenhack.net/go/util => github.com/zenhack/go-util v0.0.0-20231005031245-66f5419c2aea",
];

/** Builds (or reuses) the `thanos` binary (Receive and Query are subcommands) from its module. */
export function buildThanos(log: (line: string) => void): string {
  const buildDir = path.join(CACHE_DIR, `thanos-${THANOS_VERSION}`);
  const thanos = path.join(buildDir, "bin", "thanos");
  if (fs.existsSync(thanos)) return thanos;
  fs.mkdirSync(buildDir, { recursive: true });
  fs.writeFileSync(
    path.join(buildDir, "go.mod"),
    `module thanose2e\n\ngo 1.26\n\nrequire github.com/thanos-io/thanos ${THANOS_VERSION}\n\nreplace (\n${THANOS_REPLACES.map((line) => `\t${line}\n`).join("")})\n`,
  );
  fs.writeFileSync(path.join(buildDir, "tools.go"), '//go:build tools\n\npackage tools\n\nimport _ "github.com/thanos-io/thanos/cmd/thanos"\n');
  log(`building Thanos ${THANOS_VERSION} from its module; the first build takes several minutes`);
  run("go", ["mod", "tidy"], buildDir);
  // Thanos's own build tags (its .promu.yml): it relies on Prometheus's slice layout of labels,
  // and without it Receive panics on the first remote write.
  run("go", ["build", "-tags", "netgo,slicelabels", "-o", "bin/thanos", "github.com/thanos-io/thanos/cmd/thanos"], buildDir, { CGO_ENABLED: "0" });
  return thanos;
}

/** Runs a build command in `cwd`; throws with its output when it fails. */
export function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}): void {
  try {
    execFileSync(command, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const failure = error as { stderr?: Buffer; stdout?: Buffer };
    throw new Error(`${command} ${args.join(" ")} failed in ${cwd}:\n${failure.stderr?.toString() ?? ""}${failure.stdout?.toString() ?? ""}`);
  }
}

function hash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 12);
}

/**
 * Runs `promtool test rules` on the test file `tests` in `dir` (beside the
 * rules files it names) and returns its output; a failure throws with
 * promtool's output and where the files are.
 */
export function promtoolTestRules(promtool: string, dir: string, tests = "tests.yml"): string {
  try {
    return execFileSync(promtool, ["test", "rules", tests], { cwd: dir, encoding: "utf8", stdio: "pipe" });
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string };
    throw new Error(`promtool test rules failed (files in ${dir}):\n${failure.stdout ?? ""}${failure.stderr ?? ""}`);
  }
}
