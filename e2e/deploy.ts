/**
 * The deploy test (`npm run test:deploy`): what users type, for real, on this
 * machine's Docker. It provides its own tools in .cache/deploy (a Docker engine
 * when none answers, the Terraform providers in a filesystem mirror, images under
 * the stack's pinned tags), then:
 *
 *   cdktf deploy  -> the running stack checked through its published ports, and
 *                    real Claude Code sessions counted exactly by the recorded sums
 *   docker restart of the Collector and of Prometheus in a live session
 *   a fork's change (retention 15d -> 30d, a new team attribute) reviewed with
 *                    `cdktf diff` and `npm run plan-review`, applied, data kept
 *   team mode switched on (TLS, a token per team, Prometheus published with a
 *                    login), a session counted under its token's team, then one
 *                    team's token rotated with one config change and one deploy
 *   cdktf destroy -> containers, network and volumes gone, images kept
 *
 * The stack runs with grafana.mode "none" (Grafana cannot run here), its own
 * name prefix, ports and state folder, so it never touches a stack the user runs.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DEFAULT_CONFIG, durationSeconds } from "../config/stack-config";
import { STACK_NAME } from "../constructs/monitoring-stack";
import { allDashboards } from "../dashboards";
import { BudgetSeries, Metric, Severity, labelForAttribute, sessionMatcher } from "../telemetry/catalog";
import { stackDashboardConfig } from "../dashboards/config";
import { RULE_GROUP, recordingRules } from "../renderers/recording-rules";
import { COLLECTOR_JOB } from "../renderers/prometheus-config";
import { PER_USER_INTERVAL, dollars } from "../renderers/alert-rules";
import { AnthropicStandIn, totalOf } from "./anthropic-stand-in";
import { DockerEngine, bridgeGatewayAddress, docker, ensureDockerEngine } from "../testkit/docker-engine";
import { EventReceiver } from "./event-receiver";
import { EventMetricCheck, eventMetricChecks } from "./event-metrics";
import { expectations, sessionTokens } from "./oracle";
import { postOtlp } from "../testkit/otlp";
import { allOf, evaluateDashboard } from "../testkit/grafana-evaluation";
import { Expectation, PanelCheck, checkPanels, formatValue, matches, rangeDashboards } from "../testkit/panel-checks";
import { queryNumber, tokensInPrometheus, waitForTokens } from "../testkit/prometheus-api";
import { untilAllRowsPass, waitUntil } from "../testkit/waits";
import { answersOk, portOpen, sleep } from "../testkit/processes";
import { markdownTable, runAsScript } from "../testkit/report";
import { SessionEnvironment, SessionRun, prepareWorkspace, runInteractiveSession, runPrintSession, sessionPlans, trustRepository } from "./scenario";
import { ensureStackImages } from "../testkit/stack-images";
import { PreviousRelease, checkoutPreviousRelease } from "./previous-release";
import { dockerVolumeTsdb } from "../backfill/tsdb-access";
import { synthesize } from "../testkit/stack-files";
import { SERVER_NAME, TestCertificate, selfSignedCertificate, trustingEnv } from "../testkit/tls";
import { buildProviderMirror } from "../testkit/terraform-mirror";
import { PROJECT_DIR } from "../testkit/paths";
import { buildAlertmanager, buildCollector, buildPrometheus, checkPrerequisites, imageVersion } from "../testkit/toolchain";
import { receiverSecretVariable } from "../constructs/alertmanager-server";
import { BUDGETS_DASHBOARD_UID } from "../dashboards/budgets";
import { AlertWebhook } from "./alert-webhook";
import { NOTIFICATION_TIMEOUT_MS, createSilence, zoneAtNoon } from "./alerts";
import { randomBytes } from "crypto";

const CACHE_DIR = path.join(PROJECT_DIR, ".cache", "deploy");

/**
 * The stack under test as the previous release takes it: its own names and
 * ports, and no Grafana. Rollup windows of 6 minutes instead of an hour: the
 * shortest whose totals 1-hour steps read, so the windows of the last session
 * close within the run.
 */
const RELEASE_CONFIG = {
  namePrefix: "claude-code-deploy-test",
  ports: { otlpGrpc: 24317, otlpHttp: 24318, prometheus: 29090, grafana: 23000, alertmanager: 29093 },
  grafana: { mode: "none" },
  prometheus: { rollupWindow: "6m" },
};

/** The budgets' zone: about noon now, so the run crosses no midnight of theirs. */
const ZONE = zoneAtNoon();
const WEBHOOK_RECEIVER = "deploy_webhook";

/** This checkout's: the same, with Alertmanager sending every alert to the test's webhook. */
const DEPLOY_TEST_CONFIG = {
  ...RELEASE_CONFIG,
  budgets: { timeZone: ZONE.timeZone },
  alerting: { receivers: { [WEBHOOK_RECEIVER]: { type: "webhook" } }, defaultReceiver: WEBHOOK_RECEIVER, groupInterval: "20s" },
};

/**
 * A fork's change as a team would make it: a longer retention, longer rollup
 * windows (every recorded series gets a new label value) and one more team attribute.
 */
const FORK_CHANGE = {
  ...DEPLOY_TEST_CONFIG,
  prometheus: { ...DEPLOY_TEST_CONFIG.prometheus, retentionTime: "30d", rollupWindow: "10m" },
  teamAttributes: { ...DEFAULT_CONFIG.teamAttributes, project: "billing" },
};

const PROMETHEUS_URL = `http://127.0.0.1:${DEPLOY_TEST_CONFIG.ports.prometheus}`;
const RULE_INTERVAL_SECONDS = durationSeconds(DEFAULT_CONFIG.prometheus.ruleInterval);
/**
 * Prometheus first evaluates a group at a slot of its own interval (offset by a
 * hash of the group), so the slowest alert group may take its whole interval.
 */
const ALERT_GROUPS_EVALUATED_MS = (Math.max(RULE_INTERVAL_SECONDS, durationSeconds(PER_USER_INTERVAL)) + 60) * 1000;
const EXPORT_INTERVAL_MS = 2000;
/** The longest wait for every panel or event series to equal its oracle. */
const SETTLE_TIMEOUT_MS = 300_000;

const container = (part: string) => `${DEPLOY_TEST_CONFIG.namePrefix}-${part}`;
const CONTAINERS = { collector: container("otel-collector"), prometheus: container("prometheus") };
const ALERTMANAGER = container("alertmanager");
const ALERTMANAGER_URL = `http://127.0.0.1:${DEPLOY_TEST_CONFIG.ports.alertmanager}`;
const VOLUME = container("prometheus-data");
/** A file only this run writes into Prometheus's volume: still there after a change, it is the same volume. */
const VOLUME_MARKER = "/prometheus/.deploy-test-marker";
const volumeMarker = () => docker(["exec", CONTAINERS.prometheus, "cat", VOLUME_MARKER]);
const NETWORK = container("net");

const log = (line: string) => console.log(`[deploy ${new Date().toISOString().slice(11, 19)}] ${line}`);

interface StepResult {
  readonly step: string;
  readonly expected: string;
  readonly found: string;
  readonly passed: boolean;
  readonly seconds: number;
}

/** The table of steps; a step that throws is a failed row and ends the run (destroy still runs). */
class Steps {
  readonly results: StepResult[] = [];

  async run(step: string, expected: string, body: () => Promise<{ found: string; passed: boolean }>): Promise<void> {
    log(step);
    const started = Date.now();
    let outcome: { found: string; passed: boolean };
    try {
      outcome = await body();
    } catch (error) {
      outcome = { found: `error: ${(error as Error).message.split("\n").slice(0, 6).join(" / ")}`, passed: false };
    }
    this.results.push({ step, expected, ...outcome, seconds: (Date.now() - started) / 1000 });
    if (!outcome.passed) throw new StepFailed(step);
  }

  get failed(): number {
    return this.results.filter((result) => !result.passed).length;
  }
}

class StepFailed extends Error {}

/** The stack under test: the environment of its cdktf commands, its work folder (state, synth output, logs), and the source tree it deploys with its configuration. */
interface Deployment {
  readonly env: NodeJS.ProcessEnv;
  readonly workDir: string;
  /** This checkout, or the previous release's tree. */
  readonly projectDir: string;
  /** The stack configuration an upgrade to this tree deploys. */
  readonly config: object;
}

async function main(): Promise<number> {
  checkPrerequisites();
  if (spawnSync("terraform", ["version"], { stdio: "ignore" }).error) {
    throw new Error("the deploy test needs Terraform 1.7 or newer on PATH (https://developer.hashicorp.com/terraform/install)");
  }
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "claude-code-deploy-"));
  log(`work folder ${workDir}`);
  const configFile = path.join(workDir, "stack.config.json");
  const certificate = selfSignedCertificate(path.join(workDir, "tls"));
  const steps = new Steps();
  let engine: DockerEngine | undefined;
  let deployed = false;
  let deployment: Deployment = { env: process.env, workDir, projectDir: PROJECT_DIR, config: DEPLOY_TEST_CONFIG };
  let previousDeployment = deployment;
  const sessions = new OracleSessions();
  const webhook = new AlertWebhook();
  const webhookSecret = `hook-${randomBytes(16).toString("hex")}`;

  try {
    await steps.run("Docker engine", "answers", async () => {
      engine = await ensureDockerEngine(CACHE_DIR, log);
      removeLeftovers();
      return { found: `${engine.version}${engine.startedHere ? " (started by this test)" : ""}`, passed: true };
    });

    let previous: PreviousRelease | undefined;
    await steps.run("previous release", "the release before the newest in CHANGELOG.md, from git", async () => {
      previous = checkoutPreviousRelease(path.join(workDir, "previous-release"), log);
      return { found: `${previous.version} (${previous.commit})`, passed: true };
    });
    const release = previous!;

    const files = synthesize(DEPLOY_TEST_CONFIG, workDir);
    const previousFiles = synthesize(RELEASE_CONFIG, fs.mkdtempSync(path.join(workDir, "previous-synth-")), release.dir);
    // Alertmanager in a container reaches the test's webhook on the host's address on Docker's default bridge.
    const hostAddress = bridgeGatewayAddress();
    const webhookUrl = `${await webhook.start(hostAddress)}/${webhookSecret}`;
    // Team mode adds the random provider (tokens, Prometheus's password).
    const teamFiles = synthesize(teamModeConfig(certificate, 1), fs.mkdtempSync(path.join(workDir, "team-synth-")));
    await steps.run("Terraform providers", "built into a filesystem mirror at the versions the stack pins", async () => {
      const mirror = buildProviderMirror({ ...previousFiles.requiredProviders, ...files.requiredProviders, ...teamFiles.requiredProviders }, CACHE_DIR, log);
      for (const line of mirror.provenance) log(`provider ${line}`);
      const env = {
        ...process.env,
        TF_CLI_CONFIG_FILE: mirror.cliConfigFile,
        STACK_CONFIG_FILE: configFile,
        STACK_STATE_DIR: path.join(workDir, "state"),
        [`TF_VAR_${receiverSecretVariable(WEBHOOK_RECEIVER)}`]: webhookUrl,
        CHECKPOINT_DISABLE: "1",
        CI: "1",
      };
      deployment = { env, workDir, projectDir: PROJECT_DIR, config: DEPLOY_TEST_CONFIG };
      previousDeployment = { ...deployment, projectDir: release.dir, config: RELEASE_CONFIG };
      return { found: mirror.provenance.join("; "), passed: true };
    });

    await steps.run("images", "the pinned Collector, Prometheus and Alertmanager tags of both releases exist locally", async () => {
      const images = [previousFiles, files].flatMap((synthesized) => {
        const prometheus = buildPrometheus(imageVersion(synthesized.prometheusImage), log);
        const collector = buildCollector(synthesized.collectorYaml, imageVersion(synthesized.collectorImage), log);
        const alertmanagerImage = synthesized.alerting?.alertmanagerImage;
        const alertmanager = alertmanagerImage ? buildAlertmanager(imageVersion(alertmanagerImage), log) : undefined;
        const tags = { collector: synthesized.collectorImage, prometheus: synthesized.prometheusImage, alertmanager: alertmanagerImage };
        return ensureStackImages(tags, { collector, ...prometheus, alertmanager }, CACHE_DIR, log);
      });
      return { found: [...new Set(images.map((image) => `${image.tag} (${image.origin})`))].join(", "), passed: true };
    });

    fs.writeFileSync(configFile, JSON.stringify(RELEASE_CONFIG, null, 2));
    await steps.run(`cdktf deploy --auto-approve: release ${release.version}`, "applies", async () => {
      deployed = true;
      const output = cdktf("deploy", previousDeployment);
      return { found: /Apply complete! Resources: [^\n.]*/.exec(output)?.[0] ?? "applied", passed: true };
    });
    await checkRunningStack(steps, release.recordingRules);
    await sessions.start();
    await printSessions(steps, sessions, sessions.environment(previousDeployment, path.join(workDir, "before-upgrade")), `on release ${release.version}`, { interactive: true });
    await steps.run(`dashboards of release ${release.version}`, "every panel equals its oracle (1-minute steps)", async () =>
      allEqualOnceArrived("panels", () => checkPanels(PROMETHEUS_URL, release.dashboards, ALL, sessions.range(RULE_INTERVAL_SECONDS), sessions.expected())),
    );

    await upgrade(steps, deployment, `upgrade to this checkout (${currentVersion()})`);
    const newSeries = recordingRules(RULE_INTERVAL_SECONDS, durationSeconds(DEPLOY_TEST_CONFIG.prometheus.rollupWindow))
      .map((rule) => rule.record)
      .filter((name) => !release.recordedSeries.has(name));
    await steps.run(
      "npm run backfill, twice",
      newSeries.length > 0
        ? `exit 0; writes some of the ${newSeries.length} series this release records and ${release.version} did not, nothing else (a new series without raw samples before the upgrade has nothing to write); the second run: nothing missing`
        : `exit 0; this release records no series ${release.version} did not: nothing missing, twice`,
      async () => {
        const [first, second] = [runBackfill(deployment, workDir), runBackfill(deployment, workDir)];
        const written = (/^backfill: wrote (.+)$/m.exec(first.output)?.[1] ?? "").split(", ").filter(Boolean);
        const writtenNew = written.filter((name) => newSeries.includes(name));
        const summary = (output: string) => output.trim().split("\n").pop() ?? "";
        const firstAsExpected = newSeries.length > 0 ? written.length > 0 && writtenNew.length === written.length : summary(first.output).includes("nothing missing");
        return {
          found: `exit ${first.status}; ${summary(first.output)} (${writtenNew.length} of ${written.length} series written are new); then exit ${second.status}; ${summary(second.output)}`,
          passed: first.status === 0 && firstAsExpected && second.status === 0 && summary(second.output).includes("nothing missing"),
        };
      },
    );
    await backfillWriter(steps, files.prometheusImage, workDir);
    await interactiveSessionWithRestarts(steps, sessions, sessions.environment(deployment, path.join(workDir, "after-upgrade")));
    await printSessions(steps, sessions, sessions.environment(deployment, path.join(workDir, "after-upgrade-delta"), DELTA), "after the upgrade, delta temporality", { plans: ["write", "commit", "subagent"] });

    // The dashboards as this checkout deploys them (the JSON files of dashboards/json).
    const dashboards = rangeDashboards(Object.values(allDashboards(stackDashboardConfig(DEFAULT_CONFIG))).map((model) => JSON.parse(JSON.stringify(model))));
    await checkEveryView(steps, "dashboards across the upgrade", dashboards, sessions.from, () => sessions.expected());
    await steps.run("metrics from events", "every event series equals the CLI's own events", async () =>
      allEqualOnceArrived("series", () => eventMetricChecks(PROMETHEUS_URL, sessions.receiver.events, sessions.range(RULE_INTERVAL_SECONDS))),
    );
    await sessions.stop();

    await upgrade(steps, previousDeployment, `rollback to release ${release.version}`);
    await checkEveryView(steps, `dashboards of release ${release.version} after the rollback`, release.dashboards, sessions.from, () => sessions.expected());
    await upgrade(steps, deployment, `this checkout again (${currentVersion()})`);
    await alerting(steps, deployment, configFile, sessions, webhook, webhookSecret);

    const oracle = sessions.oracle();
    await forkChange(steps, deployment, configFile, oracle, dashboards);
    await teamModeChange(steps, deployment, configFile, certificate);
  } catch (error) {
    if (!(error instanceof StepFailed)) throw error;
  } finally {
    if (deployed) {
      await steps
        .run("cdktf destroy --auto-approve", "containers, network and volume gone; images kept", async () => {
          cdktf("destroy", deployment);
          return destroyedState();
        })
        .catch(() => undefined);
    }
    await sessions.stop();
    await webhook.stop();
    await engine?.stop();
  }

  console.log(
    markdownTable(
      ["step", "expected", "found", "ok", "seconds"],
      steps.results.map((r) => [r.step, r.expected, r.found, r.passed ? "yes" : "NO", r.seconds.toFixed(1)]),
    ),
  );
  const failed = steps.failed;
  console.log(`\ndeploy: ${steps.results.length - failed} passed, ${failed} failed`);
  if (failed === 0) fs.rmSync(workDir, { recursive: true, force: true });
  else console.log(`logs kept in ${workDir}`);
  return failed === 0 ? 0 : 1;
}

/** Every template variable at All. */
const ALL = allOf("user", "model", "repository", "team_id", "department", "project");

/** Containers, ports, readiness, scrape target and rules (`ruleCount` of them) of the running stack. */
async function checkRunningStack(steps: Steps, ruleCount: number): Promise<void> {
  await steps.run("containers", "Collector running; Prometheus running and healthy", async () => {
    const deadline = Date.now() + 90_000;
    const stateOf = (name: string) => docker(["inspect", "--format", "{{.State.Status}}{{if .State.Health}} {{.State.Health.Status}}{{end}}", name]);
    let collector = "";
    let prometheus = "";
    while (Date.now() < deadline) {
      [collector, prometheus] = [stateOf(CONTAINERS.collector), stateOf(CONTAINERS.prometheus)];
      if (collector === "running" && prometheus === "running healthy") break;
      await sleep(1000);
    }
    return { found: `Collector ${collector}, Prometheus ${prometheus}`, passed: collector === "running" && prometheus === "running healthy" };
  });

  await steps.run("published ports", "127.0.0.1 only: 24317, 24318, 29090", async () => {
    const bindings = Object.values(CONTAINERS).flatMap(hostBindings);
    const expected = ["127.0.0.1:24317", "127.0.0.1:24318", "127.0.0.1:29090"];
    return { found: bindings.sort().join(", "), passed: JSON.stringify(bindings.sort()) === JSON.stringify(expected) };
  });

  await steps.run("Prometheus ready", "/-/ready answers 200", async () => {
    const ready = await waitUntil(() => answersOk(`${PROMETHEUS_URL}/-/ready`), 60_000);
    return { found: ready ? "200" : "no answer", passed: ready };
  });

  await steps.run("Collector target", `the ${COLLECTOR_JOB} job's one target up`, async () => {
    let health = "missing";
    const collectorUp = (targets: any[]) => targets.filter((t) => t.labels.job === COLLECTOR_JOB).map((t) => t.health).join() === "up";
    const up = await waitUntil(async () => {
      const targets = (await getJson(`${PROMETHEUS_URL}/api/v1/targets?state=active`)).data.activeTargets as any[];
      health = targets.map((t) => `${t.labels.job}: ${t.health}`).join(", ") || "no target";
      return collectorUp(targets);
    }, 60_000);
    return { found: health, passed: up };
  });

  await steps.run("recording rules", `${ruleCount} rules in ${RULE_GROUP}, evaluated without error`, async () => {
    let found = "not loaded";
    const ok = await waitUntil(async () => {
      const group = await recordingRuleGroup();
      if (!group) return false;
      const healthy = group.rules.filter((rule: any) => rule.health === "ok" && !rule.lastError).length;
      found = `${group.rules.length} rules, ${healthy} evaluated ok`;
      return group.rules.length === ruleCount && healthy === ruleCount;
    }, (RULE_INTERVAL_SECONDS + 30) * 1000);
    return { found, passed: ok };
  });
}

/** What the dashboards must show for the sessions sent, from the first one on. */
interface Oracle {
  readonly expected: Readonly<Record<string, Expectation>>;
  readonly from: number;
}

/** Overrides the printed settings' temporality (cumulative) for sessions that export deltas. */
const DELTA = { OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: "delta" };

/**
 * The sessions the dashboards are checked against, across deploys: one
 * stand-in API and one event receiver for all of them, and every run.
 */
class OracleSessions {
  readonly runs: SessionRun[] = [];
  readonly standIn = new AnthropicStandIn();
  readonly receiver = new EventReceiver(`http://127.0.0.1:${DEPLOY_TEST_CONFIG.ports.otlpHttp}/v1/logs`);
  readonly from = Math.floor(Date.now() / 1000) - 30;
  private endpoints?: { apiUrl: string; eventsEndpoint: string };
  /** The teams' home folders of the first workspace: every session of a team runs as one user. */
  private homes?: SessionEnvironment["homes"];

  async start(): Promise<void> {
    this.endpoints = { apiUrl: await this.standIn.start(), eventsEndpoint: await this.receiver.start() };
  }

  async stop(): Promise<void> {
    if (!this.endpoints) return;
    this.endpoints = undefined;
    await this.standIn.stop();
    await this.receiver.stop();
  }

  /**
   * A workspace in `dir` (a new repository; the teams' homes of the first one)
   * for sessions with the settings the deployed stack outputs, `overrides` on top.
   */
  environment(deployment: Deployment, dir: string, overrides: Record<string, string> = {}): SessionEnvironment {
    if (!this.endpoints) throw new Error("the session tools are not started");
    fs.mkdirSync(dir, { recursive: true });
    const settings = JSON.parse(terraformOutput(deployment, "claude_code_settings")).env as Record<string, string>;
    const workspace = prepareWorkspace(dir);
    if (this.homes) for (const repo of Object.values(workspace.repos)) trustRepository(this.homes, repo);
    this.homes ??= workspace.homes;
    return { stackEnv: { ...settings, ...overrides }, ...this.endpoints, ...workspace, homes: this.homes, exportIntervalMillis: EXPORT_INTERVAL_MS };
  }

  expected(): Record<string, Expectation> {
    return expectations({ runs: this.runs, served: this.standIn.served, events: this.receiver.events });
  }

  range(step: number): { from: number; to: number; step: number } {
    return { from: this.from, to: Math.floor(Date.now() / 1000), step };
  }

  /** What the dashboards must show for the sessions so far. */
  oracle(): Oracle {
    return { expected: this.expected(), from: this.from };
  }
}

/**
 * The end-to-end scenario's sessions with tool use (or those of `plans`), to
 * the published OTLP port, and with `interactive` an interactive session
 * (the oracle's active time per type needs one).
 */
async function printSessions(
  steps: Steps,
  sessions: OracleSessions,
  sessionEnv: SessionEnvironment,
  when: string,
  { plans = ["write", "edit", "reject", "commit"], interactive = false } = {},
): Promise<void> {
  const scenario = sessionPlans(sessionEnv.repo);
  const count = plans.length + (interactive ? 1 : 0);
  await steps.run(`Claude Code sessions ${when}`, `${count} sessions to ${sessionEnv.stackEnv.OTEL_EXPORTER_OTLP_ENDPOINT}`, async () => {
    for (const plan of plans) sessions.runs.push(await runPrintSession(scenario[plan], sessions.standIn, sessionEnv));
    if (interactive) sessions.runs.push(await runInteractiveSession(scenario.interactive, sessions.standIn, sessionEnv, path.dirname(sessionEnv.repo), async () => undefined));
    return { found: `${count} sessions, ${sessions.standIn.served.length} answers so far`, passed: true };
  });
}

/** An interactive session during which the Collector and Prometheus are restarted with `docker restart`. */
async function interactiveSessionWithRestarts(steps: Steps, sessions: OracleSessions, sessionEnv: SessionEnvironment): Promise<void> {
  const plan = sessionPlans(sessionEnv.repo).interactive;
  const { standIn } = sessions;
  const servedBefore = standIn.served.length;
  const answersOfThisSession = () => standIn.served.slice(servedBefore).filter((a) => a.tag === plan.tag);
  const tokensOf = (answers: number) => answersOfThisSession().slice(0, answers).reduce((total, a) => total + totalOf(a.usage), 0);
  const restarts: Record<string, number> = {};
  await steps.run("interactive session with docker restart of the Collector, then of Prometheus", "no tokens lost", async () => {
    const run = await runInteractiveSession(plan, standIn, sessionEnv, path.dirname(sessionEnv.repo), async (answer, sessionId) => {
      // Restart once Prometheus holds the answer so far, as a user's restart would come between answers.
      await waitForTokens(PROMETHEUS_URL, sessionId, tokensOf(answer), 60_000);
      const [name, ready] =
        answer === 1 ? [CONTAINERS.collector, () => portOpen(DEPLOY_TEST_CONFIG.ports.otlpGrpc)] : [CONTAINERS.prometheus, () => answersOk(`${PROMETHEUS_URL}/-/ready`)];
      const started = Date.now();
      docker(["restart", name]);
      await waitUntil(ready, 60_000);
      restarts[name] = (Date.now() - started) / 1000;
    });
    sessions.runs.push(run);
    const sent = tokensOf(Infinity);
    await waitForTokens(PROMETHEUS_URL, run.sessionId, sent, 60_000);
    const seen = await tokensInPrometheus(PROMETHEUS_URL, run.sessionId);
    const restartTimes = Object.entries(restarts).map(([name, seconds]) => `${name} back in ${seconds.toFixed(1)} s`).join(", ");
    return { found: `${sent - seen} of ${sent} tokens lost; ${restartTimes}`, passed: seen === sent && Object.keys(restarts).length === 2 };
  });
}

/**
 * The backfill's way of writing blocks, on the stack's volume through one-shot
 * containers of its Prometheus image: the upgrade's backfill found nothing to
 * write, so a probe series shows that a written block reaches Prometheus.
 */
async function backfillWriter(steps: Steps, prometheusImage: string, workDir: string): Promise<void> {
  await steps.run("backfill's block writer on the volume", "a probe sample staged by promtool and published in one-shot containers is in Prometheus", async () => {
    const dir = fs.mkdtempSync(path.join(workDir, "backfill-probe-"));
    fs.chmodSync(dir, 0o755);
    const file = path.join(dir, "probe.om");
    const at = Math.floor(Date.now() / 1000) - 600;
    fs.writeFileSync(file, `deploy_test_backfill_probe{run="${process.pid}"} 1 ${at}\n# EOF\n`, { mode: 0o644 });
    const tsdb = dockerVolumeTsdb({ volume: VOLUME, image: prometheusImage });
    await tsdb.recover();
    await tsdb.stage(file, 24);
    const published = await tsdb.publish();
    const started = Date.now();
    const probe = `count_over_time(deploy_test_backfill_probe{run="${process.pid}"}[1h])`;
    const loaded = await waitUntil(async () => (await queryNumber(PROMETHEUS_URL, probe)) === 1, 180_000);
    return { found: `${published.blocks} block published; ${loaded ? `in Prometheus after ${((Date.now() - started) / 1000).toFixed(0)} s` : "NOT in Prometheus after 180 s"}`, passed: published.blocks === 1 && loaded };
  });
}

/** `cdktf deploy` of another source tree, with its configuration, on the same state and volume. */
async function upgrade(steps: Steps, to: Deployment, what: string): Promise<void> {
  fs.writeFileSync(to.env.STACK_CONFIG_FILE!, JSON.stringify(to.config, null, 2));
  const marker = `deploy-test-${process.pid}-${Date.now()}`;
  docker(["exec", CONTAINERS.prometheus, "sh", "-c", `echo ${marker} > ${VOLUME_MARKER}`]);
  await steps.run(`cdktf deploy --auto-approve: ${what}`, "applies; same volume; Prometheus ready and evaluating its rules", async () => {
    const appliedAt = Date.now();
    const applied = /Apply complete! Resources: [^\n.]*/.exec(cdktf("deploy", to))?.[0] ?? "applied";
    const ready = await waitUntil(async () => {
      const group = await recordingRuleGroup().catch(() => undefined);
      return group !== undefined && Date.parse(group.lastEvaluation) > appliedAt;
    }, (RULE_INTERVAL_SECONDS + 60) * 1000);
    const sameVolume = volumeMarker() === marker;
    return { found: `${applied}; volume ${sameVolume ? "same" : "NEW"}; rules ${ready ? "evaluated" : "NOT evaluated"}`, passed: sameVolume && ready };
  });
}

/**
 * Alertmanager deployed for real: healthy on 127.0.0.1 only and found by
 * Prometheus; a silence made through its API; a budget change reviewed as a
 * plan that replaces Prometheus only and says the budget in words, applied
 * with Alertmanager and its silence untouched; the alert it fires at the
 * test's webhook with the spend of the sessions; the receiver's secret in no
 * plan, output or log.
 */
async function alerting(steps: Steps, deployment: Deployment, configFile: string, sessions: OracleSessions, webhook: AlertWebhook, secret: string): Promise<void> {
  await steps.run("Alertmanager", "healthy; published on 127.0.0.1:29093 only; Prometheus sends to it; its alert rules evaluated without error", async () => {
    const healthy = await waitUntil(() => docker(["inspect", "--format", "{{.State.Health.Status}}", ALERTMANAGER]) === "healthy", 90_000);
    const bindings = hostBindings(ALERTMANAGER).sort().join(", ");
    const found = await waitUntil(async () => (await getJson(`${PROMETHEUS_URL}/api/v1/alertmanagers`)).data.activeAlertmanagers.length === 1, 60_000);
    let rules = "not loaded";
    const evaluated = await waitUntil(async () => {
      const groups = (await getJson(`${PROMETHEUS_URL}/api/v1/rules?type=alert`)).data.groups as any[];
      const all = groups.flatMap((group) => group.rules);
      const notOk = groups.flatMap((group) => group.rules.filter((rule: any) => rule.health !== "ok").map((rule: any) => `${rule.name} (${group.name}: ${rule.health}${rule.lastError ? `, ${rule.lastError}` : ""})`));
      rules = `${all.length} alerts in ${groups.map((group) => group.name).join(", ")}, ${all.length - notOk.length} evaluated ok${notOk.length > 0 ? `; not yet: ${notOk.join(", ")}` : ""}`;
      return all.length > 0 && notOk.length === 0 && groups.every((group) => Date.parse(group.lastEvaluation) > 0);
    }, ALERT_GROUPS_EVALUATED_MS);
    const passed = healthy && bindings === `127.0.0.1:${DEPLOY_TEST_CONFIG.ports.alertmanager}` && found && evaluated;
    return { found: `${healthy ? "healthy" : "NOT healthy"}; ${bindings}; ${found ? "found" : "NOT found"} by Prometheus; ${rules}`, passed };
  });

  let silence = "";
  await steps.run("a silence made through Alertmanager's API", "created", async () => {
    silence = await createSilence(ALERTMANAGER_URL, { alertname: "DeployTestSilence" }, "kept across a budget change");
    return { found: `silence ${silence}`, passed: true };
  });

  // A daily budget a hundredth of a cent or less under what the sessions so far cost (under a
  // cent here), for the team that spent most (the sessions run as the scenario's teams).
  const spentBy = new Map<string, number>();
  for (const event of sessions.receiver.events.filter((e) => e.name === "api_request")) {
    const teamOfEvent = String(event.resource["team.id"] ?? event.attributes["team.id"]);
    spentBy.set(teamOfEvent, (spentBy.get(teamOfEvent) ?? 0) + Number(event.attributes.cost_usd));
  }
  const [team, spent] = [...spentBy.entries()].sort(([, a], [, b]) => b - a)[0] ?? ["none", 0];
  const budget = Math.floor(spent * 10_000) / 10_000;
  fs.writeFileSync(configFile, JSON.stringify({ ...DEPLOY_TEST_CONFIG, budgets: { ...DEPLOY_TEST_CONFIG.budgets, teams: { [team]: { dailyUsd: budget } } } }, null, 2));
  const expectedLines = [`- replaced: Prometheus container \`${CONTAINERS.prometheus}\` (upload)`, "- volumes: unchanged", `- Budget of team \`${team}\`, daily: none -> $${dollars(budget)}`];
  await steps.run("budget change: npm run plan-review", `exit 2; no warning; ${expectedLines.join(" ")}`, async () => {
    if (!(budget > 0)) return { found: `the sessions so far cost ${JSON.stringify(Object.fromEntries(spentBy))} USD by team: no budget fits under that`, passed: false };
    const review = planReview(deployment);
    console.log(review.markdown);
    const lines = review.markdown.split("\n").filter((line) => line.startsWith("- "));
    const warned = review.markdown.includes("[!WARNING]");
    return { found: `exit ${review.status}; ${warned ? "a WARNING; " : ""}${lines.join(" ")}`, passed: review.status === 2 && !warned && JSON.stringify(lines) === JSON.stringify(expectedLines) };
  });

  const alertmanagerBefore = docker(["inspect", "--format", "{{.Id}}", ALERTMANAGER]);
  const appliedAt = Date.now();
  await steps.run("budget change: cdktf deploy --auto-approve", "applies; Alertmanager's container and the silence untouched", async () => {
    const applied = /Apply complete! Resources: [^\n.]*/.exec(cdktf("deploy", deployment))?.[0] ?? "applied";
    const same = docker(["inspect", "--format", "{{.Id}}", ALERTMANAGER]) === alertmanagerBefore;
    const state = (await getJson(`${ALERTMANAGER_URL}/api/v2/silence/${silence}`)).status.state as string;
    return { found: `${applied}; Alertmanager ${same ? "same container" : "REPLACED"}; silence ${state}`, passed: same && state === "active" };
  });

  const group = { alertname: "TeamDailyBudgetExceeded", team_id: team };
  await steps.run("budget alert at the test's webhook", `one TeamDailyBudgetExceeded for ${team}; spend $${spent.toFixed(2)} (the CLI's api_request events), budget $${budget.toFixed(2)}`, async () => {
    const arrived = await waitUntil(() => webhook.of(group, "firing").length > 0, NOTIFICATION_TIMEOUT_MS);
    const notifications = webhook.of(group, "firing");
    const description = notifications[0]?.alerts[0]?.annotations.description ?? "none";
    const seconds = arrived ? ((notifications[0].receivedAt - appliedAt) / 1000).toFixed(0) : "-";
    const recorded = await queryNumber(PROMETHEUS_URL, `${BudgetSeries.teamToday}{team_id="${team}"}`);
    const passed = notifications.length === 1 && description.includes(`spent $${spent.toFixed(2)} today`) && description.includes(`budget $${budget.toFixed(2)}`) && Math.abs(recorded - spent) < 1e-9;
    return { found: `${notifications.length} notification, ${seconds} s after the apply: "${description}"; ${BudgetSeries.teamToday} ${recorded}`, passed };
  });

  const firing = `TeamDailyBudgetExceeded ${Severity.critical} ${team}`;
  // The deploy replaced Prometheus: it sends alerts from its first evaluation but writes ALERTS
  // only once it has restored its alerts' state, after its second (rules/group.go).
  const alertsWrittenMs = (3 * RULE_INTERVAL_SECONDS + 60) * 1000;
  await steps.run("budgets dashboard", `${team}: spent ${spent} against a daily budget of ${budget}; Alerts Firing Now lists "${firing}"`, async () => {
    const built = Object.values(allDashboards(stackDashboardConfig(DEFAULT_CONFIG))).find((model) => model.uid === BUDGETS_DASHBOARD_UID);
    if (!built) return { found: "the stack provisions no budgets dashboard", passed: false };
    const model = JSON.parse(JSON.stringify(built));
    let found = "not read";
    const passed = await waitUntil(async () => {
      const now = Math.floor(Date.now() / 1000);
      const panels = await evaluateDashboard(PROMETHEUS_URL, model, allOf(labelForAttribute("team.id")), { from: now - 3600, to: now, step: 60 });
      const spend = panels.find((panel) => panel.title === "Spend Today against Daily Budget")?.value;
      const alerts = panels.find((panel) => panel.title === "Alerts Firing Now")?.value;
      const ofTeam = typeof spend === "object" ? { [`${team} spent`]: spend[`${team} spent`], [`${team} budget`]: spend[`${team} budget`] } : {};
      found = `${formatValue(ofTeam)}; alerts firing: ${typeof alerts === "object" ? Object.keys(alerts).join(", ") : "none"}`;
      return matches(ofTeam, { [`${team} spent`]: spent, [`${team} budget`]: budget }) && typeof alerts === "object" && alerts[firing] === 1;
    }, alertsWrittenMs);
    return { found, passed };
  });

  await steps.run("the receiver's secret (its webhook URL)", "in the container's secret file only: in no plan, output or log", async () => {
    const stackDir = path.join(deployment.workDir, "cdktf.out", "stacks", STACK_NAME);
    const logsOf = (name: string) => {
      const result = spawnSync("docker", ["logs", name], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
      return `${result.stdout}${result.stderr}`;
    };
    const places: Record<string, string> = {
      "cdktf and plan-review output": fs.readFileSync(path.join(deployment.workDir, "cdktf.log"), "utf8"),
      "terraform output -json": execFileSync("terraform", ["output", "-json"], { cwd: stackDir, env: deployment.env, encoding: "utf8" }),
      "Alertmanager's log": logsOf(ALERTMANAGER),
      "Prometheus's log": logsOf(CONTAINERS.prometheus),
    };
    const leaks = Object.entries(places).filter(([, text]) => text.includes(secret)).map(([place]) => place);
    const inFile = docker(["exec", ALERTMANAGER, "cat", `/etc/alertmanager/secrets/${WEBHOOK_RECEIVER}`]).includes(secret);
    return { found: `${leaks.length > 0 ? `IN ${leaks.join(", ")}` : `in none of ${Object.keys(places).join(", ")}`}; ${inFile ? "in" : "NOT in"} the secret file`, passed: leaks.length === 0 && inFile };
  });
}

/** How long the 1-hour steps may take to show the last session: its rollup window must close first. */
const WINDOWS_CLOSED_TIMEOUT_MS = (durationSeconds(DEPLOY_TEST_CONFIG.prometheus.rollupWindow) + 4 * RULE_INTERVAL_SECONDS) * 1000 + SETTLE_TIMEOUT_MS;

/**
 * The views every panel is checked in: time series at 1-minute steps (the
 * per-minute sums) over the range until now, and at 1-hour steps (the window
 * totals) over a range that ends an hour from now, as Grafana's "Today" does:
 * Grafana ends a range query at the last whole step, so a range ending now
 * would leave out the hour under way.
 */
const VIEWS = [
  { steps: "1-minute steps", step: RULE_INTERVAL_SECONDS, ahead: 0, timeoutMs: SETTLE_TIMEOUT_MS },
  { steps: "1-hour steps", step: 3600, ahead: 3600, timeoutMs: WINDOWS_CLOSED_TIMEOUT_MS },
] as const;

/** Every panel of `dashboards` in each of VIEWS, single values included, against `expected`, from `from`. */
async function checkEveryView(steps: Steps, what: string, dashboards: readonly any[], from: number, expected: () => Record<string, Expectation>): Promise<void> {
  for (const view of VIEWS) {
    await steps.run(`${what}: single values, time series at ${view.steps}`, "every panel equals its oracle", async () =>
      allEqualOnceArrived(
        "panels",
        () => checkPanels(PROMETHEUS_URL, dashboards, ALL, { from, to: Math.floor(Date.now() / 1000) + view.ahead, step: view.step }, expected()),
        view.timeoutMs,
      ),
    );
  }
}

/** This checkout's version (package.json). */
function currentVersion(): string {
  return JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8")).version;
}

/** A stand-in API and an event receiver for one short session outside the oracle, for the time of `body`. */
async function withSessionTools<T>(
  deployment: Deployment,
  dir: string,
  extraResourceAttributes: Record<string, string>,
  body: (tools: { sessionEnv: SessionEnvironment; standIn: AnthropicStandIn }) => Promise<T>,
): Promise<T> {
  const tools = new OracleSessions();
  await tools.start();
  try {
    return await body({ sessionEnv: { ...tools.environment(deployment, dir), extraResourceAttributes }, standIn: tools.standIn });
  } finally {
    await tools.stop();
  }
}

/** The fork's change: reviewed as a real plan twice (cdktf diff, plan-review), applied, data kept. */
async function forkChange(steps: Steps, deployment: Deployment, configFile: string, oracle: Oracle, dashboards: any[]): Promise<void> {
  // `dashboards` are those the oracle covers (before the change): the new attribute's panels
  // group the earlier sessions, which never sent it, under no value.
  fs.writeFileSync(configFile, JSON.stringify(FORK_CHANGE, null, 2));
  const expectedChanges = ["docker_container.collector_container replaced", "docker_container.prometheus_container replaced"];

  await steps.run("fork change: cdktf diff", expectedChanges.join(", "), async () => {
    const output = cdktf("diff", deployment);
    const changes = planLines(output);
    const plan = /Plan: [^\n]*/.exec(output)?.[0] ?? "no plan line";
    return { found: `${changes.join(", ") || "no changes"} (${plan})`, passed: JSON.stringify(changes) === JSON.stringify(expectedChanges) };
  });

  // The Prometheus container's label that describes the stored data changes too (the new team label).
  const expectedSummary = [
    `- replaced: Collector container \`${CONTAINERS.collector}\` (upload)`,
    `- replaced: Prometheus container \`${CONTAINERS.prometheus}\` (labels, upload)`,
    "- volumes: unchanged",
  ];
  const expectedWarning = "Team label `project` is new";
  await steps.run("fork change: npm run plan-review", `exit 2 (changes); one warning: "${expectedWarning} ..."; ${expectedSummary.join(" ")}`, async () => {
    const review = planReview(deployment);
    console.log(review.markdown);
    const lines = review.markdown.split("\n").filter((line) => line.startsWith("- "));
    const warnings = review.markdown.split("\n").filter((line) => line.startsWith("> ") && !line.includes("[!WARNING]"));
    const sameLines = JSON.stringify(lines.slice(0, 3).map(sortedAttributes)) === JSON.stringify(expectedSummary);
    const passed = review.status === 2 && warnings.length === 1 && warnings[0].startsWith(`> ${expectedWarning}`) && sameLines;
    return { found: `exit ${review.status}; ${warnings.join(" ") || "no warning"}; ${lines.join(" ")}`, passed };
  });

  const marker = `deploy-test-${process.pid}-${Date.now()}`;
  docker(["exec", CONTAINERS.prometheus, "sh", "-c", `echo ${marker} > ${VOLUME_MARKER}`]);
  const networkBefore = docker(["network", "inspect", "--format", "{{.Id}}", NETWORK]);
  const appliedAt = Date.now() / 1000;
  await steps.run("fork change: cdktf deploy --auto-approve", "applies; same volume and network", async () => {
    const applied = /Apply complete! Resources: [^\n.]*/.exec(cdktf("deploy", deployment))?.[0] ?? "applied";
    const sameVolume = volumeMarker() === marker;
    const sameNetwork = docker(["network", "inspect", "--format", "{{.Id}}", NETWORK]) === networkBefore;
    return { found: `${applied}; volume ${sameVolume ? "same" : "NEW"}, network ${sameNetwork ? "same" : "NEW"}`, passed: sameVolume && sameNetwork };
  });

  await steps.run("npm run plan-review after the apply", "exit 0, No changes.", async () => {
    const review = planReview(deployment);
    return { found: `exit ${review.status}; ${review.markdown.trim().split("\n").pop()}`, passed: review.status === 0 && review.markdown.includes("No changes.") };
  });

  await steps.run("fork change: retention in effect", "30d", async () => {
    await waitUntil(() => answersOk(`${PROMETHEUS_URL}/-/ready`), 60_000);
    const retention = (await getJson(`${PROMETHEUS_URL}/api/v1/status/runtimeinfo`)).data.storageRetention as string;
    return { found: retention, passed: retention.startsWith("30d") };
  });

  // Let the replaced Prometheus evaluate its rules (and any catch-up) before reading.
  await waitUntil(async () => {
    const group = await recordingRuleGroup();
    return group !== undefined && Date.parse(group.lastEvaluation) / 1000 > appliedAt;
  }, (RULE_INTERVAL_SECONDS + 30) * 1000);
  await checkEveryView(steps, "data kept: dashboards after the fork change", dashboards, oracle.from, () => ({ ...oracle.expected }));

  const [attribute, value] = Object.entries(FORK_CHANGE.teamAttributes).find(([key]) => !(key in DEFAULT_CONFIG.teamAttributes))!;
  await steps.run(`fork change: new team attribute ${attribute}`, `a session sending ${attribute}=${value} is labelled with it`, async () => {
    const sessionId = await runSession(deployment, path.join(deployment.workDir, "after-change"), { [attribute]: value });
    const labelled = `sum(increase(${Metric.tokens.name}{${sessionMatcher(sessionId)}, ${labelForAttribute(attribute)}="${value}"}[30m] anchored))`;
    let tokens = 0;
    await waitUntil(async () => (tokens = await queryNumber(PROMETHEUS_URL, labelled)) > 0, 60_000);
    return { found: `${tokens} tokens under ${labelForAttribute(attribute)}="${value}"`, passed: tokens > 0 };
  });
}

/** A summary line with the attributes in its parentheses sorted (Terraform lists them in no fixed order). */
function sortedAttributes(line: string): string {
  return line.replace(/\(([^)]*)\)$/, (_, list: string) => `(${list.split(", ").sort().join(", ")})`);
}

/** Team mode on top of the fork's configuration: TLS with a test certificate, teams alpha and beta, Prometheus published with a login. */
function teamModeConfig(certificate: TestCertificate, betaTokenGeneration: number): object {
  return {
    ...FORK_CHANGE,
    teamMode: {
      enabled: true,
      teams: { alpha: { tokenGeneration: 1 }, beta: { tokenGeneration: betaTokenGeneration } },
      tls: { ...certificate, serverName: SERVER_NAME },
      publishPrometheus: true,
    },
  };
}

/**
 * Team mode switched on in the running stack, then beta's token rotated: each
 * one config change and one deploy, Prometheus's volume kept throughout.
 */
async function teamModeChange(steps: Steps, deployment: Deployment, configFile: string, certificate: TestCertificate): Promise<void> {
  fs.writeFileSync(configFile, JSON.stringify(teamModeConfig(certificate, 1), null, 2));
  const marker = volumeMarker();
  await steps.run("team mode: cdktf deploy --auto-approve", "applies; same volume", async () => {
    const applied = /Apply complete! Resources: [^\n.]*/.exec(cdktf("deploy", deployment))?.[0] ?? "applied";
    const sameVolume = volumeMarker() === marker;
    return { found: `${applied}; volume ${sameVolume ? "same" : "NEW"}`, passed: sameVolume };
  });

  const login = `Basic ${Buffer.from(`prometheus:${terraformOutput(deployment, "prometheus_password")}`).toString("base64")}`;
  const statusOf = async (authorization?: string) =>
    (await fetch(`${PROMETHEUS_URL}/api/v1/query?query=up`, { headers: authorization ? { authorization } : {} })).status;
  await steps.run("team mode: Prometheus published with basic auth", "401 without a password, 401 with a wrong one, 200 with it; container healthy", async () => {
    await waitUntil(async () => (await statusOf(login)) === 200, 60_000);
    const healthy = await waitUntil(async () => docker(["inspect", "--format", "{{.State.Health.Status}}", CONTAINERS.prometheus]) === "healthy", 60_000);
    const statuses = [await statusOf(), await statusOf(`Basic ${Buffer.from("prometheus:wrong").toString("base64")}`), await statusOf(login)];
    return { found: `${statuses.join(", ")}; ${healthy ? "healthy" : "NOT healthy"}`, passed: statuses.join() === "401,401,200" && healthy };
  });

  const tokenOf = (team: string) => /^Authorization=Bearer (.+)$/.exec(settingsOf(deployment, team).OTEL_EXPORTER_OTLP_HEADERS)![1];
  const collector = (token: string) => ({ host: SERVER_NAME, port: DEPLOY_TEST_CONFIG.ports.otlpHttp, ca: fs.readFileSync(certificate.certFile, "utf8"), token });
  const accepted = (token: string) => postOtlp(collector(token), "/v1/metrics", "{}", "application/json");
  // last_over_time: replacing the Collector makes its series stale at Prometheus's next scrape, and the session's count must still be found after that.
  const teamTokens = (sessionId: string) =>
    queryWithLogin(`sum by (team_id) (last_over_time(${Metric.tokens.name}{${sessionMatcher(sessionId)}}[1h]))`, login).then((result) =>
      result.map((series: any) => `${series.metric.team_id}=${Number(series.value[1])}`).join(", "),
    );
  let alphaSession = { sessionId: "", tokens: 0 };
  await steps.run("team mode: a session with alpha's settings, claiming team beta", "counted under alpha only", async () => {
    alphaSession = await runTeamSession(path.join(deployment.workDir, "team-session"), settingsOf(deployment, "alpha"), certificate.certFile);
    const expected = `alpha=${alphaSession.tokens}`;
    let found = "";
    await waitUntil(async () => (found = await teamTokens(alphaSession.sessionId)) === expected, 60_000);
    return { found: found || "nothing", passed: found === expected };
  });

  const alphaBefore = tokenOf("alpha");
  const betaBefore = tokenOf("beta");
  fs.writeFileSync(configFile, JSON.stringify(teamModeConfig(certificate, 2), null, 2));
  const rotation = ["docker_container.collector_container replaced", "random_password.team-tokens_beta replaced"];
  await steps.run("rotate beta's token: cdktf diff", rotation.join(", "), async () => {
    const changes = planLines(cdktf("diff", deployment));
    return { found: changes.join(", ") || "no changes", passed: JSON.stringify(changes) === JSON.stringify(rotation) };
  });
  await steps.run(
    "rotate beta's token: cdktf deploy --auto-approve",
    "beta's new token accepted (200), its old one refused (401); alpha's token unchanged and accepted; alpha's session still counted; same volume",
    async () => {
      cdktf("deploy", deployment);
      await waitUntil(() => portOpen(DEPLOY_TEST_CONFIG.ports.otlpHttp), 60_000);
      const betaAfter = tokenOf("beta");
      const statuses = { "beta new": await accepted(betaAfter), "beta old": await accepted(betaBefore), alpha: await accepted(tokenOf("alpha")) };
      const kept = await teamTokens(alphaSession.sessionId);
      const sameVolume = volumeMarker() === marker;
      const found = `${Object.entries(statuses).map(([token, status]) => `${token} ${status}`).join(", ")}; alpha's token ${tokenOf("alpha") === alphaBefore ? "unchanged" : "CHANGED"}, beta's ${betaAfter === betaBefore ? "UNCHANGED" : "new"}; alpha's session ${kept}; volume ${sameVolume ? "same" : "NEW"}`;
      const passed =
        statuses["beta new"] === 200 && statuses["beta old"] === 401 && statuses.alpha === 200 && tokenOf("alpha") === alphaBefore && betaAfter !== betaBefore && kept === `alpha=${alphaSession.tokens}` && sameVolume;
      return { found, passed };
    },
  );
}

/** `npm run backfill` against the deployed stack, its output also appended to the deploy log. */
function runBackfill(deployment: Deployment, workDir: string): { status: number | null; output: string } {
  const backfill = spawnSync("npm", ["run", "--silent", "backfill"], { cwd: PROJECT_DIR, env: deployment.env, encoding: "utf8" });
  const output = `${backfill.stdout}${backfill.stderr}`;
  fs.appendFileSync(path.join(workDir, "cdktf.log"), `$ npm run backfill\n${output}\n`);
  return { status: backfill.status, output };
}

/** The `env` of a team's Claude Code settings output. */
function settingsOf(deployment: Deployment, team: string): Record<string, string> {
  return JSON.parse(terraformOutput(deployment, `claude_code_settings_${team}`)).env;
}

/**
 * One short session with a team's settings, trusting the test's certificate;
 * it claims team beta in OTEL_RESOURCE_ATTRIBUTES. Its events go straight to
 * the Collector with the same token. Returns its session id and the tokens served.
 */
async function runTeamSession(dir: string, settings: Record<string, string>, certFile: string): Promise<{ sessionId: string; tokens: number }> {
  const standIn = new AnthropicStandIn();
  try {
    fs.mkdirSync(dir, { recursive: true });
    const sessionEnv: SessionEnvironment = {
      stackEnv: { ...settings, ...trustingEnv(certFile) },
      apiUrl: await standIn.start(),
      eventsEndpoint: `https://${SERVER_NAME}:${DEPLOY_TEST_CONFIG.ports.otlpHttp}/v1/logs`,
      ...prepareWorkspace(dir),
      exportIntervalMillis: EXPORT_INTERVAL_MS,
    };
    const plan = sessionPlans(sessionEnv.repo).parallelB;
    const run = await runPrintSession(plan, standIn, sessionEnv);
    return { sessionId: run.sessionId, tokens: sessionTokens(standIn.served, run.sessionId) };
  } finally {
    await standIn.stop();
  }
}

/** An instant query to the published Prometheus with its login; the result vector. */
async function queryWithLogin(expr: string, authorization: string): Promise<any[]> {
  return (await getJson(`${PROMETHEUS_URL}/api/v1/query?${new URLSearchParams({ query: expr })}`, { authorization })).data.result;
}

/** One short session with the stack's current settings plus `extraResourceAttributes`; returns its session id. */
function runSession(deployment: Deployment, dir: string, extraResourceAttributes: Record<string, string>): Promise<string> {
  return withSessionTools(deployment, dir, extraResourceAttributes, async ({ sessionEnv, standIn }) =>
    (await runPrintSession(sessionPlans(sessionEnv.repo).parallelA, standIn, sessionEnv)).sessionId,
  );
}

/** Reads `checks` until all of them pass (everything they read has arrived) or the limit passes, then summarizes the last reading. */
async function allEqualOnceArrived(
  what: string,
  read: () => Promise<readonly (PanelCheck | EventMetricCheck)[]>,
  timeoutMs = SETTLE_TIMEOUT_MS,
): Promise<{ found: string; passed: boolean }> {
  const settled = await untilAllRowsPass(read, (check) => `${"panel" in check ? check.panel : check.metric}: ${check.found} (expected ${check.expected})`, {
    what,
    timeoutMs,
    log,
  });
  return allEqual(what, settled.result);
}

/** "N of M <what> equal", with each difference; passes when there is at least one check and all pass. */
function allEqual(what: string, checks: readonly (PanelCheck | EventMetricCheck)[]): { found: string; passed: boolean } {
  const wrong = checks.filter((check) => !check.passed);
  const details = wrong.map((check) => `${"panel" in check ? check.panel : check.metric}: ${check.found} (expected ${check.expected})`).join("; ");
  return { found: `${checks.length - wrong.length} of ${checks.length} ${what} equal${details ? `; ${details}` : ""}`, passed: wrong.length === 0 && checks.length > 0 };
}

/** The stack's recording rule group as Prometheus reports it, once loaded. */
async function recordingRuleGroup(): Promise<any | undefined> {
  const rules = await getJson(`${PROMETHEUS_URL}/api/v1/rules?type=record`);
  return rules.data.groups.find((group: any) => group.name === RULE_GROUP);
}

/** "address action" (without cdktf's hash suffix) for each resource a `cdktf diff` would change, sorted. */
function planLines(output: string): string[] {
  const actions: Record<string, string> = {
    "must be replaced": "replaced",
    "will be created": "created",
    "will be destroyed": "destroyed",
    "will be updated in-place": "updated in place",
  };
  const lines: string[] = [];
  // cdktf prints the construct path after the address: "# docker_container.x_1A2B3C4D (x/container) must be replaced".
  for (const match of output.matchAll(/# (\S+)(?: \([^)]*\))? (must be replaced|will be created|will be destroyed|will be updated in-place)/g)) {
    lines.push(`${match[1].replace(/_[0-9A-F]{8}$/, "")} ${actions[match[2]]}`);
  }
  return [...new Set(lines)].sort();
}

function destroyedState(): { found: string; passed: boolean } {
  const containers = namesOf(["container", "ls", "-a", "--filter", `name=${DEPLOY_TEST_CONFIG.namePrefix}-`, "--format", "{{.Names}}"]);
  const networks = namesOf(["network", "ls", "--filter", `name=${NETWORK}`, "--format", "{{.Name}}"]);
  const volumes = namesOf(["volume", "ls", "--filter", `name=${DEPLOY_TEST_CONFIG.namePrefix}-`, "--format", "{{.Name}}"]);
  const pinned = [DEFAULT_CONFIG.images.collector, DEFAULT_CONFIG.images.prometheus, DEFAULT_CONFIG.images.alertmanager];
  const images = pinned.filter((tag) => spawnSync("docker", ["image", "inspect", tag], { stdio: "ignore" }).status === 0);
  const passed = containers.length === 0 && networks.length === 0 && volumes.length === 0 && images.length === pinned.length;
  return { found: `containers ${containers.length}, networks ${networks.length}, volumes ${volumes.length}, images kept ${images.length}`, passed };
}

/** Removes what a crashed earlier run of this test left (its own prefix only). */
function removeLeftovers(): void {
  const containers = namesOf(["container", "ls", "-a", "--filter", `name=${DEPLOY_TEST_CONFIG.namePrefix}-`, "--format", "{{.Names}}"]);
  if (containers.length > 0) docker(["rm", "-f", ...containers]);
  const networks = namesOf(["network", "ls", "--filter", `name=${NETWORK}`, "--format", "{{.Name}}"]);
  if (networks.length > 0) docker(["network", "rm", ...networks]);
  const volumes = namesOf(["volume", "ls", "--filter", `name=${DEPLOY_TEST_CONFIG.namePrefix}-`, "--format", "{{.Name}}"]);
  if (volumes.length > 0) docker(["volume", "rm", ...volumes]);
  const left = [...containers, ...networks, ...volumes];
  if (left.length > 0) log(`removed what an earlier run left: ${left.join(", ")}`);
}

/** The host address:port pairs a container's ports are published on. */
function hostBindings(container: string): string[] {
  const ports = JSON.parse(docker(["inspect", "--format", "{{json .NetworkSettings.Ports}}", container])) as Record<string, { HostIp: string; HostPort: string }[] | null>;
  return Object.values(ports).flatMap((list) => list ?? []).map((binding) => `${binding.HostIp}:${binding.HostPort}`);
}

/** The names a `docker ... ls --format` lists. */
function namesOf(args: string[]): string[] {
  return docker(args).split("\n").filter(Boolean);
}

/** Runs `cdktf <command>` (non-interactive) and returns its output; its log goes to the work folder. */
function cdktf(command: "deploy" | "diff" | "destroy", { env, workDir, projectDir }: Deployment): string {
  // `terraform providers lock` would ask the registry for every platform's checksums; the mirror has only this one.
  const args = [command, "--output", path.join(workDir, "cdktf.out"), "--no-color", "--skip-provider-lock", ...(command === "diff" ? [] : ["--auto-approve"])];
  const result = spawnSync(path.join(projectDir, "node_modules", ".bin", "cdktf"), args, {
    cwd: projectDir,
    env,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}`;
  fs.appendFileSync(path.join(workDir, "cdktf.log"), `$ cdktf ${args.join(" ")}\n${output}\n`);
  if (result.status !== 0) throw new Error(`cdktf ${command} exited with ${result.status}: ${output.trim().split("\n").slice(-8).join("\n")}`);
  return output;
}

/** `npm run plan-review` as the workflow runs it, with its own synth folder; its exit status and summary. */
function planReview({ env, workDir }: Deployment): { status: number | null; markdown: string } {
  const summaryFile = path.join(workDir, "plan-review.md");
  fs.rmSync(summaryFile, { force: true });
  const result = spawnSync("npm", ["run", "--silent", "plan-review", "--", "--out-dir", path.join(workDir, "plan-review.out"), "--markdown-file", summaryFile], {
    cwd: PROJECT_DIR,
    env,
    encoding: "utf8",
  });
  fs.appendFileSync(path.join(workDir, "cdktf.log"), `$ npm run plan-review\n${result.stdout}${result.stderr}\n`);
  if (result.status === 1 || !fs.existsSync(summaryFile)) throw new Error(`plan-review exited with ${result.status}: ${result.stderr.trim()}`);
  return { status: result.status, markdown: fs.readFileSync(summaryFile, "utf8") };
}

/** An output of the deployed stack, as `terraform output` prints it. */
function terraformOutput({ env, workDir }: Deployment, name: string): string {
  const stackDir = path.join(workDir, "cdktf.out", "stacks", STACK_NAME);
  return JSON.parse(execFileSync("terraform", ["output", "-json", name], { cwd: stackDir, env, encoding: "utf8" }));
}

async function getJson(url: string, headers: Record<string, string> = {}): Promise<any> {
  const response = await fetch(url, { headers });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return response.json();
}

runAsScript("deploy", main);
