/**
 * The release an upgrade starts from: the second entry of CHANGELOG.md, which
 * names its commit, checked out from this repository's history (nothing
 * fetched) into a folder of its own, with the dependencies it pins.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { RULES_FILE } from "../renderers/recording-rules";
import { PROJECT_DIR } from "../testkit/paths";
import { rangeDashboards } from "../testkit/panel-checks";

export interface PreviousRelease {
  readonly version: string;
  readonly commit: string;
  /** The release's source tree, ready for `cdktf` (node_modules in place). */
  readonly dir: string;
  /** Its dashboards over a range as it provisions them (its dashboards/json; see rangeDashboards). */
  readonly dashboards: readonly any[];
  /** How many recording rules it runs (its dashboards/json/recording-rules.yml). */
  readonly recordingRules: number;
  /** The series its recording rules write. */
  readonly recordedSeries: ReadonlySet<string>;
}

/** Version and commit of the release before the newest entry of CHANGELOG.md. */
export function previousReleaseEntry(changelog = fs.readFileSync(path.join(PROJECT_DIR, "CHANGELOG.md"), "utf8")): { version: string; commit: string } {
  const entries = changelog.split(/^## /m).slice(1);
  if (entries.length < 2) throw new Error("CHANGELOG.md has no release before the newest one to upgrade from");
  const version = entries[1].split(/\s/)[0];
  const commit = /\bcommit ([0-9a-f]{7,40})\b/.exec(entries[1])?.[1];
  if (!commit) throw new Error(`CHANGELOG.md's entry ${version} names no commit ("the stack as of commit <hash>"): the upgrade test builds that release from git`);
  return { version, commit };
}

/**
 * Writes the previous release's files into `dir` (git archive) and gives it
 * the dependencies its package-lock.json pins: this checkout's node_modules
 * when the product's packages are the same versions, else its own `npm ci`.
 */
export function checkoutPreviousRelease(dir: string, log: (line: string) => void): PreviousRelease {
  const { version, commit } = previousReleaseEntry();
  if (spawnSync("git", ["-C", PROJECT_DIR, "cat-file", "-e", `${commit}^{commit}`]).status !== 0) {
    throw new Error(`commit ${commit} (release ${version}) is not in this clone: the upgrade test needs the history (git fetch --unshallow)`);
  }
  fs.mkdirSync(dir, { recursive: true });
  const archive = execFileSync("git", ["-C", PROJECT_DIR, "archive", "--format=tar", commit], { maxBuffer: 256 * 1024 * 1024 });
  execFileSync("tar", ["-x", "-C", dir], { input: archive });
  const productPackages = (projectDir: string) => {
    const lock = JSON.parse(fs.readFileSync(path.join(projectDir, "package-lock.json"), "utf8"));
    const manifest = JSON.parse(fs.readFileSync(path.join(projectDir, "package.json"), "utf8"));
    const names = [...Object.keys(manifest.dependencies ?? {}), "cdktf-cli", "ts-node", "typescript"];
    return Object.fromEntries(names.sort().map((name) => [name, lock.packages[`node_modules/${name}`]?.version]));
  };
  const same = JSON.stringify(productPackages(dir)) === JSON.stringify(productPackages(PROJECT_DIR));
  if (same) {
    fs.symlinkSync(path.join(PROJECT_DIR, "node_modules"), path.join(dir, "node_modules"));
  } else {
    log(`release ${version} pins other package versions than this checkout: npm ci in ${dir}`);
    execFileSync("npm", ["ci", "--ignore-scripts", "--no-audit", "--no-fund"], { cwd: dir, stdio: "inherit" });
  }
  const dashboardsDir = path.join(dir, "dashboards", "json");
  const dashboards = rangeDashboards(
    fs
      .readdirSync(dashboardsDir)
      .filter((file) => file.endsWith(".json"))
      .sort()
      .map((file) => JSON.parse(fs.readFileSync(path.join(dashboardsDir, file), "utf8"))),
  );
  const rules = parse(fs.readFileSync(path.join(dashboardsDir, RULES_FILE), "utf8"));
  const records: string[] = (rules.groups as any[]).flatMap((group) => group.rules.map((rule: any) => rule.record));
  return { version, commit, dir, dashboards, recordingRules: records.length, recordedSeries: new Set(records) };
}
