/**
 * In words, what a change of the alerting files does: budgets raised or
 * lowered, alerts added, removed or changed, receivers and routes. A plan
 * review (scripts/plan-summary.ts) reads the files from the plan, before and
 * after, so a pull request that changes a budget says so at a glance. Only
 * names and amounts, never a secret (receivers' secrets are files of their own).
 */
import { parse } from "yaml";
import { dollars } from "./alert-rules";
import { BUDGET_LABEL, BudgetSeries } from "../telemetry/catalog";

interface RulesFile {
  readonly groups?: readonly { readonly rules?: readonly Record<string, any>[] }[];
}

/**
 * Budgets in a rules file: "<team> <period>" -> amount text; team "other
 * teams" for the default (the one budget rule without a team label).
 */
function budgetsIn(rulesYaml: string): Map<string, { team: string; period: string; amount: string }> {
  const budgets = new Map<string, { team: string; period: string; amount: string }>();
  for (const rule of rulesOf(rulesYaml)) {
    if (rule.record !== BudgetSeries.budget) continue;
    const teamLabel = Object.keys(rule.labels ?? {}).find((label) => label !== BUDGET_LABEL);
    const team = teamLabel ? rule.labels[teamLabel] : "other teams";
    // The amount ends the expression: vector(200), or ... * 0 + 200 for other teams.
    const amount = dollars(Number(/([\d.]+)\)?$/.exec(String(rule.expr))?.[1]));
    budgets.set(`${team} ${rule.labels?.[BUDGET_LABEL]}`, { team, period: rule.labels?.[BUDGET_LABEL], amount });
  }
  return budgets;
}

function rulesOf(rulesYaml: string): Record<string, any>[] {
  const file = (parse(rulesYaml) ?? {}) as RulesFile;
  return (file.groups ?? []).flatMap((group) => group.rules ?? []);
}

/** Budget and alert changes between two alerting rules files. */
export function alertRuleChanges(before: string, after: string): string[] {
  const changes: string[] = [];
  const [old, next] = [budgetsIn(before), budgetsIn(after)];
  const described = (team: string) => (team === "other teams" ? "other teams" : `team \`${team}\``);
  for (const key of [...new Set([...old.keys(), ...next.keys()])].sort()) {
    const [from, to] = [old.get(key), next.get(key)];
    if (from?.amount === to?.amount) continue;
    const { team, period } = (to ?? from)!;
    changes.push(`Budget of ${described(team)}, ${period}: ${from ? `$${from.amount}` : "none"} -> ${to ? `$${to.amount}` : "none"}`);
  }
  const alerts = (yaml: string) => new Map(rulesOf(yaml).filter((rule) => rule.alert).map((rule) => [rule.alert as string, JSON.stringify([rule.expr, rule.for])]));
  const [oldAlerts, nextAlerts] = [alerts(before), alerts(after)];
  for (const name of [...new Set([...oldAlerts.keys(), ...nextAlerts.keys()])].sort()) {
    if (name.includes("Budget")) continue;
    if (!oldAlerts.has(name)) changes.push(`Alert \`${name}\` is new`);
    else if (!nextAlerts.has(name)) changes.push(`Alert \`${name}\` is removed`);
    else if (oldAlerts.get(name) !== nextAlerts.get(name)) changes.push(`Alert \`${name}\` changes its condition (a threshold or its duration)`);
  }
  return changes;
}

/** Receiver and route changes between two Alertmanager files. */
export function alertmanagerChanges(before: string, after: string): string[] {
  const changes: string[] = [];
  const receivers = (yaml: string) => new Map(((parse(yaml)?.receivers ?? []) as Record<string, unknown>[]).map((r) => [String(r.name), JSON.stringify(r)]));
  const [old, next] = [receivers(before), receivers(after)];
  for (const name of [...new Set([...old.keys(), ...next.keys()])].sort()) {
    if (!old.has(name)) changes.push(`Receiver \`${name}\` is new`);
    else if (!next.has(name)) changes.push(`Receiver \`${name}\` is removed`);
    else if (old.get(name) !== next.get(name)) changes.push(`Receiver \`${name}\` changes`);
  }
  const routes = (yaml: string) => {
    const route = parse(yaml)?.route ?? {};
    return [`default -> ${route.receiver}`, ...((route.routes ?? []) as { matchers: string[]; receiver: string }[]).map((r) => `${r.matchers.join(", ")} -> ${r.receiver}`)];
  };
  const [oldRoutes, nextRoutes] = [routes(before), routes(after)];
  for (const route of nextRoutes.filter((r) => !oldRoutes.includes(r))) changes.push(`Route ${route} is new`);
  for (const route of oldRoutes.filter((r) => !nextRoutes.includes(r))) changes.push(`Route ${route} is removed`);
  const timing = (yaml: string) => JSON.stringify(["group_interval", "repeat_interval"].map((key) => parse(yaml)?.route?.[key]));
  if (timing(before) !== timing(after)) changes.push("Alertmanager's group or repeat interval changes");
  return changes;
}
