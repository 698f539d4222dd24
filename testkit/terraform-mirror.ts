/**
 * Terraform providers for a deploy without the Terraform registry: each is built
 * from its Go source (served by the Go module proxy) into a filesystem mirror,
 * under the version the stack pins, and found through a CLI configuration file
 * of its own (TF_CLI_CONFIG_FILE). The user's Terraform configuration is never read
 * or changed.
 */
import * as fs from "fs";
import * as path from "path";
import { run } from "./toolchain";

/** Where the Go module proxy serves each provider the stack may need, and what that source is. */
const PROVIDER_SOURCES: Record<string, { declaredModule: string; module: string; version: string; source: string }> = {
  "kreuzwerker/docker": {
    // Its go.mod still declares the old module path, so a wrapper module replaces that path.
    declaredModule: "github.com/terraform-providers/terraform-provider-docker",
    module: "github.com/kreuzwerker/terraform-provider-docker",
    version: "v0.0.0-20260916201441-96d331c98ff4",
    source: "commit 96d331c98ff4 of 2026-09-16 (after v3.6.2; the proxy serves no tagged release)",
  },
  "hashicorp/random": {
    declaredModule: "github.com/terraform-providers/terraform-provider-random",
    module: "github.com/hashicorp/terraform-provider-random",
    version: "v1.3.2-0.20260824155315-e1092b0cfc07",
    source: "commit e1092b0cfc07 of 2026-08-24 (after v3.7.2; the proxy serves no tagged release)",
  },
};

export interface ProviderMirror {
  /** The CLI configuration file to point TF_CLI_CONFIG_FILE at. */
  readonly cliConfigFile: string;
  /** One line per provider: the version the stack pins and the source it was built from. */
  readonly provenance: readonly string[];
}

/**
 * Builds (or reuses) every provider in `requiredProviders` (the synthesized
 * stack's `terraform.required_providers`) into a mirror under `cacheDir`.
 */
export function buildProviderMirror(
  requiredProviders: Readonly<Record<string, { source: string; version: string }>>,
  cacheDir: string,
  log: (line: string) => void,
): ProviderMirror {
  const mirrorDir = path.join(cacheDir, "mirror");
  const provenance: string[] = [];
  for (const { source, version } of Object.values(requiredProviders)) {
    const known = PROVIDER_SOURCES[source];
    if (!known) {
      throw new Error(
        `the stack needs the provider ${source} ${version}, which cannot be built here (known: ${Object.keys(PROVIDER_SOURCES).join(", ")}); ` +
          'the deploy test runs with grafana.mode "none"',
      );
    }
    const type = source.split("/")[1];
    const binary = path.join(mirrorDir, "registry.terraform.io", source, version, "linux_amd64", `terraform-provider-${type}_v${version}`);
    provenance.push(`${source} ${version}: built from ${known.module} ${known.source}`);
    if (fs.existsSync(binary)) continue;

    const buildDir = path.join(cacheDir, "build", `${type}-${known.version}`);
    fs.mkdirSync(buildDir, { recursive: true });
    fs.writeFileSync(
      path.join(buildDir, "go.mod"),
      [
        "module providerbuild",
        "",
        "go 1.24",
        "",
        `require ${known.declaredModule} ${known.version}`,
        "",
        `replace ${known.declaredModule} => ${known.module} ${known.version}`,
        "",
      ].join("\n"),
    );
    fs.writeFileSync(path.join(buildDir, "tools.go"), `//go:build tools\n\npackage tools\n\nimport _ "${known.declaredModule}"\n`);
    log(`building the Terraform provider ${source} from ${known.module} ${known.version}; the first build takes several minutes`);
    run("go", ["mod", "tidy"], buildDir);
    fs.mkdirSync(path.dirname(binary), { recursive: true });
    run("go", ["build", "-o", binary, known.declaredModule], buildDir, { CGO_ENABLED: "0" });
  }

  const cliConfigFile = path.join(cacheDir, "terraform.rc");
  fs.writeFileSync(
    cliConfigFile,
    `# Written by the deploy test: providers come only from this mirror.\nprovider_installation {\n  filesystem_mirror {\n    path = ${JSON.stringify(mirrorDir)}\n  }\n}\n`,
  );
  return { cliConfigFile, provenance };
}
