/**
 * `npm run backfill`: writes the recorded series this version's rules need for
 * the time before they ran (see backfill.ts) into the running stack's
 * Prometheus. Run it after `cdktf deploy` when the CHANGELOG's upgrade steps
 * say so; it finds by itself what is missing, and a second run writes nothing.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadConfig } from "../config/load-config";
import { ConfigError } from "../config/stack-config";
import { backfill } from "./backfill";
import { dockerVolumeTsdb } from "./tsdb-access";

/** Environment variable with Prometheus's password, when team mode publishes it with a login. */
const PASSWORD_VARIABLE = "PROMETHEUS_PASSWORD";

async function main(): Promise<void> {
  const config = loadConfig(path.join(__dirname, ".."));
  const headers: Record<string, string> = {};
  if (config.teamMode.enabled && config.teamMode.publishPrometheus) {
    const password = process.env[PASSWORD_VARIABLE];
    if (!password) throw new ConfigError([`Prometheus has a login: set ${PASSWORD_VARIABLE} to \`terraform output -raw prometheus_password\` (in cdktf.out/stacks/claude-code-monitoring)`]);
    headers.authorization = `Basic ${Buffer.from(`prometheus:${password}`).toString("base64")}`;
  }
  const started = Date.now();
  const result = await backfill({
    prometheusUrl: `http://127.0.0.1:${config.ports.prometheus}`,
    headers,
    ruleInterval: config.prometheus.ruleInterval,
    rollupWindow: config.prometheus.rollupWindow,
    queryOffset: config.prometheus.scrapeInterval,
    tsdb: dockerVolumeTsdb({ volume: `${config.namePrefix}-prometheus-data`, image: config.images.prometheus }),
    workDir: fs.mkdtempSync(path.join(os.tmpdir(), "claude-code-backfill-")),
    log: console.log,
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  if (result.samples === 0) {
    console.log(`backfill: nothing missing; no samples written (${seconds} s)`);
  } else {
    const range = `${new Date(result.fromMs!).toISOString()} to ${new Date(result.untilMs!).toISOString()}`;
    console.log(`backfill: wrote ${result.seriesNames.join(", ")}`);
    console.log(`backfill: ${result.samples} samples of ${result.seriesNames.length} recorded series from ${range}, in ${result.blocks} blocks (${seconds} s)`);
  }
}

main().catch((error) => {
  console.error(error instanceof ConfigError ? error.message : `backfill failed: ${(error as Error).message}`);
  process.exit(1);
});
