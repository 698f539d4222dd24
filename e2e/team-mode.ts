/**
 * Team mode with real programs: the stack's team-mode Collector configuration
 * (from `cdktf synth`, with TLS from a certificate the test makes, the test's
 * own tokens in the token file and the token-to-team mapping rendered by the
 * function the stack uses), a real Prometheus, and the real Claude Code CLI
 * sending with its team's token, with another team's token while claiming a
 * team of its own, with a wrong token, with none, and without TLS, over gRPC
 * and over HTTP; then bad input with a valid token (bad-input.ts) and a real
 * client after it. What counts is what Prometheus holds.
 */
import * as fs from "fs";
import * as path from "path";
import { DEFAULT_CONFIG } from "../config/stack-config";
import { EventMetric, Metric, labelForAttribute, sessionMatcher } from "../telemetry/catalog";
import { teamEndpointName } from "../renderers/collector-config";
import { TOKEN_ATTRIBUTE } from "../renderers/team-token-mapping";
import { AnthropicStandIn, totalOf } from "./anthropic-stand-in";
import { everyTargetScrapedSince, query, queryNumber } from "../testkit/prometheus-api";
import { badInputRows } from "./bad-input";
import { peakRssMiB, portOpen } from "../testkit/processes";
import { untilAllRowsPass, waitUntil } from "../testkit/waits";
import { SessionEnvironment, SessionPlan, SessionRun, Team, TEAMS, prepareWorkspace, runPrintSession } from "./scenario";
import { localStackBinaries, synthesize } from "../testkit/stack-files";
import { startLocalStack, testTeamFiles } from "../testkit/targets";
import { CheckRow, describeRow } from "../testkit/report";
import { SERVER_NAME, selfSignedCertificate, trustingEnv } from "../testkit/tls";

/** The stack's default memory limit of the Collector, which the test keeps. */
const MEMORY_LIMIT_MIB = DEFAULT_CONFIG.collector.memoryLimitMiB;

/** The smallest series budget per team the configuration takes, which one flood exceeds. */
const MAX_SERIES_PER_TEAM = 500;

/** The team-mode configuration under test: the e2e's team attributes, one team per scenario team, TLS with the test's certificate. */
function teamModeConfig(tls: { certFile: string; keyFile: string }): object {
  return {
    teamAttributes: { "team.id": "alpha", department: "eng" },
    teamMode: {
      enabled: true,
      teams: { alpha: { tokenGeneration: 1 }, beta: { tokenGeneration: 1 } },
      tls: { ...tls, serverName: SERVER_NAME },
      maxSeriesPerTeam: MAX_SERIES_PER_TEAM,
    },
  };
}
const TEAM_ATTRIBUTE = "team.id";

/** One client of the test: which team it claims, which token it sends, over which protocol. */
interface Client {
  readonly tag: string;
  readonly claims: Team;
  readonly token: "alpha" | "beta" | "wrong" | "none";
  readonly protocol: "grpc" | "http/protobuf";
  /** Sends without TLS to the TLS endpoint. @default false */
  readonly plaintext?: boolean;
  /** The team its numbers must be counted under, or undefined when it must be refused. */
  readonly countedAs?: Team;
}

const CLIENTS: readonly Client[] = [
  { tag: "team-alpha", claims: "alpha", token: "alpha", protocol: "grpc", countedAs: "alpha" },
  { tag: "team-beta-claims-alpha", claims: "alpha", token: "beta", protocol: "grpc", countedAs: "beta" },
  { tag: "team-alpha-http", claims: "alpha", token: "alpha", protocol: "http/protobuf", countedAs: "alpha" },
  { tag: "no-token", claims: "alpha", token: "none", protocol: "grpc" },
  { tag: "wrong-token", claims: "beta", token: "wrong", protocol: "grpc" },
  { tag: "no-token-http", claims: "beta", token: "none", protocol: "http/protobuf" },
  { tag: "plaintext", claims: "alpha", token: "alpha", protocol: "grpc", plaintext: true },
];

const SESSION_USAGE = { input: 1000, output: 100, cacheRead: 0, cacheCreation: 0 };
const SESSION_TOKENS = totalOf(SESSION_USAGE);

/** The longest wait for the accepted clients' numbers. */
const SETTLE_TIMEOUT_MS = 120_000;

/**
 * Waits until the rows of the accepted clients (all sent before, or together
 * with, the refused ones) pass, then until Prometheus has scraped every target
 * once more: whatever a refused client could have slipped through has then
 * had its scrape too, so "nothing" is read only after it could be something.
 */
async function untilAcceptedArrivedAndScraped(prometheusUrl: string, acceptedRows: () => Promise<readonly CheckRow[]>, log: (line: string) => void): Promise<void> {
  await untilAllRowsPass(acceptedRows, describeRow, {
    what: "team mode: the accepted clients' numbers",
    timeoutMs: SETTLE_TIMEOUT_MS,
    pollMs: 1000,
    log,
  });
  const arrived = Date.now();
  if (!(await waitUntil(() => everyTargetScrapedSince(prometheusUrl, arrived), SETTLE_TIMEOUT_MS))) {
    log(`team mode: not every scrape target was scraped within ${SETTLE_TIMEOUT_MS / 1000} s after the accepted clients' numbers arrived`);
  }
}

/** Synthesizes the team-mode stack with a certificate made for the test, runs it locally and checks every client. */
export async function teamModeChecks(dir: string, log: (line: string) => void): Promise<CheckRow[]> {
  fs.mkdirSync(dir, { recursive: true });
  const tlsDir = path.join(dir, "tls");
  const certificate = selfSignedCertificate(tlsDir);
  const files = synthesize(teamModeConfig(certificate), dir);
  const binaries = localStackBinaries(files, log);
  const { tokens, files: teamFiles } = testTeamFiles(["alpha", "beta"], TEAM_ATTRIBUTE, tlsDir);
  const stack = await startLocalStack(files, binaries, dir, { team: teamFiles });
  const standIn = new AnthropicStandIn();
  try {
    const apiUrl = await standIn.start();
    const workspace = prepareWorkspace(dir);
    // The stack's ports on 127.0.0.1, reached by the certificate's name.
    const grpcPort = new URL(stack.otlpEndpoint).port;
    const httpPort = new URL(stack.otlpLogsEndpoint).port;
    const runClient = async (client: Client) => {
      const scheme = client.plaintext ? "http" : "https";
      const header: Record<string, string> = client.token === "none" ? {} : { OTEL_EXPORTER_OTLP_HEADERS: `Authorization=Bearer ${tokens[client.token] ?? "0".repeat(40)}` };
      const env: SessionEnvironment = {
        stackEnv: {
          ...files.claudeCodeEnv,
          ...header,
          ...trustingEnv(certificate.certFile),
          OTEL_EXPORTER_OTLP_PROTOCOL: client.protocol,
          OTEL_EXPORTER_OTLP_ENDPOINT: `${scheme}://${SERVER_NAME}:${client.protocol === "grpc" ? grpcPort : httpPort}`,
        },
        apiUrl,
        // Events go straight to the Collector, with the same header.
        eventsEndpoint: `${scheme}://${SERVER_NAME}:${httpPort}/v1/logs`,
        ...workspace,
        exportIntervalMillis: 2000,
      };
      const plan: SessionPlan = {
        tag: client.tag,
        team: client.claims,
        model: "haiku",
        prompts: [`Say hello [e2e:${client.tag}]`],
        turns: [{ text: "Hello.", usage: SESSION_USAGE }],
        cliArgs: [],
        expected: { linesAdded: 0, linesRemoved: 0, commits: 0, pullRequests: 0, decisions: [] },
      };
      const run = await runPrintSession(plan, standIn, env);
      log(`team mode: ${client.tag} done (${client.protocol}, token ${client.token}, claims ${client.claims})`);
      return { client, run };
    };
    const runs: { client: Client; run: SessionRun }[] = [];
    for (const client of CLIENTS) runs.push(await runClient(client));

    const teamLabel = labelForAttribute(TEAM_ATTRIBUTE);
    const checks: CheckRow[] = [];
    const countedRow = async ({ client, run }: { client: Client; run: { sessionId: string } }): Promise<CheckRow> => {
      const bySession = `sum by (${teamLabel}) (${Metric.tokens.name}{${sessionMatcher(run.sessionId)}})`;
      const found = (await totalsBy(stack.prometheusUrl, bySession, teamLabel)).join(", ") || "nothing";
      const expected = client.countedAs ? `${client.countedAs}=${SESSION_TOKENS}` : "nothing";
      const claim = `claims ${TEAMS[client.claims][TEAM_ATTRIBUTE]}`;
      return {
        panel: `${client.tag} (${client.protocol}${client.plaintext ? " without TLS" : " over TLS"}, ${client.token === "none" ? "no token" : `token of ${client.token}`}, ${claim}): its tokens in Prometheus by ${teamLabel}`,
        found,
        expected,
        passed: found === expected,
      };
    };
    // Events carry no session id: count answered requests per team against the accepted clients.
    const requestsBy = async (team: string) => queryNumber(stack.prometheusUrl, `sum(${EventMetric.apiRequests.name}{${teamLabel}="${team}"})`);
    const requestRows = () =>
      Promise.all(
        (["alpha", "beta"] as const).map(async (team): Promise<CheckRow> => {
          const expected = runs.filter(({ client }) => client.countedAs === team).length;
          const found = await requestsBy(team);
          return { panel: `api_request events counted under ${team} (from its token)`, found: String(found), expected: String(expected), passed: found === expected };
        }),
      );
    const accepted = runs.filter(({ client }) => client.countedAs !== undefined);
    await untilAcceptedArrivedAndScraped(stack.prometheusUrl, async () => [...(await Promise.all(accepted.map(countedRow))), ...(await requestRows())], log);
    for (const run of runs) checks.push(await countedRow(run));
    checks.push(...(await requestRows()));
    const leaked = await queryNumber(stack.prometheusUrl, `count({${labelForAttribute(TOKEN_ATTRIBUTE)}!=""})`);
    checks.push({ panel: "series with the Authorization header as a label", found: String(leaked), expected: "0", passed: leaked === 0 });

    // Bad input from a client with alpha's token; then real clients of both teams.
    const collectorPid = stack.pids!().collector!;
    checks.push(
      ...(await badInputRows({
        host: SERVER_NAME,
        port: Number(httpPort),
        ca: fs.readFileSync(certificate.certFile, "utf8"),
        token: tokens.alpha,
        prometheusUrl: stack.prometheusUrl,
        teamInstance: teamEndpointName("alpha"),
        maxSeriesPerTeam: MAX_SERIES_PER_TEAM,
      })),
    );
    const afterBeta = await runClient({ tag: "beta-after-alpha-flood", claims: "beta", token: "beta", protocol: "grpc", countedAs: "beta" });
    // Alpha's scrapes stay refused until the flood's series expire in the Collector.
    const afterAlpha = await runClient({ tag: "alpha-after-its-flood", claims: "alpha", token: "alpha", protocol: "grpc" });
    await untilAcceptedArrivedAndScraped(stack.prometheusUrl, async () => [await countedRow(afterBeta)], log);
    checks.push(await countedRow(afterBeta), await countedRow(afterAlpha));
    const alive = await portOpen(Number(grpcPort));
    checks.push({
      panel: `Collector after the bad input (memory_limiter at ${MEMORY_LIMIT_MIB} MiB)`,
      found: `${alive ? "up" : "DOWN"}, peak RSS ${peakRssMiB(collectorPid).toFixed(0)} MiB`,
      expected: "up",
      passed: alive,
    });
    return checks;
  } finally {
    await standIn.stop();
    await stack.stop();
  }
}

/** `label=value` of every series an instant query returns. */
async function totalsBy(prometheusUrl: string, expr: string, label: string): Promise<string[]> {
  const data = await query(prometheusUrl, "query", { query: expr });
  return data.result.map((series: any) => `${series.metric[label] ?? ""}=${Number(series.value[1])}`).sort();
}
