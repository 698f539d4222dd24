/**
 * Flood: what one team's client with a valid token can do to a team-mode
 * Collector by sending new series until the memory limiter refuses data, and
 * what that does to another team. The real Collector and Prometheus run the
 * stack's team-mode files (two teams, on loopback, no TLS), the stack's
 * default memory limit; the Collector keeps a flooded series until
 * `collector.metricExpiration`, set short here so recovery can be timed.
 */
import { randomUUID } from "crypto";
import * as fs from "fs";
import { DEFAULT_CONFIG } from "../config/stack-config";
import { Metric } from "../telemetry/catalog";
import { metricsJson, postOtlp } from "../testkit/otlp";
import { queryNumber } from "../testkit/prometheus-api";
import { peakRssMiB, rssMiB, sleep } from "../testkit/processes";
import { LocalStackBinaries, synthesize } from "../testkit/stack-files";
import { startLocalStack, testTeamFiles } from "../testkit/targets";

/** New series per request: one request of Claude Code's size is a few dozen. */
const SERIES_PER_REQUEST = 5000;
/** Stop here if the memory limiter never refuses. */
const MAX_SERIES = 3_000_000;
/** How long the Collector keeps a series no one updates, in this run. */
const EXPIRATION = "1m";
const TEAMS = ["alpha", "beta"] as const;

export interface FloodResult {
  readonly memoryLimitMiB: number;
  /** Series alpha sent before the first refusal (or all, when none). */
  readonly seriesAccepted: number;
  /** HTTP status of the first refused request, 0 when none was refused. */
  readonly refusedStatus: number;
  readonly rssAtRefusalMiB: number;
  readonly peakRssMiB: number;
  /** Beta's one-series request while alpha is refused. */
  readonly otherTeamStatus: number;
  /** Seconds from the refusal until beta's request is accepted again (NaN: not within the wait). */
  readonly recoverySeconds: number;
  /** Series of alpha's flood in Prometheus (its sample limit refuses them all). */
  readonly floodSeriesInPrometheus: number;
  readonly seconds: number;
}

export async function runFlood(binaries: LocalStackBinaries, dir: string, log: (line: string) => void): Promise<FloodResult> {
  fs.mkdirSync(dir, { recursive: true });
  const config = {
    teamAttributes: { "team.id": "alpha", department: "eng" },
    collector: { metricExpiration: EXPIRATION, deltaMaxStale: EXPIRATION },
    teamMode: { enabled: true, teams: Object.fromEntries(TEAMS.map((team) => [team, { tokenGeneration: 1 }])) },
  };
  const files = synthesize(config, dir);
  const { tokens, files: teamFiles } = testTeamFiles(TEAMS, "team.id");
  const stack = await startLocalStack(files, binaries, dir, { team: teamFiles });
  try {
    const pid = stack.pids!().collector!;
    const port = Number(new URL(stack.otlpLogsEndpoint).port);
    const send = (team: string, series: number, marker: string) =>
      postOtlp(
        { host: "127.0.0.1", port, token: tokens[team] },
        "/v1/metrics",
        metricsJson(marker, Array.from({ length: series }, () => ({ "session.id": randomUUID(), model: "flood" }))),
        "application/json",
      );
    const started = Date.now();
    let seriesAccepted = 0;
    let refusedStatus = 0;
    while (seriesAccepted < MAX_SERIES) {
      const status = await send("alpha", SERIES_PER_REQUEST, "flood");
      if (status !== 200) {
        refusedStatus = status;
        break;
      }
      seriesAccepted += SERIES_PER_REQUEST;
      if (seriesAccepted % 100_000 === 0) log(`flood: ${seriesAccepted} series accepted, Collector RSS ${rssMiB(pid).toFixed(0)} MiB`);
    }
    const refusedAt = Date.now();
    const rssAtRefusalMiB = rssMiB(pid);
    log(`flood: ${refusedStatus ? `refused with HTTP ${refusedStatus}` : "never refused"} after ${seriesAccepted} series, RSS ${rssAtRefusalMiB.toFixed(0)} MiB`);
    const otherTeamStatus = await send("beta", 1, "other-team");
    let recoverySeconds = NaN;
    for (let waited = 0; waited < 300_000; waited += 2000) {
      if ((await send("beta", 1, "other-team")) === 200) {
        recoverySeconds = (Date.now() - refusedAt) / 1000;
        break;
      }
      await sleep(2000);
    }
    const floodSeriesInPrometheus = await queryNumber(stack.prometheusUrl, `count(${Metric.tokens.name}{model="flood"}) or vector(0)`);
    return {
      memoryLimitMiB: DEFAULT_CONFIG.collector.memoryLimitMiB,
      seriesAccepted,
      refusedStatus,
      rssAtRefusalMiB,
      peakRssMiB: peakRssMiB(pid),
      otherTeamStatus,
      recoverySeconds,
      floodSeriesInPrometheus,
      seconds: (refusedAt - started) / 1000,
    };
  } finally {
    await stack.stop();
  }
}
