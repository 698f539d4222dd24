import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

test("`cdktf synth` writes the one stack with every resource, offline", () => {
  const projectDir = path.join(__dirname, "..");
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-out-"));
  execFileSync(path.join(projectDir, "node_modules", ".bin", "cdktf"), ["synth", "--output", outDir], {
    cwd: projectDir,
    env: { ...process.env, CHECKPOINT_DISABLE: "1", CI: "1" },
    stdio: "pipe",
  });
  expect(fs.readdirSync(path.join(outDir, "stacks"))).toEqual(["claude-code-monitoring"]);
  const stack = JSON.parse(fs.readFileSync(path.join(outDir, "stacks", "claude-code-monitoring", "cdk.tf.json"), "utf8"));
  const count = (type: string) => Object.keys(stack.resource[type] ?? {}).length;
  expect(count("docker_network")).toBe(1);
  expect(count("docker_volume")).toBe(3);
  expect(count("docker_image")).toBe(4);
  expect(count("docker_container")).toBe(4);
  expect(count("grafana_data_source")).toBe(1);
  expect(count("grafana_folder")).toBe(1);
  expect(count("grafana_dashboard")).toBe(5);
  expect(stack.provider.grafana).toHaveLength(1);
  fs.rmSync(outDir, { recursive: true, force: true });
});
