/**
 * The sessions the real Claude Code CLI goes through, what the stand-in API
 * answers in each, and what each session should count. Every metric the two
 * dashboards use is produced: tokens and cost on two models and two teams,
 * accepted and rejected edits, a commit and a pull request, two sessions at the
 * same time, a subagent, a skill, an MCP server's tool, one session resumed by
 * two processes at once, sessions in two git repositories, an interactive
 * session (user active time) with an idle gap, and
 * API faults: retried 429 and 529, delays, a refusal, and requests that fail
 * on every attempt with 429, 529, 5xx or a dropped connection (on opus, the
 * only request of its only session).
 */
import { ChildProcess, execFileSync, spawn } from "child_process";
import { randomUUID } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { AnthropicStandIn, Failure, Turn, Usage } from "./anthropic-stand-in";
import { ConsolePoint, parseConsoleMetrics } from "./console-metrics";
import { sleep } from "../testkit/processes";
import { claudeBinary } from "../testkit/toolchain";

export const TEAMS = {
  alpha: { "team.id": "alpha", department: "eng" },
  beta: { "team.id": "beta", department: "research" },
} as const;
export type Team = keyof typeof TEAMS;

/**
 * The scenario's git repositories: their remotes, in two hosting providers'
 * forms (one with credentials in it, which must never become a label), and
 * the repository label the Collector writes for each. Nothing is fetched.
 */
export const REPOSITORIES = {
  shop: { remote: "https://e2e-user:e2e-secret@github.com/acme/shop.git", label: "acme/shop" },
  api: { remote: "git@gitlab.com:acme/api.git", label: "acme/api" },
} as const;
export type Repository = keyof typeof REPOSITORIES;

/**
 * The oldest Claude Code release the documentation promises (docs/claude-code-versions.md),
 * which the e2e runs beside the pinned newest: the first that sends every
 * metric the dashboards read in `claude -p` sessions too (2.1.47 sends no edit
 * decisions there, 2.1.46 and older no session count), though an edit that
 * `claude -p` refuses on its own counts as rejected only from 2.1.285. It
 * sends no repository and no request attributes (query_source from 2.1.116,
 * effort from 2.1.117, the repository from 2.1.269).
 */
export const OLDEST_CLAUDE_CODE = "2.1.48";

/** The project skill every repository of the scenario has (.claude/skills/greeting/SKILL.md). */
const SKILL = "greeting";

/** The scenario's MCP server, a stdio program Claude Code starts. */
const MCP_SERVER = path.join(__dirname, "mcp-notes-server.js");

/** Claude Code's model aliases and the model ids it sends for them. */
export const MODELS = { sonnet: "claude-sonnet-5-5", haiku: "claude-haiku-5-5", opus: "claude-opus-5-5" } as const;
type ModelAlias = keyof typeof MODELS;

export interface Decision {
  readonly tool: string;
  readonly decision: "accept" | "reject";
  readonly language: string;
}

/** What a session should count, known from the script alone. */
export interface Expected {
  readonly linesAdded: number;
  readonly linesRemoved: number;
  readonly commits: number;
  readonly pullRequests: number;
  readonly decisions: readonly Decision[];
}

export interface SessionPlan {
  readonly tag: string;
  readonly team: Team;
  readonly model: ModelAlias;
  readonly prompts: readonly string[];
  readonly turns: readonly Turn[];
  readonly cliArgs: readonly string[];
  readonly expected: Expected;
  /** Exit code of the CLI: 1 when the session ends on a request whose retries are exhausted. @default 0 */
  readonly exitCode?: number;
  /** A subagent the session starts, by the tag in its prompt, and its answers. @default - none */
  readonly subagent?: { readonly tag: string; readonly turns: readonly Turn[] };
  /** The repository the session runs in. @default "shop" */
  readonly repository?: Repository;
  /**
   * The plan of the session this one resumes (`--resume`): its script's first
   * turns are that session's answers, which the conversation already holds.
   * @default - a new session
   */
  readonly resumes?: string;
}

/** The repository a session runs in. */
export function repositoryOf(plan: SessionPlan): Repository {
  return plan.repository ?? "shop";
}

/** A session that ran: its plan, its id and the CLI's own metric dumps. */
export interface SessionRun {
  readonly plan: SessionPlan;
  readonly sessionId: string;
  readonly exitedAt: number;
  readonly console: readonly ConsolePoint[];
}

const NOTHING: Expected = { linesAdded: 0, linesRemoved: 0, commits: 0, pullRequests: 0, decisions: [] };

/** Distinct numbers per answer, so a token counted twice or lost shows. */
function usage(seed: number): Usage {
  return { input: 1000 + 37 * seed, output: 200 + 11 * seed, cacheRead: 5000 + 101 * seed, cacheCreation: 700 + 13 * seed };
}

export function sessionPlans(repo: string): Record<string, SessionPlan> {
  const file = path.join(repo, "app.py");
  return {
    write: {
      tag: "write",
      team: "alpha",
      model: "sonnet",
      prompts: ["Create app.py [e2e:write]"],
      turns: [
        { tool: "Write", input: { file_path: file, content: "print(1)\nprint(2)\nprint(3)" }, usage: usage(1) },
        { text: "Created app.py.", usage: usage(2) },
      ],
      cliArgs: ["--permission-mode", "acceptEdits"],
      expected: { ...NOTHING, linesAdded: 3, decisions: [{ tool: "Write", decision: "accept", language: "Python" }] },
    },
    edit: {
      tag: "edit",
      team: "alpha",
      model: "haiku",
      prompts: ["Split the second print [e2e:edit]"],
      turns: [
        { tool: "Read", input: { file_path: file }, usage: usage(3) },
        // A tool that fails: Claude Code reports tool_result success "false", error_type TelemetrySafeError.
        { tool: "Read", input: { file_path: path.join(repo, "missing.py") }, usage: usage(20) },
        { tool: "Edit", input: { file_path: file, old_string: "print(2)", new_string: "print(20)\nprint(21)" }, usage: usage(4) },
        { text: "Done.", usage: usage(5) },
      ],
      cliArgs: ["--permission-mode", "acceptEdits"],
      expected: { ...NOTHING, linesAdded: 2, linesRemoved: 1, decisions: [{ tool: "Edit", decision: "accept", language: "Python" }] },
    },
    reject: {
      tag: "reject",
      team: "beta",
      model: "sonnet",
      prompts: ["Change the last print [e2e:reject]"],
      turns: [
        { tool: "Read", input: { file_path: file }, usage: usage(6) },
        { tool: "Edit", input: { file_path: file, old_string: "print(3)", new_string: "print(30)" }, usage: usage(7) },
        { text: "I was not allowed to edit.", usage: usage(8) },
      ],
      cliArgs: ["--permission-mode", "default"],
      expected: { ...NOTHING, decisions: [{ tool: "Edit", decision: "reject", language: "Python" }] },
    },
    commit: {
      tag: "commit",
      team: "beta",
      model: "haiku",
      prompts: ["Commit and open a pull request [e2e:commit]"],
      turns: [
        // Exits 1: Claude Code 2.1.332 still reports this tool_result as success "true" (an `exit 3` gives "false", ShellError).
        { tool: "Bash", input: { command: "test -f missing.txt", description: "Look for missing.txt" }, usage: usage(21) },
        { tool: "Bash", input: { command: 'git add -A && git commit -q -m "Add app.py"', description: "Commit" }, usage: usage(9) },
        { tool: "Bash", input: { command: 'gh pr create --title "Add app.py" --body "e2e"', description: "Open a pull request" }, usage: usage(10) },
        { text: "Committed and opened a pull request.", usage: usage(11) },
      ],
      cliArgs: ["--allowedTools", "Bash"],
      expected: { ...NOTHING, commits: 1, pullRequests: 1 },
    },
    parallelA: {
      tag: "parallel-a",
      team: "alpha",
      model: "sonnet",
      prompts: ["Explain the file [e2e:parallel-a]"],
      turns: [{ text: "It prints numbers.", usage: usage(12) }],
      cliArgs: [],
      expected: NOTHING,
    },
    parallelB: {
      tag: "parallel-b",
      team: "beta",
      model: "haiku",
      prompts: ["Summarise the repository [e2e:parallel-b]"],
      turns: [{ text: "One Python file.", usage: usage(13) }],
      cliArgs: [],
      expected: NOTHING,
      repository: "api",
    },
    // A subagent on the session's model: Claude Code sends its cost and tokens
    // as a stream of their own (query_source "subagent", agent.name).
    subagent: {
      tag: "subagent",
      team: "alpha",
      model: "sonnet",
      prompts: ["Have an agent read the README [e2e:subagent]"],
      turns: [
        {
          tool: "Agent",
          input: { description: "Read the README", prompt: "Read README.md and say what it is [e2e:subagent-reader]", subagent_type: "general-purpose", run_in_background: false },
          usage: usage(30),
        },
        { text: "The agent says it is the e2e README.", usage: usage(31) },
      ],
      subagent: { tag: "subagent-reader", turns: [{ text: "It is the e2e README.", usage: usage(32) }] },
      cliArgs: [],
      expected: NOTHING,
      repository: "api",
    },
    // A project skill, then a tool of a local MCP server: Claude Code labels the
    // requests that follow them with skill.name and mcp_server.name.
    skill: {
      tag: "skill",
      team: "alpha",
      model: "sonnet",
      prompts: [`Greet me with the ${SKILL} skill [e2e:skill]`],
      turns: [
        { tool: "Skill", input: { skill: SKILL }, usage: usage(38) },
        { text: "Hello, hallo, hola.", usage: usage(39) },
      ],
      cliArgs: [],
      expected: NOTHING,
    },
    mcp: {
      tag: "mcp",
      team: "beta",
      model: "haiku",
      prompts: ["Look up the answer in the notes [e2e:mcp]"],
      turns: [
        { tool: "mcp__notes__lookup", input: { key: "answer" }, usage: usage(40) },
        { text: "The note says 42.", usage: usage(41) },
      ],
      cliArgs: ["--mcp-config", JSON.stringify({ mcpServers: { notes: { command: process.execPath, args: [MCP_SERVER] } } }), "--allowedTools", "mcp__notes__lookup"],
      expected: NOTHING,
      repository: "api",
    },
    // Claude Code issue #56317: one session resumed by two processes at once.
    // Both report the session's id, with the same attributes.
    resumed: {
      tag: "resumed",
      team: "beta",
      model: "sonnet",
      prompts: ["Remember that the checks are slow [e2e:resumed]"],
      turns: [{ text: "Noted.", usage: usage(33) }],
      cliArgs: [],
      expected: NOTHING,
    },
    resumedA: resumingProcess("resumed-a", 34, 0),
    resumedB: resumingProcess("resumed-b", 36, 1000),
    // API faults. Retries the CLI recovers from leave no event; a request whose
    // attempts all fail ends a `claude -p` session with exit code 1.
    flaky: {
      tag: "flaky",
      team: "alpha",
      model: "sonnet",
      prompts: ["Run the checks [e2e:flaky]"],
      turns: [
        {
          tool: "Bash",
          input: { command: "exit 3", description: "Run the checks" },
          usage: usage(22),
          failures: [{ status: 429 }, { status: 529 }],
          delayMs: 1500,
        },
        { text: "I can't help with that.", usage: usage(23), refusal: true, delayMs: 2500 },
        { text: "The checks failed.", usage: usage(24) },
      ],
      cliArgs: ["--allowedTools", "Bash"],
      expected: NOTHING,
    },
    rateLimited: exhausted(repo, "rate-limited", "alpha", "sonnet", [{ status: 429 }, { status: 429 }, { status: 429 }], 25),
    overloaded: exhausted(repo, "overloaded", "beta", "sonnet", [{ status: 529 }, { status: 529 }, { status: 529 }], 26),
    serverError: exhausted(repo, "server-error", "alpha", "haiku", [{ status: 500 }, { status: 503 }, { status: 500 }], 27),
    dropped: exhausted(repo, "dropped", "beta", "haiku", [{ drop: true }, { drop: true }, { drop: true }], 28),
    // The only session on opus, whose one request fails on every attempt: a
    // model with errors and no answer, which the Model filter must still offer.
    opusUnavailable: {
      tag: "opus-unavailable",
      team: "beta",
      model: "opus",
      prompts: ["Review app.py [e2e:opus-unavailable]"],
      turns: [{ text: "never sent", usage: usage(29), failures: [{ status: 503 }, { status: 500 }, { status: 503 }] }],
      cliArgs: [],
      expected: NOTHING,
      exitCode: 1,
    },
    outage: {
      tag: "outage",
      team: "beta",
      model: "haiku",
      prompts: ["Count the lines of app.py [e2e:outage]", "Now the words.", "Thanks."],
      turns: [
        { text: "Four lines.", usage: usage(17) },
        { text: "Four words.", usage: usage(18) },
        { text: "You are welcome.", usage: usage(19) },
      ],
      cliArgs: [],
      expected: NOTHING,
    },
    interactive: {
      tag: "interactive",
      team: "alpha",
      model: "sonnet",
      prompts: ["What does app.py print? [e2e:interactive]", "And in reverse?", "Thanks."],
      turns: [
        { text: "1, 20, 21 and 3.", usage: usage(14) },
        { text: "3, 21, 20 and 1.", usage: usage(15) },
        { text: "You are welcome.", usage: usage(16) },
      ],
      cliArgs: [],
      expected: NOTHING,
    },
  };
}

/**
 * A process that resumes the "resumed" session with a prompt of its own and
 * lives for a few metric exports: a Bash tool run of 5 seconds, then an answer.
 * `firstAnswerDelayMs` keeps the two processes' first counts apart: the
 * Collector tells their totals apart by the millisecond each started at.
 */
function resumingProcess(tag: string, seed: number, firstAnswerDelayMs: number): SessionPlan {
  return {
    tag,
    team: "beta",
    model: "sonnet",
    prompts: [`Run the slow checks [e2e:${tag}]`],
    turns: [
      { text: "Noted.", usage: usage(33) },
      { tool: "Bash", input: { command: "sleep 5", description: "Run the slow checks" }, usage: usage(seed), delayMs: firstAnswerDelayMs },
      { text: "The checks passed.", usage: usage(seed + 1) },
    ],
    cliArgs: ["--allowedTools", "Bash"],
    expected: NOTHING,
    resumes: "resumed",
  };
}

/**
 * A session whose second request fails on every attempt (CLAUDE_CODE_MAX_RETRIES
 * is 2 in the test: three attempts), after a first answer that reads a file.
 */
function exhausted(repo: string, tag: string, team: Team, model: ModelAlias, failures: readonly Failure[], seed: number): SessionPlan {
  return {
    tag,
    team,
    model,
    prompts: [`Look at README.md [e2e:${tag}]`],
    turns: [
      { tool: "Read", input: { file_path: path.join(repo, "README.md") }, usage: usage(seed) },
      { text: "never sent", usage: usage(seed), failures },
    ],
    cliArgs: [],
    expected: NOTHING,
    exitCode: 1,
  };
}

/** Retries per request in the test (three attempts), so an exhausted request takes seconds. */
export const MAX_RETRIES = 2;

/** Everything a session's environment needs besides the stack's own settings. */
export interface SessionEnvironment {
  /** The `env` block the stack outputs, endpoints already on this machine. */
  readonly stackEnv: Readonly<Record<string, string>>;
  readonly apiUrl: string;
  readonly eventsEndpoint: string;
  readonly homes: Readonly<Record<Team, string>>;
  /** The "shop" repository's folder. */
  readonly repo: string;
  /** Each repository's folder. */
  readonly repos: Readonly<Record<Repository, string>>;
  /** Folder with the `gh` stand-in, first on PATH. */
  readonly binDir: string;
  readonly exportIntervalMillis: number;
  /** Resource attributes every session sends besides its team's. @default - none */
  readonly extraResourceAttributes?: Readonly<Record<string, string>>;
  /** The Claude Code CLI the sessions run. @default - the pinned release (claudeBinary) */
  readonly claudeCode?: string;
}

const API_KEY = "sk-ant-e2e-0000000000000000000000";

/** The CLI's environment: the stack's settings plus only what the test needs. */
export function sessionEnv(env: SessionEnvironment, team: Team): NodeJS.ProcessEnv {
  const attributes = Object.entries({ ...TEAMS[team], ...env.extraResourceAttributes })
    .map(([key, value]) => `${key}=${value}`)
    .join(",");
  return {
    PATH: `${env.binDir}:${process.env.PATH}`,
    TERM: "xterm-256color",
    LANG: "C.UTF-8",
    ...env.stackEnv,
    HOME: env.homes[team],
    OTEL_RESOURCE_ATTRIBUTES: attributes,
    OTEL_METRIC_EXPORT_INTERVAL: String(env.exportIntervalMillis),
    // Test only: the CLI's own metric dumps (oracle of active time) beside OTLP,
    // and its events to the test's receiver (oracle of cost).
    OTEL_METRICS_EXPORTER: `${env.stackEnv.OTEL_METRICS_EXPORTER},console`,
    OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: env.eventsEndpoint,
    OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: "http/json",
    OTEL_LOGS_EXPORT_INTERVAL: "500",
    ANTHROPIC_BASE_URL: env.apiUrl,
    ANTHROPIC_API_KEY: API_KEY,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    CLAUDE_CODE_MAX_RETRIES: String(MAX_RETRIES),
  };
}

/** Homes for the two teams (so they have distinct user ids), the git repositories and a `gh` stand-in. */
export function prepareWorkspace(workDir: string): { homes: Record<Team, string>; repo: string; repos: Record<Repository, string>; binDir: string } {
  const repos = {} as Record<Repository, string>;
  for (const [name, { remote }] of Object.entries(REPOSITORIES) as [Repository, (typeof REPOSITORIES)[Repository]][]) {
    const repo = path.join(workDir, name === "shop" ? "repo" : `repo-${name}`);
    fs.mkdirSync(repo, { recursive: true });
    const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, stdio: "pipe" });
    git("init", "-q", "-b", "main");
    git("config", "user.email", "e2e@example.invalid");
    git("config", "user.name", "e2e");
    git("remote", "add", "origin", remote);
    fs.writeFileSync(path.join(repo, "README.md"), "e2e\n");
    const skill = path.join(repo, ".claude", "skills", SKILL);
    fs.mkdirSync(skill, { recursive: true });
    fs.writeFileSync(path.join(skill, "SKILL.md"), `---\nname: ${SKILL}\ndescription: Greets the user in three languages\n---\nSay hello in English, German and Spanish.\n`);
    git("add", "-A");
    git("commit", "-q", "-m", "Initial commit");
    repos[name] = repo;
  }

  const homes = {} as Record<Team, string>;
  for (const team of Object.keys(TEAMS) as Team[]) {
    const home = path.join(workDir, `home-${team}`);
    fs.mkdirSync(home, { recursive: true });
    // Skip first-run screens of the interactive UI: onboarding, API key approval, and folder trust (trustRepository).
    fs.writeFileSync(
      path.join(home, ".claude.json"),
      JSON.stringify({ hasCompletedOnboarding: true, theme: "dark", customApiKeyResponses: { approved: [API_KEY.slice(-20)], rejected: [] }, projects: {} }),
    );
    homes[team] = home;
  }
  for (const repo of Object.values(repos)) trustRepository(homes, repo);
  const binDir = path.join(workDir, "bin");
  fs.mkdirSync(binDir, { recursive: true });
  fs.writeFileSync(path.join(binDir, "gh"), '#!/bin/sh\necho "https://github.com/example/e2e/pull/1"\n', { mode: 0o755 });
  return { homes, repo: repos.shop, repos, binDir };
}

/**
 * Marks `repo` as trusted in each home's Claude Code settings, keeping what the
 * CLI wrote there (its user id): a later workspace can run as the same users.
 */
export function trustRepository(homes: Readonly<Record<Team, string>>, repo: string): void {
  for (const home of Object.values(homes)) {
    const file = path.join(home, ".claude.json");
    const settings = JSON.parse(fs.readFileSync(file, "utf8"));
    settings.projects = { ...settings.projects, [repo]: { hasTrustDialogAccepted: true, hasCompletedProjectOnboarding: true } };
    fs.writeFileSync(file, JSON.stringify(settings));
  }
}

/**
 * Runs one `claude -p` session to its end: a new one, or with `resume` the
 * session of that id again (for a plan that `resumes` one).
 */
export async function runPrintSession(plan: SessionPlan, standIn: AnthropicStandIn, env: SessionEnvironment, resume?: string): Promise<SessionRun> {
  standIn.script(plan.tag, plan.turns);
  if (plan.subagent) standIn.scriptSubagent(plan.tag, plan.subagent.tag, plan.subagent.turns);
  const sessionId = resume ?? randomUUID();
  const args = ["-p", plan.prompts[0], "--model", plan.model, resume ? "--resume" : "--session-id", sessionId, ...plan.cliArgs];
  const child = spawn(env.claudeCode ?? claudeBinary(), args, { cwd: env.repos[repositoryOf(plan)], env: sessionEnv(env, plan.team), stdio: ["ignore", "pipe", "pipe"] });
  const output = await collectOutput(child, 120_000, plan.tag, plan.exitCode ?? 0);
  return { plan, sessionId, exitedAt: Date.now(), console: parseConsoleMetrics(output) };
}

/**
 * Runs the interactive session in tmux: types each prompt, waits for the answer,
 * calls `afterAnswer(n)` after the nth answer but the last, then types /exit.
 */
export async function runInteractiveSession(
  plan: SessionPlan,
  standIn: AnthropicStandIn,
  env: SessionEnvironment,
  logDir: string,
  afterAnswer: (answer: number, sessionId: string) => Promise<void>,
): Promise<SessionRun> {
  standIn.script(plan.tag, plan.turns);
  const sessionId = randomUUID();
  const tmuxSession = `e2e-${sessionId.slice(0, 8)}`;
  const paneLog = path.join(logDir, `${tmuxSession}.log`);
  const exitFile = path.join(logDir, `${tmuxSession}.exit`);
  const variables = Object.entries(sessionEnv(env, plan.team)).map(([key, value]) => `${key}=${shellQuote(String(value))}`);
  // The marker after the exit tells when the pane log holds all the CLI printed (its last metric dumps).
  const endMarker = `end-of-session-${sessionId}`;
  const command = `env -i ${variables.join(" ")} ${shellQuote(claudeBinary())} --model ${plan.model} --session-id ${sessionId}; echo $? > ${shellQuote(exitFile)}; echo ${endMarker}; sleep 600`;
  const tmux = (...args: string[]) => execFileSync("tmux", args, { stdio: "pipe" }).toString();
  tmux("new-session", "-d", "-s", tmuxSession, "-x", "160", "-y", "50", "-c", env.repos[repositoryOf(plan)], command);
  try {
    tmux("pipe-pane", "-t", tmuxSession, "-o", `cat >> ${shellQuote(paneLog)}`);
    await waitFor(() => tmux("capture-pane", "-p", "-t", tmuxSession).includes("❯"), 60_000, "the interactive prompt");
    for (const [index, prompt] of plan.prompts.entries()) {
      const answered = standIn.served.filter((answer) => answer.tag === plan.tag).length;
      await sleep(500);
      tmux("send-keys", "-t", tmuxSession, "-l", prompt);
      await sleep(700);
      tmux("send-keys", "-t", tmuxSession, "Enter");
      await waitFor(() => standIn.served.filter((answer) => answer.tag === plan.tag).length > answered, 60_000, `answer ${index + 1}`);
      await sleep(3000);
      if (index < plan.prompts.length - 1) await afterAnswer(index + 1, sessionId);
    }
    tmux("send-keys", "-t", tmuxSession, "-l", "/exit");
    await sleep(500);
    tmux("send-keys", "-t", tmuxSession, "Enter");
    await waitFor(() => fs.existsSync(exitFile), 60_000, "the interactive session to exit");
    const exitedAt = Date.now();
    await waitFor(() => fs.readFileSync(paneLog, "utf8").includes(endMarker), 60_000, "the pane log to hold the whole session");
    return { plan, sessionId, exitedAt, console: parseConsoleMetrics(fs.readFileSync(paneLog, "utf8")) };
  } finally {
    spawn("tmux", ["kill-session", "-t", tmuxSession], { stdio: "ignore" });
  }
}

function collectOutput(child: ChildProcess, timeoutMs: number, tag: string, exitCode: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = "";
    child.stdout!.on("data", (chunk) => (output += chunk));
    child.stderr!.on("data", (chunk) => (output += chunk));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`session ${tag} did not finish within ${timeoutMs / 1000} s:\n${output.slice(-2000)}`));
    }, timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (code === exitCode) resolve(output);
      else reject(new Error(`session ${tag} exited with ${code}:\n${output.slice(-2000)}`));
    });
  });
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return;
    await sleep(200);
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
