import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

const PROJECT_DIR = path.join(__dirname, "..");
const WORKFLOW = path.join(PROJECT_DIR, ".github", "workflows", "plan-review.yml");
const ACTIONLINT = path.join(PROJECT_DIR, ".cache", "tools", "bin", "actionlint");

describe("GitHub workflow", () => {
  test("plan-review.yml passes actionlint (with shellcheck on its run steps)", () => {
    if (!fs.existsSync(ACTIONLINT)) {
      throw new Error("actionlint is missing: run scripts/install-test-tools.sh (it builds actionlint into .cache/tools/bin)");
    }
    if (spawnSync("shellcheck", ["--version"]).error) {
      throw new Error("shellcheck is missing: install it (`apt-get install shellcheck`) so actionlint checks the workflow's shell steps");
    }
    const result = spawnSync(ACTIONLINT, ["-shellcheck", "shellcheck", WORKFLOW], { encoding: "utf8" });
    expect(`${result.stdout}${result.stderr}`).toBe("");
    expect(result.status).toBe(0);
  });

  test("plans the pull request with the project's own plan-review", () => {
    const workflow = fs.readFileSync(WORKFLOW, "utf8");
    expect(workflow).toContain("npm run --silent plan-review -- --markdown-file");
    expect(workflow).toMatch(/on:\n  pull_request:/);
  });
});
