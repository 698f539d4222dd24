import { budgetTeamAttribute } from "../config/alerting-config";
import { StackConfig } from "../config/stack-config";
import { renderAlertRules } from "../renderers/alert-rules";
import { labelForAttribute } from "../telemetry/catalog";

/**
 * The alerting rules of a stack with this configuration, for a Prometheus the
 * user runs themselves (no dashboard links: their Grafana's address is not
 * known here); undefined with alerting off.
 */
export function standaloneAlertRules(config: StackConfig): string | undefined {
  if (!config.alerting.enabled) return undefined;
  return renderAlertRules({
    interval: config.prometheus.ruleInterval,
    scrapeInterval: config.prometheus.scrapeInterval,
    budgets: config.budgets,
    alerting: config.alerting,
    teamLabel: labelForAttribute(budgetTeamAttribute(config.budgets, Object.keys(config.teamAttributes))),
  });
}
