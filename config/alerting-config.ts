/**
 * The settings of spend budgets and alerts: their types, defaults and
 * validation. StackConfig holds them as `budgets` and `alerting`.
 */

/** Spend limits in US dollars; 0 sets none. */
export interface Budget {
  /** Spend of the team in a day of `budgets.timeZone`. @default 0 (none) */
  readonly dailyUsd: number;
  /** Spend of the team in a calendar month of `budgets.timeZone`. @default 0 (none) */
  readonly monthlyUsd: number;
  /** Spend of each user of the team in a day of `budgets.timeZone`. @default 0 (none) */
  readonly userDailyUsd: number;
}

export interface BudgetsConfig {
  /**
   * The team attribute budgets, routes and the alerts per team are counted
   * by: a key of `teamAttributes`; "" takes its first key.
   * @default ""
   */
  readonly teamAttribute: string;
  /**
   * Budgets by value of `teamAttribute`, e.g. {"payments": {"dailyUsd": 200}};
   * a setting a team leaves out is `otherTeams`' (0 sets none). @default {}
   */
  readonly teams: Readonly<Record<string, Partial<Budget>>>;
  /** Budget of every team `teams` does not name. @default all 0 (none) */
  readonly otherTeams: Budget;
  /** Fraction of a budget at which a warning fires, before the alert at 100 %. @default 0.8 */
  readonly warningFraction: number;
  /**
   * The time zone days and months are counted in: "UTC" or a fixed offset
   * such as "+05:30" or "-08:00". (Prometheus has no time zones: a zone with
   * daylight saving time would move its midnight twice a year.)
   * @default "UTC"
   */
  readonly timeZone: string;
}

export const RECEIVER_TYPES = ["webhook", "slack", "email"] as const;
export type ReceiverType = (typeof RECEIVER_TYPES)[number];

/**
 * Where notifications go. Its secret (a webhook's or Slack's URL, the SMTP
 * password) is never in this file: it is the sensitive Terraform variable
 * `alert_receiver_<name>` (e.g. TF_VAR_alert_receiver_payments_slack).
 */
export interface ReceiverConfig {
  readonly type: ReceiverType;
  /** slack: the channel, e.g. "#payments"; "" posts to the webhook's own channel. @default "" */
  readonly channel?: string;
  /** email: recipient address(es), comma-separated. */
  readonly to?: string;
  /** email: sender address. */
  readonly from?: string;
  /** email: SMTP server as host:port. */
  readonly smarthost?: string;
  /** email: SMTP user name; "" sends without authentication. @default "" */
  readonly username?: string;
}

/** Which teams' alerts go to a receiver. */
export interface RouteConfig {
  /** Values of `budgets.teamAttribute`. */
  readonly teams: readonly string[];
  /** A key of `alerting.receivers`. */
  readonly receiver: string;
}

export interface AlertingConfig {
  /** Run Alertmanager and the alerting rules. @default true */
  readonly enabled: boolean;
  /** Receivers by name (lower-case letters, digits, "_"). @default {} */
  readonly receivers: Readonly<Record<string, ReceiverConfig>>;
  /** Team routes, first match wins. @default [] */
  readonly routes: readonly RouteConfig[];
  /**
   * Receiver of every alert no route takes (the stack's own alerts among
   * them); "" sends them nowhere: they show in Alertmanager and on the
   * Alerts dashboard only. @default ""
   */
  readonly defaultReceiver: string;
  /** How long the same problem waits before it is sent again. @default "4h" */
  readonly repeatInterval: string;
  /**
   * How long a notified problem waits before a change in it is sent (more
   * teams or users with the same problem, or the problem resolved). @default "5m"
   */
  readonly groupInterval: string;
  /** API errors as a fraction of API calls over 15 minutes that fires ApiErrorRate. @default 0.2 */
  readonly apiErrorRatio: number;
  /** Fewest API calls of a team in 15 minutes for ApiErrorRate to judge. @default 10 */
  readonly minApiRequests: number;
  /** A user's spend in the last hour, as a multiple of their usual spend per active hour, that fires SpendSpike. @default 4 */
  readonly spikeFactor: number;
  /** Least spend of a user in the last hour for SpendSpike to fire. @default 5 */
  readonly spikeMinUsd: number;
}

export const DEFAULT_BUDGETS: BudgetsConfig = {
  teamAttribute: "",
  teams: {},
  otherTeams: { dailyUsd: 0, monthlyUsd: 0, userDailyUsd: 0 },
  warningFraction: 0.8,
  timeZone: "UTC",
};

export const DEFAULT_ALERTING: AlertingConfig = {
  enabled: true,
  receivers: {},
  routes: [],
  defaultReceiver: "",
  repeatInterval: "4h",
  groupInterval: "5m",
  apiErrorRatio: 0.2,
  minApiRequests: 10,
  spikeFactor: 4,
  spikeMinUsd: 5,
};

const BUDGET_KEYS = ["dailyUsd", "monthlyUsd", "userDailyUsd"] as const;
const TIME_ZONE = /^(UTC|[+-](0\d|1[0-4]):[0-5]\d)$/;
const RECEIVER_NAME = /^[a-z][a-z0-9_]{0,39}$/;
const EMAIL_LIST = /^[^\s@,]+@[^\s@,]+(,\s*[^\s@,]+@[^\s@,]+)*$/;
const HOST_PORT = /^[A-Za-z0-9.-]+:\d{1,5}$/;

/** The time zone's offset from UTC in seconds: "+05:30" is 19800, "UTC" 0. */
export function timeZoneOffsetSeconds(timeZone: string): number {
  if (timeZone === "UTC") return 0;
  const sign = timeZone.startsWith("-") ? -1 : 1;
  const [hours, minutes] = timeZone.slice(1).split(":").map(Number);
  return sign * (hours * 3600 + minutes * 60);
}

/** A named team's budget: its own settings, and `otherTeams`' for those it leaves out. */
export function teamBudget(budgets: BudgetsConfig, team: string): Budget {
  return { ...budgets.otherTeams, ...budgets.teams[team] };
}

/** The team attribute that budgets and alerts count by (see BudgetsConfig.teamAttribute); "" when there is none. */
export function budgetTeamAttribute(budgets: BudgetsConfig, teamAttributeKeys: readonly string[]): string {
  return budgets.teamAttribute || (teamAttributeKeys[0] ?? "");
}

/**
 * Adds a problem for every bad budget or alerting setting. `teamAttributeKeys`
 * are the keys of `teamAttributes`; `ruleIntervalSeconds` must divide a day
 * and the zone's offset, so a day's first rule interval starts at its midnight.
 */
export function validateAlerting(
  budgets: BudgetsConfig,
  alerting: AlertingConfig,
  context: { teamAttributeKeys: readonly string[]; ruleIntervalSeconds: number; isDuration: (value: string) => boolean },
  problems: string[],
): void {
  if (alerting.enabled === true && context.teamAttributeKeys.length === 0) {
    problems.push("`alerting` counts budgets and alerts per team: add a key to `teamAttributes`, or set `alerting.enabled` to false");
  } else if (budgets.teamAttribute !== "" && !context.teamAttributeKeys.includes(budgets.teamAttribute)) {
    problems.push(
      `\`budgets.teamAttribute\` must be "" (the first team attribute) or one of the keys of \`teamAttributes\` (${context.teamAttributeKeys.join(", ") || "none"}), got: ${JSON.stringify(budgets.teamAttribute)}`,
    );
  }
  if (typeof budgets.timeZone !== "string" || !TIME_ZONE.test(budgets.timeZone)) {
    problems.push(`\`budgets.timeZone\` must be "UTC" or a fixed offset from UTC such as "+05:30" or "-08:00" (no names: Prometheus has no daylight saving time), got: ${JSON.stringify(budgets.timeZone)}`);
  } else if (context.ruleIntervalSeconds > 0) {
    const offset = Math.abs(timeZoneOffsetSeconds(budgets.timeZone));
    if (86_400 % context.ruleIntervalSeconds !== 0 || offset % context.ruleIntervalSeconds !== 0) {
      problems.push(
        `\`budgets.timeZone\` (${budgets.timeZone}) and \`prometheus.ruleInterval\` do not fit: the rule interval must divide a day and the zone's offset, so every day starts at an evaluation; use a rule interval such as 1m`,
      );
    }
  }
  if (typeof budgets.warningFraction !== "number" || !(budgets.warningFraction > 0 && budgets.warningFraction < 1)) {
    problems.push(`\`budgets.warningFraction\` must be a number between 0 and 1 (e.g. 0.8 warns at 80 % of a budget), got: ${JSON.stringify(budgets.warningFraction)}`);
  }
  checkBudget("budgets.otherTeams", { ...budgets.otherTeams }, problems);
  if (!isPlainObject(budgets.teams)) {
    problems.push('`budgets.teams` must be an object such as {"payments": {"dailyUsd": 200, "monthlyUsd": 4000}}');
  } else {
    for (const [team, budget] of Object.entries(budgets.teams)) {
      const setting = `budgets.teams[${JSON.stringify(team)}]`;
      if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(team)) problems.push(`\`${setting}\`: a team must be 1-63 letters, digits, "_", "." or "-" (a value of the team attribute)`);
      if (!isPlainObject(budget)) problems.push(`\`${setting}\` must be an object with dailyUsd, monthlyUsd and/or userDailyUsd`);
      else checkBudget(setting, budget, problems);
    }
  }
  validateReceivers(budgets, alerting, context.isDuration, problems);
}

function checkBudget(setting: string, budget: Readonly<Record<string, unknown>>, problems: string[]): void {
  for (const key of Object.keys(budget)) {
    if (!(BUDGET_KEYS as readonly string[]).includes(key)) {
      problems.push(`unknown setting \`${setting}.${key}\`; known settings here: ${BUDGET_KEYS.join(", ")}`);
      continue;
    }
    const value = budget[key];
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || Math.abs(Math.round(value * 10_000) - value * 10_000) > 1e-6) {
      problems.push(`\`${setting}.${key}\` must be an amount of US dollars, at least 0 (0: no budget), to a hundredth of a cent at most, got: ${JSON.stringify(value)}`);
    }
  }
}

function validateReceivers(budgets: BudgetsConfig, alerting: AlertingConfig, isDuration: (value: string) => boolean, problems: string[]): void {
  if (typeof alerting.enabled !== "boolean") problems.push(`\`alerting.enabled\` must be true or false, got: ${JSON.stringify(alerting.enabled)}`);
  for (const key of ["repeatInterval", "groupInterval"] as const) {
    if (!isDuration(alerting[key])) problems.push(`\`alerting.${key}\` must be a positive duration such as 4h or 5m, got: ${JSON.stringify(alerting[key])}`);
  }
  const isNumber = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value);
  if (!isNumber(alerting.minApiRequests) || !Number.isInteger(alerting.minApiRequests) || alerting.minApiRequests < 1) {
    problems.push(`\`alerting.minApiRequests\` must be a whole number of requests, at least 1, got: ${JSON.stringify(alerting.minApiRequests)}`);
  }
  if (!isNumber(alerting.spikeFactor) || alerting.spikeFactor <= 1) {
    problems.push(`\`alerting.spikeFactor\` must be a number above 1, got: ${JSON.stringify(alerting.spikeFactor)}`);
  }
  if (!isNumber(alerting.spikeMinUsd) || alerting.spikeMinUsd < 0) {
    problems.push(`\`alerting.spikeMinUsd\` must be an amount of US dollars, at least 0, got: ${JSON.stringify(alerting.spikeMinUsd)}`);
  }
  if (typeof alerting.apiErrorRatio !== "number" || !(alerting.apiErrorRatio > 0 && alerting.apiErrorRatio <= 1)) {
    problems.push(`\`alerting.apiErrorRatio\` must be a fraction above 0 and at most 1 (e.g. 0.2 fires when a fifth of API calls fail), got: ${JSON.stringify(alerting.apiErrorRatio)}`);
  }
  const receivers = isPlainObject(alerting.receivers) ? alerting.receivers : {};
  if (!isPlainObject(alerting.receivers)) problems.push('`alerting.receivers` must be an object such as {"ops": {"type": "webhook"}}');
  for (const [name, receiver] of Object.entries(receivers)) checkReceiver(name, receiver, problems);
  const known = (receiver: unknown) => typeof receiver === "string" && receiver in receivers;
  if (alerting.defaultReceiver !== "" && !known(alerting.defaultReceiver)) {
    problems.push(`\`alerting.defaultReceiver\` must be "" or a key of \`alerting.receivers\` (${Object.keys(receivers).join(", ") || "none"}), got: ${JSON.stringify(alerting.defaultReceiver)}`);
  }
  if (!Array.isArray(alerting.routes)) {
    problems.push('`alerting.routes` must be a list such as [{"teams": ["payments"], "receiver": "payments_slack"}]');
    return;
  }
  alerting.routes.forEach((route, index) => {
    const setting = `alerting.routes[${index}]`;
    if (!isPlainObject(route) || Object.keys(route).some((key) => key !== "teams" && key !== "receiver")) {
      problems.push(`\`${setting}\` must be {"teams": [...], "receiver": "..."}, got: ${JSON.stringify(route)}`);
      return;
    }
    if (!Array.isArray(route.teams) || route.teams.length === 0 || route.teams.some((team) => typeof team !== "string" || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(team))) {
      problems.push(`\`${setting}.teams\` must list one or more values of \`budgets.teamAttribute\` (${budgets.teamAttribute}), got: ${JSON.stringify(route.teams)}`);
    }
    if (!known(route.receiver)) {
      problems.push(`\`${setting}.receiver\` must be a key of \`alerting.receivers\` (${Object.keys(receivers).join(", ") || "none"}), got: ${JSON.stringify(route.receiver)}`);
    }
  });
}

const RECEIVER_KEYS: Record<ReceiverType, readonly string[]> = {
  webhook: ["type"],
  slack: ["type", "channel"],
  email: ["type", "to", "from", "smarthost", "username"],
};

function checkReceiver(name: string, receiver: ReceiverConfig, problems: string[]): void {
  const setting = `alerting.receivers[${JSON.stringify(name)}]`;
  if (!RECEIVER_NAME.test(name)) {
    problems.push(`\`${setting}\`: a receiver name must be 1-40 lower-case letters, digits or "_" starting with a letter (it names the Terraform variable alert_receiver_${name})`);
  }
  if (!isPlainObject(receiver) || !RECEIVER_TYPES.includes(receiver.type)) {
    problems.push(`\`${setting}.type\` must be one of ${RECEIVER_TYPES.map((type) => `"${type}"`).join(", ")}, got: ${JSON.stringify(isPlainObject(receiver) ? receiver.type : receiver)}`);
    return;
  }
  for (const key of Object.keys(receiver)) {
    if (!RECEIVER_KEYS[receiver.type].includes(key)) {
      problems.push(`unknown setting \`${setting}.${key}\` for a ${receiver.type} receiver; known settings: ${RECEIVER_KEYS[receiver.type].join(", ")} (its URL or password is the sensitive Terraform variable alert_receiver_${name})`);
    }
  }
  if (receiver.type === "slack" && receiver.channel !== undefined && !/^$|^[#@][^\s]{1,80}$/.test(receiver.channel)) {
    problems.push(`\`${setting}.channel\` must be "" or a channel such as "#payments", got: ${JSON.stringify(receiver.channel)}`);
  }
  if (receiver.type === "email") {
    for (const [key, pattern, form] of [
      ["to", EMAIL_LIST, "one or more e-mail addresses, comma-separated"],
      ["from", EMAIL_LIST, "an e-mail address"],
      ["smarthost", HOST_PORT, "the SMTP server as host:port, e.g. smtp.example.com:587"],
    ] as const) {
      const value = receiver[key];
      if (typeof value !== "string" || !pattern.test(value)) problems.push(`\`${setting}.${key}\` must be ${form}, got: ${JSON.stringify(value)}`);
    }
    if (receiver.username !== undefined && typeof receiver.username !== "string") problems.push(`\`${setting}.username\` must be a string, got: ${JSON.stringify(receiver.username)}`);
  }
}

function isPlainObject(value: unknown): value is Record<string, any> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
