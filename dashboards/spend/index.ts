import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import { Label, Metric, TokenType } from "../../telemetry/catalog";
import { DashboardKit, RowSpec, Unit, addRows, baseDashboard, buildDashboard, placed } from "../common";
import { DashboardConfig } from "../config";
import { UNKNOWN, stated } from "../queries";

export const SPEND_DASHBOARD_UID = "claude-code-spend";

/** How many repositories the per-repository panels show by name; the rest are summed as OTHER_REPOSITORIES. */
export const TOP_REPOSITORIES = 10;

/** The value shown for the repositories past TOP_REPOSITORIES. */
export const OTHER_REPOSITORIES = "other repositories";

/** Where the money goes: cost and tokens per repository, per request source, effort, agent, skill and MCP server. */
export function spendDashboard(config: DashboardConfig): dashboard.Dashboard {
  const kit = new DashboardKit(config);
  const builder = baseDashboard(
    config,
    SPEND_DASHBOARD_UID,
    "Claude Code Spend",
    "Where the money goes: cost and tokens per repository (with commits and pull requests), main conversation versus subagents, effort, model, and the agents, skills and MCP servers that spent it.",
  ).variables(kit.variables());
  return buildDashboard(addRows(builder, [repositoriesRow(kit), requestsRow(kit)]), config);
}

function repositoriesRow(kit: DashboardKit): RowSpec {
  const q = kit.queries;
  const legend = `{{${Label.repository}}}`;
  const top = `The ${TOP_REPOSITORIES} largest by name, the rest summed as "${OTHER_REPOSITORIES}"; "${UNKNOWN}" where Claude Code sent no repository (OTEL_METRICS_INCLUDE_REPOSITORY off, or no git remote).`;
  const byRepository = (tokenType: string) => q.totalBy(Metric.tokens, [Label.repository], { type: tokenType });
  const cacheRatio = `${byRepository(TokenType.cacheRead)} / (${byRepository(TokenType.cacheRead)} + ${byRepository(TokenType.input)} > 0)`;
  return {
    title: "Repositories",
    panels: [
      placed(
        kit.barGauge("Cost by Repository", `Cost in USD in the selected range per repository (owner/name). ${top}`, Unit.usd, {
          expr: q.topWithOthers(Metric.cost, Label.repository, TOP_REPOSITORIES, OTHER_REPOSITORIES),
          legend,
        }).decimals(2),
        8,
        9,
      ),
      placed(
        kit.barGauge("Tokens by Repository", `Tokens of all types in the selected range per repository. ${top}`, Unit.count, {
          expr: q.topWithOthers(Metric.tokens, Label.repository, TOP_REPOSITORIES, OTHER_REPOSITORIES),
          legend,
        }).decimals(0),
        8,
        9,
      ),
      placed(
        kit
          .barGauge("Cache Hit Ratio by Repository", "Cache read tokens / (cache read + input tokens) per repository in the selected range.", Unit.percent, {
            expr: stated(cacheRatio, Label.repository),
            legend,
          })
          .min(0)
          .max(1)
          .decimals(1),
        8,
        9,
      ),
      placed(
        kit.barGauge("Commits by Repository", "Git commits Claude Code made in the selected range per repository.", Unit.count, {
          expr: q.totalByStated(Metric.commits, Label.repository),
          legend,
        }).decimals(0),
        8,
        7,
      ),
      placed(
        kit.barGauge("Pull Requests by Repository", "Pull requests Claude Code created in the selected range per repository.", Unit.count, {
          expr: q.totalByStated(Metric.pullRequests, Label.repository),
          legend,
        }).decimals(0),
        8,
        7,
      ),
      placed(
        kit.timeseries("Cost by Repository Over Time", "Cost in USD per step and repository.", Unit.usd, {
          expr: stated(q.perStepBy(Metric.cost, [Label.repository]), Label.repository),
          legend,
        }),
        8,
        7,
      ),
    ],
  };
}

function requestsRow(kit: DashboardKit): RowSpec {
  const q = kit.queries;
  const costBy = (label: string) => q.totalByStated(Metric.cost, label);
  // Only the requests made for an agent, skill or MCP server carry its name.
  const costOfNamed = (label: string) => q.totalBy(Metric.cost, [label], { [label]: [".+"] });
  return {
    title: "Requests",
    panels: [
      placed(
        kit.pie("Cost by Request Source", `Cost in USD per request source: main (the conversation), subagent, auxiliary requests; "${UNKNOWN}" from a Claude Code that does not say.`, Unit.usd, {
          expr: costBy(Label.querySource),
          legend: `{{${Label.querySource}}}`,
        }).decimals(4),
        8,
        8,
      ),
      placed(
        kit.barGauge("Tokens by Request Source", "Tokens of all types per request source.", Unit.count, {
          expr: q.totalByStated(Metric.tokens, Label.querySource),
          legend: `{{${Label.querySource}}}`,
        }).decimals(0),
        8,
        8,
      ),
      placed(
        kit.barGauge("Cost by Effort", "Cost in USD per reasoning effort level.", Unit.usd, { expr: costBy(Label.effort), legend: `{{${Label.effort}}}` }).decimals(4),
        8,
        8,
      ),
      placed(
        kit.barGauge("Cost by Model and Effort", "Cost in USD per model and effort level.", Unit.usd, {
          expr: stated(q.totalBy(Metric.cost, [Label.model, Label.effort]), Label.effort),
          legend: `{{${Label.model}}} {{${Label.effort}}}`,
        }).decimals(4),
        8,
        8,
      ),
      placed(
        kit.barGauge("Cost by Agent", "Cost in USD of the requests subagents made, per agent type.", Unit.usd, {
          expr: costOfNamed(Label.agent),
          legend: `{{${Label.agent}}}`,
        }).decimals(4),
        8,
        8,
      ),
      placed(
        kit.barGauge("Cost by Skill", "Cost in USD of the requests made while a skill is in use, per skill.", Unit.usd, {
          expr: costOfNamed(Label.skill),
          legend: `{{${Label.skill}}}`,
        }).decimals(4),
        8,
        8,
      ),
      placed(
        kit.barGauge("Cost by MCP Server", "Cost in USD of the requests that follow a call of an MCP server's tool, per server. Claude Code names the servers a user configured \"custom\" unless it runs with OTEL_LOG_TOOL_DETAILS=1 (which puts tool details in its events too).", Unit.usd, {
          expr: costOfNamed(Label.mcpServer),
          legend: `{{${Label.mcpServer}}}`,
        }).decimals(4),
        8,
        8,
      ),
    ],
  };
}
