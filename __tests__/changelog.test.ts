import { spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { DEFAULT_CONFIG } from "../config/stack-config";
import { renderRecordingRules } from "../renderers/recording-rules";
import { KEPT_ATTRIBUTES } from "../telemetry/catalog";
import { previousReleaseEntry } from "../e2e/previous-release";
import { synthStack } from "./helpers";

const PROJECT_DIR = path.join(__dirname, "..");
const changelog = fs.readFileSync(path.join(PROJECT_DIR, "CHANGELOG.md"), "utf8");
const version: string = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8")).version;

/**
 * What a deployed stack keeps between versions: the recording rules (what the
 * recorded series are and which labels they carry), the attributes kept as
 * labels, and the named volumes. A change to any of them is an upgrade that
 * can change past numbers, so it needs its own changelog entry.
 */
function storedDataFingerprint(): string {
  const { ruleInterval, scrapeInterval, rollupWindow } = DEFAULT_CONFIG.prometheus;
  const volumes = synthStack().resource.docker_volume;
  const parts = [renderRecordingRules({ interval: ruleInterval, scrapeInterval, rollupWindow }), JSON.stringify(KEPT_ATTRIBUTES), JSON.stringify(volumes)];
  return createHash("sha256").update(parts.join("\n")).digest("hex").slice(0, 16);
}

test("package.json's version follows semantic versioning and is the changelog's newest release", () => {
  expect(version).toMatch(/^\d+\.\d+\.\d+$/);
  const newest = /^## (\d+\.\d+\.\d+) - \d{4}-\d{2}-\d{2}$/m.exec(changelog);
  expect(newest?.[1]).toBe(version);
});

test("a change to the rules, the kept labels or the volumes comes with a changelog entry and its upgrade steps", () => {
  const fingerprint = storedDataFingerprint();
  const newestEntry = changelog.split(/^## /m)[1];
  const named = /Stored-data fingerprint: `([0-9a-f]{16})`/.exec(newestEntry)?.[1];
  if (named !== fingerprint) {
    throw new Error(
      `the recording rules, the kept labels or the volumes changed (fingerprint ${fingerprint}, the newest CHANGELOG.md entry names ${named ?? "none"}): ` +
        "add an entry that says what changes for past numbers and the upgrade steps, and names the new fingerprint",
    );
  }
  expect(newestEntry).toMatch(/^### Upgrade/m);
});

test("the release before the newest names its commit, which the deploy test upgrades from", () => {
  const { commit } = previousReleaseEntry(changelog);
  const found = spawnSync("git", ["-C", PROJECT_DIR, "cat-file", "-e", `${commit}^{commit}`]);
  if (found.status !== 0) throw new Error(`commit ${commit} is not in this clone's history (a shallow clone? git fetch --unshallow)`);
});
