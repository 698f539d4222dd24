import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const PROJECT_DIR = path.join(__dirname, "..");
const CONFIG = path.join(PROJECT_DIR, ".dependency-cruiser.cjs");
const DEPCRUISE = path.join(PROJECT_DIR, "node_modules", "dependency-cruiser", "bin", "dependency-cruise.mjs");

/** dependency-cruiser's verdict on `paths` under `cwd`, with the project's rules. */
function cruise(cwd: string, paths: readonly string[]): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [DEPCRUISE, "--config", CONFIG, "--output-type", "err", ...paths], { cwd, encoding: "utf8" });
  if (result.error) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

test("no import cycle, no import from a layer above, no test code in the product, bench/ apart from e2e/", () => {
  const folders = ["main.ts", "telemetry", "config", "renderers", "dashboards", "constructs", "providers", "testkit", "e2e", "bench", "scripts", "__tests__"];
  const { status, output } = cruise(PROJECT_DIR, folders);
  expect(output).toContain("no dependency violations found");
  expect(status).toBe(0);
});

test("the same rules fail on a planted cycle, an upward import and bench/ importing e2e/", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "imports-"));
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  };
  write("tsconfig.json", JSON.stringify({ compilerOptions: { module: "node16", moduleResolution: "node16" } }));
  write("testkit/a.ts", 'import { b } from "./b";\nexport const a = () => b;\n');
  write("testkit/b.ts", 'import { a } from "./a";\nexport const b = () => a;\n');
  write("telemetry/catalog.ts", 'import { c } from "../config/c";\nexport const catalog = c;\n');
  write("config/c.ts", "export const c = 1;\n");
  write("bench/run.ts", 'import { s } from "../e2e/scenario";\nexport const run = s;\n');
  write("e2e/scenario.ts", "export const s = 1;\n");
  const { status, output } = cruise(dir, ["testkit", "telemetry", "config", "bench", "e2e"]);
  expect(status).not.toBe(0);
  expect(output).toMatch(/no-circular: testkit\/a\.ts/);
  expect(output).toMatch(/telemetry-is-the-bottom: telemetry\/catalog\.ts → config\/c\.ts/);
  expect(output).toMatch(/bench-not-e2e: bench\/run\.ts → e2e\/scenario\.ts/);
  fs.rmSync(dir, { recursive: true, force: true });
});
