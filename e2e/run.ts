/**
 * End-to-end proof of the dashboards' numbers: the real Claude Code CLI talks to
 * a scripted stand-in of the Anthropic API and exports its telemetry to a real
 * Collector and a real Prometheus, both running the very files the synthesized
 * stack uploads into its containers. Every query of every panel of the four
 * dashboards is then evaluated like Grafana does and compared with an oracle
 * that never touches Prometheus (the budgets dashboard in e2e/alerts.ts). Run with `npm run test:e2e`.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DEFAULT_CONFIG, durationSeconds } from "../config/stack-config";
import { AnthropicStandIn, FailedAttempt, totalOf } from "./anthropic-stand-in";
import { EventReceiver } from "./event-receiver";
import { eventMetricChecks } from "./event-metrics";
import { faultChecks, failedRequests } from "./fault-checks";
import { deltaOrderRow } from "./delta-order";
import { quantileBucketChecks } from "./health-oracle";
import { dashboardViews, expectations, filterOptions, sessionTokens, userOf } from "./oracle";
import { checkPanels, rangeDashboards } from "../testkit/panel-checks";
import { variableOptions } from "../testkit/grafana-evaluation";
import { everyTargetScrapedSince, tokensInPrometheus, waitForTokens } from "../testkit/prometheus-api";
import { BATCH_TIMEOUT } from "../renderers/collector-config";
import { expectWithin, untilAllRowsPass } from "../testkit/waits";
import { sleep } from "../testkit/processes";
import { describeRow, markdownTable, runAsScript } from "../testkit/report";
import {
  SessionEnvironment,
  SessionRun,
  TEAMS,
  OLDEST_CLAUDE_CODE,
  Team,
  prepareWorkspace,
  runInteractiveSession,
  runPrintSession,
  sessionPlans,
  trustRepository,
} from "./scenario";
import { localStackBinaries, synthesize } from "../testkit/stack-files";
import { centralStoreChecks } from "./central-store";
import { AlertScenario, alertChecks, zoneAtNoon } from "./alerts";
import { AlertWebhook } from "./alert-webhook";
import { MAIN_DASHBOARD_UID } from "../dashboards/main";
import { BUDGETS_DASHBOARD_UID } from "../dashboards/budgets";
import { teamModeChecks } from "./team-mode";
import { DEPLOYED_STACK, StackUnderTest, checkDeployPrerequisites, deployStack, startLocalStack } from "../testkit/targets";
import { checkPrerequisites, claudeBinaryOf, claudeVersion, imageVersion } from "../testkit/toolchain";

/**
 * The stack configuration under test: the defaults, with the Collector's
 * staleness settings shortened from 5m to 1m so an idle gap longer than them
 * takes a little over two minutes, and rollup windows of 2 minutes instead of
 * an hour, so the dashboards read whole windows and their seams within the run.
 */
const STALENESS = "1m";
const WEBHOOK_RECEIVER = "e2e_webhook";
const STALENESS_SECONDS = 60;
const E2E_CONFIG = {
  collector: { deltaMaxStale: STALENESS, metricExpiration: STALENESS },
  prometheus: { rollupWindow: "2m" },
  teamAttributes: { "team.id": "alpha", department: "eng" },
};
/** The budgets' zone: about noon now, so the run crosses no midnight of theirs. */
const ZONE = zoneAtNoon();
/**
 * Alerting in the local run: every alert goes to the test's webhook (teams by
 * a route, the stack's own by default), groups change and repeat within a
 * minute, and every budget is far off until the alert checks set them.
 */
const LOCAL_ALERTING = {
  budgets: { timeZone: ZONE.timeZone, otherTeams: { dailyUsd: 1000, monthlyUsd: 1000 } },
  alerting: {
    receivers: { [WEBHOOK_RECEIVER]: { type: "webhook" } },
    routes: [{ teams: Object.values(TEAMS).map((team) => team["team.id"]), receiver: WEBHOOK_RECEIVER }],
    defaultReceiver: WEBHOOK_RECEIVER,
    groupInterval: "20s",
    repeatInterval: "1m",
  },
};
/** The idle gap in the interactive session: 2.5 times the staleness settings. */
const IDLE_GAP_MS = 2.5 * STALENESS_SECONDS * 1000;
/** The recording rules' interval, which the test keeps at the stack's default. */
const RULE_INTERVAL_MS = durationSeconds(DEFAULT_CONFIG.prometheus.ruleInterval) * 1000;
/**
 * How long Prometheus is down in the idle gap: longer than a rule interval, so
 * the evaluation that would record the last answer is certainly missed and the
 * rules' catch-up has to make up for it.
 */
const PROMETHEUS_DOWN_MS = RULE_INTERVAL_MS + 15_000;
/** The longest wait for every panel and event series to equal the oracle. */
const SETTLE_TIMEOUT_MS = 300_000;
/** How long the Collector is down in the outage measurement. */
const OUTAGE_MS = 20_000;
/** Time given to a delta client to reconnect after the outage (cumulative clients took 18 s). */
const RECONNECT_GRACE_MS = 45_000;
/** Export interval of the CLI in the test (the stack recommends 30 s); the CLI also flushes at exit. */
const EXPORT_INTERVAL_MS = 2000;

interface Check {
  readonly run: string;
  readonly view: string;
  readonly dashboard: string;
  readonly panel: string;
  readonly found: string;
  readonly expected: string;
  readonly passed: boolean;
}

interface Freshness {
  readonly run: string;
  readonly session: string;
  readonly seconds: number;
}

const log = (line: string) => console.log(`[e2e ${new Date().toISOString().slice(11, 19)}] ${line}`);

async function main(deployed: boolean): Promise<number> {
  checkPrerequisites();
  if (deployed) await checkDeployPrerequisites();
  const workRoot = fs.mkdtempSync(path.join(os.tmpdir(), "claude-code-e2e-"));
  log(`work folder ${workRoot}`);
  const config = deployed ? { ...E2E_CONFIG, ...DEPLOYED_STACK } : { ...E2E_CONFIG, ...LOCAL_ALERTING };
  const files = synthesize(config, workRoot);
  const webhook = new AlertWebhook();
  const webhookUrl = await webhook.start();

  let startStack: (dir: string) => Promise<StackUnderTest>;
  if (deployed) {
    startStack = (dir) => deployStack(path.join(workRoot, "stack.config.json"), dir);
  } else {
    const binaries = localStackBinaries(files, log);
    log(`Collector ${imageVersion(files.collectorImage)}, Prometheus ${imageVersion(files.prometheusImage)} and Alertmanager ready`);
    startStack = (dir) => startLocalStack(files, binaries, dir, { receiverSecrets: { [WEBHOOK_RECEIVER]: webhookUrl } });
  }
  // The alerting rules the stack uploads for other daily budgets, from a real synth.
  const rulesFor = (dailyUsd: Readonly<Record<Team, number>>) => {
    const teams = Object.fromEntries(Object.entries(dailyUsd).map(([team, usd]) => [TEAMS[team as Team]["team.id"], { dailyUsd: usd }]));
    const budgets = { ...LOCAL_ALERTING.budgets, teams };
    return synthesize({ ...config, budgets }, fs.mkdtempSync(path.join(workRoot, "budgets-"))).alerting!.rulesYaml;
  };

  const checks: Check[] = [];
  const freshness: Freshness[] = [];
  for (const temporality of ["delta", "cumulative"] as const) {
    const dir = path.join(workRoot, temporality);
    fs.mkdirSync(dir, { recursive: true });
    const stack = await startStack(dir);
    try {
      webhook.notifications.length = 0;
      const alerting = deployed ? undefined : { webhook, rulesFor, full: temporality === "delta" };
      const result = await runScenario(temporality, files.claudeCodeEnv, files.dashboards, stack, dir, alerting);
      checks.push(...result.checks);
      freshness.push(...result.freshness);
    } finally {
      await stack.stop();
    }
  }

  await webhook.stop();
  if (!deployed) {
    const teamDir = path.join(workRoot, "team-mode");
    for (const check of await teamModeChecks(teamDir, log)) {
      checks.push({ run: "team mode", view: "clients", dashboard: "-", ...check });
    }
    const store = await centralStoreChecks(path.join(workRoot, "central-store"), log);
    for (const check of store.checks) checks.push({ run: "central store", ...check });
    log(`central store: the three dashboards' queries through Thanos Query took ${store.dashboardMs} ms one after another`);
  }

  console.log(
    markdownTable(
      ["run", "view", "dashboard", "panel", "found", "expected", "ok"],
      checks.map((c) => [c.run, c.view, c.dashboard, c.panel, c.found, c.expected, c.passed ? "yes" : "NO"]),
    ),
  );
  console.log("");
  console.log(
    markdownTable(
      ["run", "session", "seconds from CLI exit to numbers in Prometheus"],
      freshness.map((f) => [f.run, f.session, f.seconds.toFixed(1)]),
    ),
  );
  const failed = checks.filter((c) => !c.passed).length;
  console.log(`\ne2e: ${checks.length - failed} passed, ${failed} failed`);
  if (failed === 0) fs.rmSync(workRoot, { recursive: true, force: true });
  else console.log(`logs and data kept in ${workRoot}`);
  return failed === 0 ? 0 : 1;
}

async function runScenario(
  temporality: "delta" | "cumulative",
  stackEnv: Readonly<Record<string, string>>,
  dashboards: readonly any[],
  stack: StackUnderTest,
  dir: string,
  alerting?: Pick<AlertScenario, "webhook" | "rulesFor" | "full">,
): Promise<{ checks: Check[]; freshness: Freshness[] }> {
  const prometheusUrl = stack.prometheusUrl;
  const standIn = new AnthropicStandIn();
  const receiver = new EventReceiver(stack.otlpLogsEndpoint);
  const runs: SessionRun[] = [];
  const freshness: Freshness[] = [];
  const label = temporality === "delta" ? "delta (default)" : "cumulative";

  try {
    const apiUrl = await standIn.start();
    const eventsEndpoint = await receiver.start();
    const workspace = prepareWorkspace(dir);
    const { OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: _preference, ...withoutPreference } = stackEnv;
    const env: SessionEnvironment = {
      // The delta run leaves the preference out: Claude Code's default.
      stackEnv: {
        ...withoutPreference,
        ...(temporality === "cumulative" ? { OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: "cumulative" } : {}),
        OTEL_EXPORTER_OTLP_ENDPOINT: stack.otlpEndpoint,
      },
      apiUrl,
      eventsEndpoint,
      ...workspace,
      exportIntervalMillis: EXPORT_INTERVAL_MS,
    };
    const plans = sessionPlans(workspace.repo);
    const from = Math.floor(Date.now() / 1000) - 30;

    const visible = async (run: SessionRun) => {
      const seconds = await secondsUntilVisible(prometheusUrl, run, sessionTokens(standIn.served, run.sessionId));
      freshness.push({ run: label, session: run.plan.tag, seconds });
      log(`${label}: session ${run.plan.tag} visible ${seconds.toFixed(1)} s after exit`);
    };

    for (const plan of [plans.write, plans.edit, plans.reject, plans.commit, plans.subagent, plans.skill, plans.mcp]) {
      const run = await runPrintSession(plan, standIn, env);
      runs.push(run);
      await visible(run);
    }

    // The oldest release the docs promise: the same sessions in a workspace of
    // their own, but the rejected edit, which it does not report in `claude -p`.
    const oldest = temporality === "delta" ? oldestReleaseWorkspace(env, dir) : undefined;
    const oldestRuns: SessionRun[] = [];
    if (oldest) {
      const oldestPlans = sessionPlans(oldest.repo);
      for (const plan of [oldestPlans.write, oldestPlans.edit, oldestPlans.commit]) {
        const run = await runPrintSession(plan, standIn, oldest);
        oldestRuns.push(run);
        runs.push(run);
        await visible(run);
      }
      log(`${label}: sessions ${oldestRuns.map((run) => run.plan.tag).join(", ")} ran again with Claude Code ${OLDEST_CLAUDE_CODE}`);
    }
    // It sends neither repositories nor request attributes.
    const unlabelledSessions = new Set(oldestRuns.map((run) => run.sessionId));

    const parallel = await Promise.all([runPrintSession(plans.parallelA, standIn, env), runPrintSession(plans.parallelB, standIn, env)]);
    runs.push(...parallel);
    for (const run of parallel) await visible(run);

    // Claude Code issue #56317: two processes resume one session at once.
    const resumed = await runPrintSession(plans.resumed, standIn, env);
    runs.push(resumed);
    const resuming = await Promise.all([plans.resumedA, plans.resumedB].map((plan) => runPrintSession(plan, standIn, env, resumed.sessionId)));
    runs.push(...resuming);
    await visible(resuming[1]);
    // The order the two processes above only meet now and then, sent on purpose.
    const orderRows = temporality === "delta" ? [await deltaOrderRow(stack.otlpHttp, prometheusUrl)] : [];

    // API faults: one session recovers from a 429 and a 529 and meets a refusal;
    // five at once end on a request whose every attempt fails (the one on opus
    // on its first, so it has no tokens to wait for).
    const flaky = await runPrintSession(plans.flaky, standIn, env);
    runs.push(flaky);
    await visible(flaky);
    const exhausted = [plans.rateLimited, plans.overloaded, plans.serverError, plans.dropped, plans.opusUnavailable];
    const failedRuns = await Promise.all(exhausted.map((plan) => runPrintSession(plan, standIn, env)));
    runs.push(...failedRuns);
    for (const run of failedRuns.filter((run) => sessionTokens(standIn.served, run.sessionId) > 0)) await visible(run);
    log(`${label}: the CLI's back-off between attempts of a failing request: ${backOffSeconds(standIn.failed)}`);

    // Faults while the interactive session lives: a Collector restart after its
    // first answer, then an idle gap longer than the staleness settings that
    // starts with Prometheus down for more than a rule interval.
    const interactive = await runInteractiveSession(plans.interactive, standIn, env, dir, async (answer, sessionId) => {
      if (answer === 1) {
        // Once Prometheus has scraped the first answer; what it had not scraped
        // yet is the outage measurement's subject.
        await expectWithin(`${label}: the interactive session's first answer in Prometheus`, async () =>
          (await tokensInPrometheus(prometheusUrl, sessionId)) >= sessionTokens(standIn.served, sessionId), 60_000);
        log(`${label}: restarting the Collector during the interactive session`);
        await stack.restartCollector();
      } else {
        const idleFrom = Date.now();
        // Stop Prometheus as soon as it holds the answer, before a rule evaluation reads it.
        await waitForTokens(prometheusUrl, sessionId, sessionTokens(standIn.served, sessionId), 60_000);
        log(`${label}: idle for ${IDLE_GAP_MS / 1000} s, Prometheus down for the first ${PROMETHEUS_DOWN_MS / 1000} s`);
        await stack.stopPrometheus();
        await sleep(PROMETHEUS_DOWN_MS);
        await stack.startPrometheus();
        await sleep(IDLE_GAP_MS - (Date.now() - idleFrom));
      }
    });
    runs.push(interactive);
    await visible(interactive);
    // Every panel of every view and every event series, read until all of it has
    // arrived (the last of it is recorded up to a rule interval after its scrape).
    const step = RULE_INTERVAL_MS / 1000;
    const readAll = async (): Promise<Check[]> => {
      const range = { from, to: Math.floor(Date.now() / 1000), step };
      const rows: Check[] = [];
      for (const view of dashboardViews(receiver.events)) {
        const expected = expectations({ runs, served: standIn.served, events: receiver.events, team: view.team, model: view.model, repository: view.repository, unlabelledSessions });
        const panels = await checkPanels(prometheusUrl, rangeDashboards(dashboards), view.variables, range, expected);
        rows.push(...panels.map((check) => ({ run: label, view: view.name, ...check })));
      }
      // At least these: a stack deployed before the test (--deployed) may hold other users too.
      const offered = filterOptions(receiver.events);
      for (const model of rangeDashboards(dashboards)) {
        for (const [variable, values] of Object.entries(await variableOptions(prometheusUrl, model, range))) {
          const expected = offered[variable] ?? [];
          const passed = expected.length > 0 && expected.every((value) => values.includes(value));
          rows.push({ run: label, view: "filters", dashboard: model.title, panel: `${variable} offers`, found: values.join(", "), expected: `${expected.join(", ")} among them`, passed });
        }
        // The User filter offers the users of the picked teams: alpha's, never beta's.
        const teamView = dashboardViews(receiver.events).find((view) => view.name === "team alpha")!;
        const users = (await variableOptions(prometheusUrl, model, range, teamView.variables)).user;
        if (users) {
          const [alpha, beta] = [userOf(receiver.events, "alpha"), userOf(receiver.events, "beta")];
          const passed = users.includes(alpha) && !users.includes(beta);
          rows.push({ run: label, view: teamView.name, dashboard: model.title, panel: "user offers", found: users.join(", "), expected: `${alpha} among them, not ${beta}`, passed });
        }
      }
      for (const check of await eventMetricChecks(prometheusUrl, receiver.events, range)) {
        rows.push({ run: label, view: "events", dashboard: "-", panel: check.metric, found: check.found, expected: check.expected, passed: check.passed });
      }
      return rows;
    };
    const settled = await untilAllRowsPass(readAll, describeRow, { what: `${label}: panels and event series`, timeoutMs: SETTLE_TIMEOUT_MS, since: interactive.exitedAt, log });
    freshness.push({ run: label, session: "all, every panel and event series equal to the oracle", seconds: settled.seconds });
    log(`${label}: every panel and event series equal to the oracle ${settled.seconds.toFixed(1)} s after the last exit`);
    const checks: Check[] = [...settled.result];
    checks.push(...consistencyChecks(label, runs, standIn, receiver, [workspace.repo, ...(oldest ? [oldest.repo] : [])], unlabelledSessions));
    const oracleRows = [...faultChecks(runs, standIn, receiver), ...quantileBucketChecks(receiver.events), ...orderRows];
    checks.push(...oracleRows.map((row) => ({ run: label, view: "oracle", dashboard: "-", ...row })));
    if (alerting) {
      const scenario = {
        ...alerting,
        label,
        stack,
        events: receiver.events,
        mainDashboard: dashboards.find((model) => model.uid === MAIN_DASHBOARD_UID),
        budgetsDashboard: dashboards.find((model) => model.uid === BUDGETS_DASHBOARD_UID),
        monthlyBudget: LOCAL_ALERTING.budgets.otherTeams.monthlyUsd,
        warningFraction: DEFAULT_CONFIG.budgets.warningFraction,
        utcOffsetSeconds: ZONE.utcOffsetSeconds,
        log,
      };
      for (const check of await alertChecks(scenario)) checks.push({ run: label, view: "alerts", dashboard: "-", ...check });
    } else {
      log(`${label}: the alert checks run against the local stack (npm run test:e2e) and the deploy test`);
    }
    checks.push(await collectorOutage(label, temporality, plans, standIn, env, stack, dir));
    return { checks, freshness };
  } finally {
    await standIn.stop();
    await receiver.stop();
  }
}

/**
 * A workspace for the oldest release the docs promise: new repositories with
 * the same remotes, trusted in the same homes (the same users), and that CLI.
 */
function oldestReleaseWorkspace(env: SessionEnvironment, dir: string): SessionEnvironment {
  const workspace = prepareWorkspace(path.join(dir, `claude-code-${OLDEST_CLAUDE_CODE}`));
  for (const repo of Object.values(workspace.repos)) trustRepository(env.homes, repo);
  return { ...env, repo: workspace.repo, repos: workspace.repos, claudeCode: claudeBinaryOf(OLDEST_CLAUDE_CODE, log) };
}

/**
 * What a Collector outage loses: the Collector stops right after a live
 * session's first answer (before Prometheus scrapes it), stays down while the
 * session answers a second prompt, and comes back before the third. With
 * cumulative temporality the client's next successful export carries its full
 * totals, so once it has reconnected nothing may be lost; with delta, at most
 * the first two answers: what the Collector held unscraped and what was sent
 * while it was down.
 */
async function collectorOutage(
  label: string,
  temporality: "delta" | "cumulative",
  plans: ReturnType<typeof sessionPlans>,
  standIn: AnthropicStandIn,
  env: SessionEnvironment,
  stack: StackUnderTest,
  dir: string,
): Promise<Check> {
  log(`${label}: Collector down for ${OUTAGE_MS / 1000} s while a session answers a prompt`);
  const tokensOf = (answers: number) =>
    standIn.served
      .filter((a) => a.tag === plans.outage.tag)
      .slice(0, answers)
      .reduce((total, a) => total + totalOf(a.usage), 0);
  let reconnectSeconds = NaN;
  const run = await runInteractiveSession(plans.outage, standIn, env, dir, async (answer, sessionId) => {
    if (answer === 1) {
      await stack.stopCollector();
      return;
    }
    await sleep(OUTAGE_MS);
    const back = Date.now();
    await stack.startCollector();
    // The client's exporter reconnects on its own schedule (gRPC backoff):
    // cumulative shows when by resending its totals; delta gets a fixed grace.
    if (temporality === "cumulative") {
      await waitForTokens(stack.prometheusUrl, sessionId, tokensOf(2), 300_000);
      reconnectSeconds = (Date.now() - back) / 1000;
    } else {
      await sleep(RECONNECT_GRACE_MS);
    }
  });
  const sent = sessionTokens(standIn.served, run.sessionId);
  const seen = await deliveredTokens(stack.prometheusUrl, run);
  const lost = sent - seen;
  const bound = temporality === "cumulative" ? 0 : tokensOf(2);
  const recovery = Number.isNaN(reconnectSeconds) ? "" : `, totals back ${reconnectSeconds.toFixed(0)} s after the Collector`;
  return {
    run: label,
    view: "fault",
    dashboard: "-",
    panel: `tokens lost to a ${OUTAGE_MS / 1000} s Collector outage in a live session${recovery}`,
    found: String(lost),
    expected: temporality === "cumulative" ? "0" : `0 to ${bound} (unscraped or sent during the outage)`,
    passed: lost >= 0 && lost <= bound,
  };
}


/**
 * The session's token total in Prometheus once all it delivered can be there:
 * the CLI exits after its last export, the Collector serves it within its
 * batch timeout, and every target has been scraped since.
 */
async function deliveredTokens(prometheusUrl: string, run: SessionRun): Promise<number> {
  const served = run.exitedAt + durationSeconds(BATCH_TIMEOUT) * 1000;
  await expectWithin(`a scrape of every target after session ${run.plan.tag} exited`, () => everyTargetScrapedSince(prometheusUrl, served), 90_000);
  return tokensInPrometheus(prometheusUrl, run.sessionId);
}

/**
 * Checks of the oracle itself, its inputs against each other: commits in the git
 * repositories the sessions commit in; for the pinned release, one
 * api_request event per answer and no answer outside the script (the oldest
 * release sends warm-ups and side requests, answered with no usage); every
 * answer naming a session that ran.
 */
function consistencyChecks(label: string, runs: SessionRun[], standIn: AnthropicStandIn, receiver: EventReceiver, repos: readonly string[], oldest: ReadonlySet<string>): Check[] {
  const commitsInRepos = repos.reduce((total, repo) => total + Number(execFileSync("git", ["rev-list", "--count", "HEAD"], { cwd: repo }).toString()) - 1, 0);
  const scriptedCommits = runs.reduce((total, run) => total + run.plan.expected.commits, 0);
  // The oldest release's warm-ups still in flight when it exits are answered but never reported.
  const newest = (sessionId: unknown) => !oldest.has(String(sessionId));
  const requests = receiver.named("api_request").filter((event) => newest(event.attributes["session.id"])).length;
  const answers = standIn.served.filter((answer) => newest(answer.sessionId));
  const untagged = answers.filter((answer) => answer.tag === "untagged").length;
  const withSession = standIn.served.filter((answer) => runs.some((run) => run.sessionId === answer.sessionId)).length;
  const row = (panel: string, found: number, expected: number): Check => ({
    run: label,
    view: "oracle",
    dashboard: "-",
    panel,
    found: String(found),
    expected: String(expected),
    passed: found === expected,
  });
  return [
    row("commits in the git repositories = scripted commits", commitsInRepos, scriptedCommits),
    row(`api_request events = answers of the stand-in (Claude Code ${claudeVersion()})`, requests, answers.length),
    row(`answers outside the script (Claude Code ${claudeVersion()})`, untagged, 0),
    row("answers whose request names a session that ran", withSession, standIn.served.length),
  ];
}

/** Seconds from the session's exit until Prometheus shows all its tokens. */
/** The shortest and longest pause between consecutive failed attempts at one request. */
function backOffSeconds(failed: readonly FailedAttempt[]): string {
  const gaps = failedRequests(failed).flatMap((attempts) => attempts.slice(1).map((attempt, i) => (attempt.at - attempts[i].at) / 1000));
  return gaps.length === 0 ? "no retries" : `${Math.min(...gaps).toFixed(2)} to ${Math.max(...gaps).toFixed(2)} s over ${gaps.length} retries`;
}

async function secondsUntilVisible(prometheusUrl: string, run: SessionRun, tokens: number): Promise<number> {
  const deadline = Date.now() + 120_000;
  let seen = 0;
  while (Date.now() < deadline) {
    seen = await tokensInPrometheus(prometheusUrl, run.sessionId);
    if (seen === tokens) return (Date.now() - run.exitedAt) / 1000;
    await sleep(250);
  }
  throw new Error(`session ${run.plan.tag}: Prometheus did not show its ${tokens} tokens within 120 s (it showed ${seen})`);
}


runAsScript("e2e", () => main(process.argv.includes("--deployed")));
