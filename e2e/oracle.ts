/**
 * What every panel must show, computed without Prometheus: token numbers from
 * what the stand-in API answered, cost from the CLI's own api_request events,
 * sessions, lines, commits, pull requests and edit decisions from the script,
 * active time from the CLI's own metric dumps, the Health dashboard from the
 * CLI's events (see health-oracle.ts).
 */
import { ActiveTimeType, EditDecision, Label, LinesType, Metric, TokenType } from "../telemetry/catalog";
import { UNKNOWN } from "../dashboards/queries";
import { ServedAnswer, totalOf } from "./anthropic-stand-in";
import { consoleTotal } from "./console-metrics";
import { ClaudeEvent } from "./event-receiver";
import { attributeOf } from "./event-metrics";
import { grown, healthExpectations } from "./health-oracle";
import { VariableValues, allOf } from "../testkit/grafana-evaluation";
import type { Expectation } from "../testkit/panel-checks";
import { MODELS, REPOSITORIES, SessionRun, TEAMS, Team, repositoryOf } from "./scenario";

export interface OracleInput {
  readonly runs: readonly SessionRun[];
  readonly served: readonly ServedAnswer[];
  readonly events: readonly ClaudeEvent[];
  /** Restrict to one team, or all when undefined. */
  readonly team?: Team;
  /**
   * Restrict to one model id, or all when undefined: only what Claude Code
   * sends with a model (tokens, cost, lines of code, API requests, errors and
   * refusals); sessions, active time, commits, pull requests, edit decisions,
   * tool runs and prompts carry none and stay whole.
   */
  readonly model?: string;
  /** Restrict to one repository label ("owner/name"), or all when undefined: everything carries one. */
  readonly repository?: string;
  /**
   * Sessions whose numbers a release stored without the repository and
   * request labels (the deploy test's sessions on the previous release): the
   * spend dashboard shows them as "unknown". @default - none
   */
  readonly unlabelledSessions?: ReadonlySet<string>;
}

/** Expected values by panel title, for the main, activity, health and spend dashboards. */
export function expectations(input: OracleInput): Record<string, Expectation> {
  const recorded = recordedLabels(input);
  const ofModel = (model: string | undefined) => !input.model || model === undefined || model === input.model;
  const ofRepository = (repository: string) => !input.repository || repository === input.repository;
  const ofTeam = (team: Team | undefined) => !input.team || team === input.team;
  const runs = input.runs.filter((run) => ofTeam(run.plan.team) && ofRepository(recorded.repositoryOfRun(run)));
  const runsOfModel = runs.filter((run) => ofModel(recorded.modelOfRun(run)));
  const teamOfAnswer = (answer: ServedAnswer) => recorded.runOfAnswer(answer)?.plan.team;
  const servedOfModel = input.served.filter((answer) => ofModel(answer.model) && ofRepository(recorded.repositoryOfAnswer(answer)));
  const eventsOfModel = input.events.filter((event) => ofModel(event.attributes.model as string | undefined) && ofRepository(recorded.repositoryOfEvent(event)));
  const served = servedOfModel.filter((answer) => ofTeam(teamOfAnswer(answer)));
  const requests = eventsOfModel.filter((event) => event.name === "api_request" && ofTeam(teamOf(event)));

  const tokens = {
    [TokenType.input]: sum(served.map((a) => a.usage.input)),
    [TokenType.output]: sum(served.map((a) => a.usage.output)),
    [TokenType.cacheRead]: sum(served.map((a) => a.usage.cacheRead)),
    [TokenType.cacheCreation]: sum(served.map((a) => a.usage.cacheCreation)),
  };
  const tokensByModel = groupSum(served, (a) => a.model, (a) => totalOf(a.usage));
  const cost = sum(requests.map((e) => Number(e.attributes.cost_usd)));
  const costByModel = groupSum(requests, (e) => String(e.attributes.model), (e) => Number(e.attributes.cost_usd));
  const active = {
    [ActiveTimeType.cli]: sum(runs.map((run) => consoleTotal(run.console, Metric.activeTime.otelName, { type: ActiveTimeType.cli }))),
    [ActiveTimeType.user]: sum(runs.map((run) => consoleTotal(run.console, Metric.activeTime.otelName, { type: ActiveTimeType.user }))),
  };
  const lines = {
    [LinesType.added]: sum(runsOfModel.map((run) => run.plan.expected.linesAdded)),
    [LinesType.removed]: sum(runsOfModel.map((run) => run.plan.expected.linesRemoved)),
  };
  const decisions = runs.flatMap((run) => run.plan.expected.decisions);
  const accepted = decisions.filter((d) => d.decision === EditDecision.accept).length;
  const rejected = decisions.filter((d) => d.decision === EditDecision.reject).length;
  const teams = (Object.keys(TEAMS) as Team[]).filter((team) => !input.team || team === input.team);
  const userOfTeam = (team: Team) => userOf(input.events, team);
  const perTeam = (key: (team: Team) => string, value: (team: Team) => number) =>
    grown(Object.fromEntries(teams.map((team) => [key(team), value(team)])));
  const teamTokens = (team: Team) => totalTokens(servedOfModel.filter((a) => teamOfAnswer(a) === team));
  const teamCost = (team: Team) => sum(eventsOfModel.filter((e) => e.name === "api_request" && teamOf(e) === team).map((e) => Number(e.attributes.cost_usd)));

  return {
    // Claude Code
    "Total Cost": { value: cost },
    "Input Tokens": { value: tokens.input },
    "Output Tokens": { value: tokens.output },
    "Cache Read Tokens": { value: tokens.cacheRead },
    "Cache Creation Tokens": { value: tokens.cacheCreation },
    "Cache Efficiency": { value: tokens.cacheRead / (tokens.cacheRead + tokens.input) },
    "Cost per 1K Output Tokens": { value: cost / (tokens.output / 1000) },
    "Tokens by Type": { value: grown(tokens) },
    "Tokens by Model": { value: tokensByModel },
    "Cost by Model": { value: costByModel },
    Sessions: { value: runs.length },
    Commits: { value: sum(runs.map((run) => run.plan.expected.commits)) },
    "Lines of Code": { value: { Added: lines.added, Removed: lines.removed } },
    "Active Time (You)": { value: active.user },
    "Active Time (CLI)": { value: active.cli },
    // Ratios to the user's active time have no value where there is none (a view without the interactive session).
    "Peak Leverage": active.user > 0 ? { value: 0, atLeast: true } : { value: NaN },
    "Active Time Distribution": { value: grown(active) },
    "Productivity Ratio": { value: active.user > 0 ? active.cli / active.user : NaN },
    "Token Usage Over Time": { value: grown(tokens) },
    "Token Usage by Model Over Time": { value: tokensByModel },
    "Cost Over Time": { value: costByModel },
    "Active Time Over Time": { value: grown(active) },
    // Claude Code Activity
    "Edit Decisions": { value: { Accepted: accepted, Rejected: rejected } },
    "Acceptance Rate": { value: accepted / (accepted + rejected) },
    "Decisions by Tool": { value: countBy(decisions, (d) => `${d.tool} ${d.decision}`) },
    "Decisions by Language": { value: countBy(decisions, (d) => `${d.language} ${d.decision}`) },
    "Pull Requests": { value: sum(runs.map((run) => run.plan.expected.pullRequests)) },
    "Lines Added vs Removed": { value: grown(lines) },
    "Cost by User": { value: perTeam(userOfTeam, teamCost) },
    "Tokens by User": { value: perTeam(userOfTeam, teamTokens) },
    "Cost by team.id": { value: perTeam((team) => TEAMS[team]["team.id"], teamCost) },
    "Tokens by team.id": { value: perTeam((team) => TEAMS[team]["team.id"], teamTokens) },
    "Cost by department": { value: perTeam((team) => TEAMS[team].department, teamCost) },
    "Tokens by department": { value: perTeam((team) => TEAMS[team].department, teamTokens) },
    // Claude Code Health
    ...healthExpectations(eventsOfModel.filter((event) => !input.team || teamOf(event) === input.team)),
    // Claude Code Spend
    ...spendExpectations(runs, served, requests, recorded),
  };
}

/**
 * The spend dashboard: tokens from the stand-in's answers (a subagent's
 * answers marked), cost from the CLI's api_request events, which name the
 * repository, effort and agent; Claude Code labels a subagent's cost and
 * tokens query_source "subagent" and the main conversation's "main" (its
 * events say "sdk", "repl_main_thread" or "agent:...").
 */
function spendExpectations(runs: readonly SessionRun[], served: readonly ServedAnswer[], requests: readonly ClaudeEvent[], recorded: RecordedLabels): Record<string, Expectation> {
  const { labelled, repositoryOfAnswer, repositoryOfRun, repositoryOfEvent } = recorded;
  const cost = (event: ClaudeEvent) => Number(event.attributes.cost_usd);
  const costBy = (key: (event: ClaudeEvent) => string | undefined) => {
    const named = requests.filter((event) => key(event) !== undefined);
    return groupSum(named, (event) => key(event)!, cost);
  };
  // A request label as recorded: UNKNOWN where the release dropped it; undefined where Claude Code sends none.
  const requestLabel = (key: (event: ClaudeEvent) => string | undefined) => (event: ClaudeEvent) =>
    labelled(event.attributes["session.id"]) ? key(event) : UNKNOWN;
  const named = (key: string) => (event: ClaudeEvent) => (labelled(event.attributes["session.id"]) ? (event.attributes[key] as string | undefined) : undefined);
  const effort = requestLabel((event) => String(event.attributes.effort ?? UNKNOWN));
  const tokensBy = (key: (answer: ServedAnswer) => string, type?: keyof typeof TokenType) =>
    groupSum(served, key, (answer) => (type ? answer.usage[type] : totalOf(answer.usage)));
  const cacheRead = tokensBy(repositoryOfAnswer, "cacheRead");
  const input = tokensBy(repositoryOfAnswer, "input");
  const runsBy = (count: (run: SessionRun) => number) => grown(groupSum(runs, repositoryOfRun, count));
  const costByRepository = costBy(repositoryOfEvent);
  return {
    "Cost by Repository": { value: costByRepository },
    "Tokens by Repository": { value: tokensBy(repositoryOfAnswer) },
    "Cache Hit Ratio by Repository": { value: Object.fromEntries(Object.keys(input).map((name) => [name, cacheRead[name] / (cacheRead[name] + input[name])])) },
    "Commits by Repository": { value: runsBy((run) => run.plan.expected.commits) },
    "Pull Requests by Repository": { value: runsBy((run) => run.plan.expected.pullRequests) },
    "Cost by Repository Over Time": { value: costByRepository },
    "Cost by Request Source": { value: costBy(requestLabel((event) => (event.attributes["agent.name"] === undefined ? "main" : "subagent"))) },
    "Tokens by Request Source": { value: tokensBy((answer) => (!labelled(answer.sessionId) ? UNKNOWN : answer.subagent ? "subagent" : "main")) },
    "Cost by Effort": { value: costBy(effort) },
    "Cost by Model and Effort": { value: costBy((event) => `${event.attributes.model} ${effort(event)}`) },
    "Cost by Agent": { value: costBy(named("agent.name")) },
    "Cost by Skill": { value: costBy(named("skill.name")) },
    "Cost by MCP Server": { value: costBy(named("mcp_server.name")) },
  };
}

/** Which session an answer or event belongs to, and the labels the stack recorded for it. */
interface RecordedLabels {
  /** Whether the session's numbers carry the repository and request labels (see OracleInput.unlabelledSessions). */
  readonly labelled: (sessionId: unknown) => boolean;
  /** The run of an answer: by the session id in its request, else by its script's tag. */
  readonly runOfAnswer: (answer: ServedAnswer) => SessionRun | undefined;
  /** The model id the session's answers carry. */
  readonly modelOfRun: (run: SessionRun) => string;
  readonly repositoryOfRun: (run: SessionRun | undefined) => string;
  readonly repositoryOfAnswer: (answer: ServedAnswer) => string;
  readonly repositoryOfEvent: (event: ClaudeEvent) => string;
}

function recordedLabels(input: OracleInput): RecordedLabels {
  const unlabelled = input.unlabelledSessions ?? new Set<string>();
  const bySession = new Map(input.runs.map((run) => [run.sessionId, run]));
  const byTag = new Map(input.runs.map((run) => [run.plan.tag, run]));
  const labelled = (sessionId: unknown) => !unlabelled.has(String(sessionId));
  const runOfAnswer = (answer: ServedAnswer) => (answer.sessionId !== undefined ? bySession.get(answer.sessionId) : undefined) ?? byTag.get(answer.tag);
  const repositoryOfRun = (run: SessionRun | undefined) => (run && labelled(run.sessionId) ? REPOSITORIES[repositoryOf(run.plan)].label : UNKNOWN);
  return {
    labelled,
    runOfAnswer,
    modelOfRun: (run) => input.served.find((answer) => answer.turn >= 0 && runOfAnswer(answer) === run)?.model ?? MODELS[run.plan.model],
    repositoryOfRun,
    repositoryOfAnswer: (answer) => repositoryOfRun(runOfAnswer(answer)),
    repositoryOfEvent: (event) => (labelled(event.attributes["session.id"]) ? (eventRepository(event) ?? UNKNOWN) : UNKNOWN),
  };
}

/** The repository label ("owner/name") the Collector writes for an event. */
function eventRepository(event: ClaudeEvent): string | undefined {
  const repository = attributeOf(event, Label.repository);
  return repository === undefined ? undefined : String(repository);
}

/** Total tokens the stand-in answered for one session (every process of it), for freshness checks. */
export function sessionTokens(served: readonly ServedAnswer[], sessionId: string): number {
  return totalTokens(served.filter((answer) => answer.sessionId === sessionId));
}

/** A setting of the dashboards' filters that the tests check, and the team, model and repository its oracle is restricted to. */
export interface DashboardView {
  readonly name: string;
  readonly variables: VariableValues;
  readonly team?: Team;
  readonly model?: string;
  readonly repository?: string;
}

/** Every filter of the dashboards at All (the e2e's team attributes are team.id and department). */
export const ALL_FILTERS: VariableValues = allOf("user", "model", "repository", "team_id", "department");

/**
 * Every filter at All, team alpha, alpha's user (a picked user switches the
 * dashboards to the sums per user), opus, the model whose requests all failed
 * (the panels that the Model filter does not reach show every model), one
 * repository (the sums per stream), and alpha's user in that repository (the
 * per-user series).
 */
export function dashboardViews(events: readonly ClaudeEvent[]): DashboardView[] {
  const all = ALL_FILTERS;
  const repository = REPOSITORIES.api.label;
  return [
    { name: "All", variables: all },
    { name: "team alpha", variables: { ...all, team_id: [TEAMS.alpha["team.id"]] }, team: "alpha" },
    { name: "team alpha's user", variables: { ...all, user: [userOf(events, "alpha")] }, team: "alpha" },
    { name: "model opus", variables: { ...all, model: [MODELS.opus] }, model: MODELS.opus },
    { name: `repository ${repository}`, variables: { ...all, repository: [repository] }, repository },
    // Both picked: the one view that reads the per-user series (each summed level lacks one of the two).
    { name: `team alpha's user in ${repository}`, variables: { ...all, user: [userOf(events, "alpha")], repository: [repository] }, team: "alpha", repository },
  ];
}

/**
 * What each filter of the main, activity and health dashboards must offer:
 * every user, model, repository and team the CLI's events name (a model whose requests
 * all failed included), sorted.
 */
export function filterOptions(events: readonly ClaudeEvent[]): Record<string, string[]> {
  const distinct = (values: readonly unknown[]) => [...new Set(values.filter((value) => value !== undefined).map(String))].sort();
  const teams = Object.values(TEAMS);
  return {
    user: distinct(events.map((event) => event.attributes["user.id"])),
    model: distinct(events.map((event) => event.attributes.model)),
    repository: distinct(events.map(eventRepository)),
    team_id: distinct(teams.map((team) => team["team.id"])),
    department: distinct(teams.map((team) => team.department)),
  };
}

/** The user id Claude Code reported for a team's sessions (each team runs from a home of its own). */
export function userOf(events: readonly ClaudeEvent[], team: Team): string {
  return String(events.find((e) => teamOf(e) === team && e.attributes["user.id"])?.attributes["user.id"]);
}

export function teamOf(event: ClaudeEvent): Team | undefined {
  const id = event.resource["team.id"] ?? event.attributes["team.id"];
  return (Object.keys(TEAMS) as Team[]).find((team) => TEAMS[team]["team.id"] === id);
}

function totalTokens(answers: readonly ServedAnswer[]): number {
  return sum(answers.map((a) => totalOf(a.usage)));
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function groupSum<T>(items: readonly T[], key: (item: T) => string, value: (item: T) => number): Record<string, number> {
  const result: Record<string, number> = {};
  for (const item of items) result[key(item)] = (result[key(item)] ?? 0) + value(item);
  return result;
}


function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  return groupSum(items, key, () => 1);
}
