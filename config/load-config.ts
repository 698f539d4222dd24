import * as fs from "fs";
import * as path from "path";
import { ConfigError, StackConfig, resolveConfig } from "./stack-config";

/** Environment variable naming another configuration file than ./stack.config.json. */
export const CONFIG_FILE_VARIABLE = "STACK_CONFIG_FILE";

/**
 * Reads the fork's configuration: the file named by STACK_CONFIG_FILE, else
 * stack.config.json beside main.ts when it exists, else the defaults.
 */
export function loadConfig(projectDir: string, env: NodeJS.ProcessEnv = process.env): StackConfig {
  const explicit = env[CONFIG_FILE_VARIABLE];
  const file = explicit ? path.resolve(explicit) : path.join(projectDir, "stack.config.json");
  if (!fs.existsSync(file)) {
    if (explicit) throw new ConfigError([`\`${CONFIG_FILE_VARIABLE}\` names ${file}, which does not exist`]);
    return resolveConfig({});
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    throw new ConfigError([`${file} is not valid JSON: ${(error as Error).message}`]);
  }
  return resolveConfig(parsed);
}
