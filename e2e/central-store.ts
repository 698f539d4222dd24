/**
 * Past one machine, with real programs: two stacks (each its own Collector and
 * Prometheus, running the files `cdktf synth` makes with `centralStore` set,
 * one per team) send their series by remote write into Thanos Receive, two
 * nodes sharing a hashring (each stack writes to its own node; each series is
 * stored on the node its hash names) that take remote write only over mutual
 * TLS (`centralStore.tls`), and the dashboards are read through
 * Thanos Query, all built from Thanos's module. Every panel of the three dashboards must equal the oracle of both
 * stacks' sessions together, for all teams, for one, and for its user. (The raw event series
 * are not compared here: that check reads them with `anchored`, which Thanos
 * Query does not parse; the dashboards never use it.)
 */
import * as fs from "fs";
import * as https from "https";
import * as path from "path";
import { AnthropicStandIn } from "./anthropic-stand-in";
import { EventReceiver } from "./event-receiver";
import { dashboardViews, expectations } from "./oracle";
import { PanelCheck, checkPanels, rangeDashboards } from "../testkit/panel-checks";
import { untilAllRowsPass } from "../testkit/waits";
import { CheckRow, describeRow } from "../testkit/report";
import { SessionEnvironment, SessionPlan, SessionRun, Team, prepareWorkspace, runInteractiveSession, runPrintSession, sessionPlans } from "./scenario";
import { localStackBinaries, synthesize } from "../testkit/stack-files";
import { StackUnderTest, startLocalStack } from "../testkit/targets";
import { startThanosReceive } from "../testkit/thanos";
import { SERVER_NAME, selfSignedCertificate } from "../testkit/tls";
import { THANOS_VERSION, buildThanos } from "../testkit/toolchain";

/** One stack per team, as an organisation would run them, each naming itself with `site`. */
const SITES: readonly { readonly site: string; readonly team: Team }[] = [
  { site: "site-alpha", team: "alpha" },
  { site: "site-beta", team: "beta" },
];
const EXPORT_INTERVAL_MS = 2000;
const RECEIVE_NODES = 2;
const RULE_INTERVAL_SECONDS = 60;
/** The longest wait for every panel read through Thanos to equal the oracle. */
const SETTLE_TIMEOUT_MS = 300_000;

export interface CentralStoreResult {
  readonly checks: (CheckRow & { readonly view: string; readonly dashboard: string })[];
  /** Milliseconds to evaluate every query of the three dashboards through Thanos Query, one after another. */
  readonly dashboardMs: number;
}

export async function centralStoreChecks(dir: string, log: (line: string) => void): Promise<CentralStoreResult> {
  fs.mkdirSync(dir, { recursive: true });
  // Mutual TLS: Receive takes remote write only from a certificate its client CA file holds (each site's own, self-signed).
  const receiveCertificate = selfSignedCertificate(path.join(dir, "receive-tls"));
  const siteTlsDirs = SITES.map(({ site }) => path.join(dir, site, "central-store-tls"));
  const siteCertificates = siteTlsDirs.map((tlsDir) => selfSignedCertificate(tlsDir));
  for (const tlsDir of siteTlsDirs) fs.copyFileSync(receiveCertificate.certFile, path.join(tlsDir, "ca.pem"));
  const clientCaFile = path.join(dir, "receive-tls", "client-ca.pem");
  fs.writeFileSync(clientCaFile, siteCertificates.map((certificate) => fs.readFileSync(certificate.certFile, "utf8")).join(""));
  const thanos = await startThanosReceive(buildThanos(log), dir, RECEIVE_NODES, { ...receiveCertificate, clientCaFile, serverName: SERVER_NAME });
  const stacks: { team: Team; stack: StackUnderTest; receiver: EventReceiver }[] = [];
  const standIn = new AnthropicStandIn();
  try {
    let dashboards: readonly any[] = [];
    let stackEnv: Readonly<Record<string, string>> = {};
    for (const [index, { site, team }] of SITES.entries()) {
      const tls = { ...siteCertificates[index], caFile: receiveCertificate.certFile };
      const files = synthesize(
        {
          teamAttributes: { "team.id": team, department: "eng" },
          centralStore: { remoteWriteUrl: thanos.nodes[index % RECEIVE_NODES].remoteWriteUrl, queryUrl: thanos.queryUrl, site, tenant: site, tls },
        },
        path.join(dir, site),
      );
      const stack = await startLocalStack(files, localStackBinaries(files, log), path.join(dir, site), { centralStoreTlsDir: siteTlsDirs[index] });
      stacks.push({ team, stack, receiver: new EventReceiver(stack.otlpLogsEndpoint) });
      dashboards = rangeDashboards(files.dashboards);
      stackEnv = files.claudeCodeEnv;
    }
    const apiUrl = await standIn.start();
    const workspace = prepareWorkspace(dir);
    const envOf = async (team: Team): Promise<SessionEnvironment> => {
      const { stack, receiver } = stacks.find((s) => s.team === team)!;
      return {
        stackEnv: { ...stackEnv, OTEL_EXPORTER_OTLP_ENDPOINT: stack.otlpEndpoint },
        apiUrl,
        eventsEndpoint: await receiver.start(),
        ...workspace,
        exportIntervalMillis: EXPORT_INTERVAL_MS,
      };
    };
    const envs = { alpha: await envOf("alpha"), beta: await envOf("beta") };
    const run = (plan: SessionPlan) => runPrintSession(plan, standIn, envs[plan.team]);

    const from = Math.floor(Date.now() / 1000) - 30;
    const plans = sessionPlans(workspace.repo);
    const runs: SessionRun[] = [];
    for (const plan of [plans.write, plans.edit, plans.reject, plans.commit]) runs.push(await run(plan));
    runs.push(...(await Promise.all([run(plans.parallelA), run(plans.parallelB)])));
    // The interactive session is the one with the user's own active time.
    runs.push(await runInteractiveSession(plans.interactive, standIn, envs[plans.interactive.team], dir, async () => undefined));
    log(`central store: ${runs.length} sessions sent to ${SITES.map((s) => s.site).join(" and ")}`);

    const events = stacks.flatMap((s) => s.receiver.events);
    const checks: CentralStoreResult["checks"] = [];
    const withoutCertificate = await remoteWriteWithoutCertificate(thanos.nodes[0].remoteWriteUrl, receiveCertificate.certFile);
    checks.push({
      view: "store",
      dashboard: "-",
      panel: "remote write without a client certificate is refused (mutual TLS)",
      found: withoutCertificate,
      expected: "refused",
      passed: withoutCertificate.startsWith("refused"),
    });
    let dashboardMs = NaN;
    const readAll = async (): Promise<CentralStoreResult["checks"]> => {
      const range = { from, to: Math.floor(Date.now() / 1000), step: RULE_INTERVAL_SECONDS };
      const rows: CentralStoreResult["checks"] = [];
      for (const view of dashboardViews(events)) {
        const started = Date.now();
        const panels: PanelCheck[] = await checkPanels(thanos.queryUrl, dashboards, view.variables, range, expectations({ runs, served: standIn.served, events, team: view.team, model: view.model, repository: view.repository }));
        if (view.team === undefined) dashboardMs = Date.now() - started;
        if (panels.length === 0) throw new Error("the synthesized stack has no dashboards to check through the central store");
        rows.push(...panels.map((check) => ({ view: view.name, ...check })));
      }
      return rows;
    };
    // Read until every panel of every view equals the oracle: the last scrape of each site is
    // recorded up to a rule interval later and then has to be written into Thanos.
    const settled = await untilAllRowsPass(readAll, describeRow, {
      what: "central store: panels through Thanos Query",
      timeoutMs: SETTLE_TIMEOUT_MS,
      since: runs[runs.length - 1].exitedAt,
      log,
    });
    log(`central store: every panel through Thanos equal to the oracle ${settled.seconds.toFixed(1)} s after the last exit`);
    checks.push({
      view: "store",
      dashboard: "-",
      panel: `every panel through Thanos ${THANOS_VERSION} equals the oracle of both stacks' sessions`,
      found: settled.passed ? `${settled.seconds.toFixed(1)} s after the last exit` : `not within ${SETTLE_TIMEOUT_MS / 1000} s`,
      expected: "within the time limit",
      passed: settled.passed,
    });
    checks.push(...settled.result);
    const seriesPerNode = await Promise.all(thanos.nodes.map((node) => node.headSeries()));
    checks.push({
      view: "store",
      dashboard: "-",
      panel: `the hashring spreads the series over the ${RECEIVE_NODES} Receive nodes`,
      found: seriesPerNode.map((series, node) => `node ${node}: ${series}`).join(", "),
      expected: "series on every node",
      passed: seriesPerNode.every((series) => series > 0),
    });
    return { checks, dashboardMs };
  } finally {
    await standIn.stop();
    for (const { stack, receiver } of stacks) {
      await receiver.stop();
      await stack.stop();
    }
    await thanos.stop();
  }
}

/** Sends an empty remote-write request trusting the store's certificate but presenting none: "refused (reason)" or the HTTP status. */
async function remoteWriteWithoutCertificate(remoteWriteUrl: string, caFile: string): Promise<string> {
  return new Promise((resolve) => {
    const request = https.request(remoteWriteUrl, { method: "POST", ca: fs.readFileSync(caFile), headers: { "Content-Type": "application/x-protobuf" } }, (response) => {
      response.resume();
      resolve(`accepted: HTTP ${response.statusCode}`);
    });
    request.on("error", (error: NodeJS.ErrnoException) => resolve(`refused (${error.code ?? error.message})`));
    request.end();
  });
}
