import { Testing } from "cdktf";
import * as os from "os";
import * as path from "path";
import { MonitoringStack } from "../constructs/monitoring-stack";

/** The synthesized cdk.tf.json of a stack with the given configuration overrides. */
export function synthStack(config: unknown = {}): SynthesizedStack {
  const app = Testing.app();
  const stack = new MonitoringStack(app, "test-stack", { config, stateDir: path.join(os.tmpdir(), "state") });
  return JSON.parse(Testing.synth(stack)) as SynthesizedStack;
}

export interface SynthesizedStack {
  terraform: Record<string, any>;
  provider: Record<string, any[]>;
  resource: Record<string, Record<string, any>>;
  output: Record<string, any>;
  variable?: Record<string, any>;
}

/** The one resource of `type` whose logical id starts with `prefix`. */
export function resourceOf(stack: SynthesizedStack, type: string, prefix: string): any {
  const matches = Object.entries(stack.resource[type] ?? {}).filter(([id]) => id.startsWith(prefix));
  if (matches.length !== 1) {
    throw new Error(`expected one ${type} starting with ${prefix}, found: ${matches.map(([id]) => id).join(", ") || "none"}`);
  }
  return matches[0][1];
}

/** Logical id of the one resource of `type` whose logical id starts with `prefix`. */
export function logicalIdOf(stack: SynthesizedStack, type: string, prefix: string): string {
  return Object.keys(stack.resource[type]).find((id) => id.startsWith(prefix)) as string;
}
