/**
 * `npm run plan-review`: synthesizes the stack, runs a real Terraform plan of it
 * against the current state, and prints a markdown summary (scripts/plan-summary.ts).
 * Exit code: 0 no changes, 2 changes, 1 error (like `terraform plan -detailed-exitcode`).
 *
 *   npm run plan-review -- [--markdown-file summary.md] [--out-dir cdktf.out]
 *
 * The configuration, state folder and Terraform settings come from the
 * environment as for `cdktf deploy` (STACK_CONFIG_FILE, STACK_STATE_DIR,
 * TF_CLI_CONFIG_FILE, TF_VAR_*).
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { STACK_NAME } from "../constructs/monitoring-stack";
import { PlanSummary, summarizePlan } from "./plan-summary";

const PROJECT_DIR = path.join(__dirname, "..");

export interface PlanReviewOptions {
  /** Where `cdktf synth` writes. @default "cdktf.out" in the project */
  readonly outDir?: string;
  /** Environment of cdktf and Terraform. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

/** Synthesizes the stack and summarizes a real plan of it against its state. */
export function reviewPlan(options: PlanReviewOptions = {}): PlanSummary {
  const outDir = options.outDir ?? path.join(PROJECT_DIR, "cdktf.out");
  const env = { CHECKPOINT_DISABLE: "1", ...(options.env ?? process.env) };
  const run = (command: string, args: string[], cwd: string) => {
    try {
      return execFileSync(command, args, { cwd, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 256 * 1024 * 1024 });
    } catch (error) {
      const failure = error as { stderr?: string; stdout?: string; message: string };
      throw new Error(`${path.basename(command)} ${args[0]} failed:\n${failure.stderr || failure.stdout || failure.message}`);
    }
  };
  run(path.join(PROJECT_DIR, "node_modules", ".bin", "cdktf"), ["synth", "--output", outDir], PROJECT_DIR);
  const stackDir = path.join(outDir, "stacks", STACK_NAME);
  run("terraform", ["init", "-input=false", "-no-color"], stackDir);
  // The plan file holds every value, secrets included: it never leaves this folder.
  const planFile = path.join(stackDir, "plan-review.tfplan");
  try {
    run("terraform", ["plan", "-input=false", "-lock=false", "-no-color", `-out=${planFile}`], stackDir);
    return summarizePlan(JSON.parse(run("terraform", ["show", "-json", planFile], stackDir)), `Terraform plan of \`${STACK_NAME}\``);
  } finally {
    fs.rmSync(planFile, { force: true });
  }
}

/** The value after `--name` on the command line, if given. */
function flag(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? process.argv[index + 1] : undefined;
}

if (require.main === module) {
  try {
    const outDir = flag("out-dir");
    const summary = reviewPlan({ outDir: outDir && path.resolve(outDir) });
    const markdownFile = flag("markdown-file");
    if (markdownFile) fs.writeFileSync(markdownFile, summary.markdown);
    process.stdout.write(summary.markdown);
    process.exit(summary.hasChanges ? 2 : 0);
  } catch (error) {
    console.error(`plan-review: ${(error as Error).message}`);
    process.exit(1);
  }
}
