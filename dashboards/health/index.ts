import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import { ABSENT, EventLabel, EventMetric, Label, OVERLOADED_ERROR, ToolOutcome } from "../../telemetry/catalog";
import { DashboardKit, PlacedPanel, RowSpec, Target, Unit, addRows, baseDashboard, placed, buildDashboard } from "../common";
import { DashboardConfig } from "../config";

export const HEALTH_DASHBOARD_UID = "claude-code-health";

/** Label the errors-by-status panel groups on: 429, 529, none, or the class 4xx / 5xx of any other status. */
export const STATUS_GROUP_LABEL = "status";

/** The API quantiles shown per model, as fractions. */
export const LATENCY_QUANTILES = [0.5, 0.95, 0.99] as const;

/** The quantile of tool durations shown per tool. */
export const TOOL_QUANTILE = 0.95;

/** What went wrong: API errors, retries and refusals, API latency, failing and slow tools, and who sends how much. */
export function healthDashboard(config: DashboardConfig): dashboard.Dashboard {
  const kit = new DashboardKit(config);
  const builder = baseDashboard(
    config,
    HEALTH_DASHBOARD_UID,
    "Claude Code Health",
    "API errors by status, retries exhausted, refusals, API latency per model, tool failures and durations, and requests and prompts per user and team, all derived from Claude Code's events.",
  ).variables(kit.variables());
  return buildDashboard(addRows(builder, [apiRow(kit), latencyRow(kit), toolsRow(kit), peopleRow(kit)]), config);
}

function apiRow(kit: DashboardKit): RowSpec {
  const q = kit.queries;
  const errors = q.total(EventMetric.apiErrors);
  const attempted = `(${errors}) + (${q.total(EventMetric.apiRequests)})`;
  const count = (title: string, description: string, target: Target) => placed(kit.stat(title, description, Unit.count, [target]).decimals(0), 4, 5);
  return {
    title: "API",
    panels: [
      count("API Requests", "API requests that returned an answer (api_request events).", { expr: q.total(EventMetric.apiRequests), legend: "Requests" }),
      count("API Errors", "API requests that failed after their last retry (api_error events). Errors a retry recovered from are not reported by Claude Code.", {
        expr: errors,
        legend: "Errors",
      }),
      placed(
        kit.gauge(
          "API Error Rate",
          "Failed requests / (failed + answered requests) in the selected range.",
          Unit.percent,
          { expr: q.ratio(errors, attempted), legend: "Error rate" },
          { min: 0, max: 1, decimals: 1, steps: [["green", null], ["orange", 0.01], ["red", 0.05]] },
        ),
        4,
        5,
      ),
      count("Retries Exhausted", "Requests that failed after more than one attempt (api_retries_exhausted events).", {
        expr: q.total(EventMetric.apiRetriesExhausted),
        legend: "Retries exhausted",
      }),
      count("Refusals", "Answers the model ended with stop reason refusal (api_refusal events).", { expr: q.total(EventMetric.apiRefusals), legend: "Refusals" }),
      count("Prompts", "Prompts users sent (user_prompt events; a count, the prompt is never stored).", { expr: q.total(EventMetric.prompts), legend: "Prompts" }),
      placed(
        kit.timeseries(
          "API Errors by Status Over Time",
          `Failed requests per step by status: 429 rate limited, ${OVERLOADED_ERROR.statusCode} overloaded, other 4xx and 5xx, and ${ABSENT} for failures without an HTTP status (connection errors).`,
          Unit.count,
          { expr: byStatusGroup(q.perStepBy(EventMetric.apiErrors, [EventLabel.statusCode])), legend: `{{${STATUS_GROUP_LABEL}}}` },
        ),
        14,
        8,
      ),
      placed(
        kit.barGauge("API Errors by Model and Status", "Failed requests in the selected range per model and status code.", Unit.count, {
          expr: q.totalBy(EventMetric.apiErrors, [Label.model, EventLabel.statusCode]),
          legend: `{{${Label.model}}} {{${EventLabel.statusCode}}}`,
        }),
        10,
        8,
      ),
    ],
  };
}

/**
 * Groups a per-status_code expression into 429, 529, none, 4xx and 5xx:
 * each label_replace sets the group only where its regex matches the whole
 * status, and the last one overrides the class with the statuses shown apart.
 */
function byStatusGroup(expression: string): string {
  const replaced = [
    ["4xx", "4.."],
    ["5xx", "5.."],
    ["$1", `(429|${OVERLOADED_ERROR.statusCode}|${ABSENT})`],
  ].reduce(
    (inner, [group, regex]) => `label_replace(${inner}, "${STATUS_GROUP_LABEL}", "${group}", "${EventLabel.statusCode}", "${regex}")`,
    expression,
  );
  return `sum by (${STATUS_GROUP_LABEL}) (${replaced})`;
}

function latencyRow(kit: DashboardKit): RowSpec {
  const q = kit.queries;
  const quantiles = LATENCY_QUANTILES.map((quantile) => ({
    expr: q.quantile(quantile, EventMetric.apiDuration, [Label.model]),
    legend: `{{${Label.model}}} ${percentileName(quantile)}`,
  }));
  return {
    title: "Latency",
    panels: [
      placed(
        kit.barGauge(
          "API Latency by Model",
          "Duration of answered API requests in the selected range: p50, p95 and p99 per model, interpolated inside the histogram bucket the percentile falls in (bounds 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300 s).",
          Unit.seconds,
          ...quantiles,
        ),
        10,
        8,
      ),
      placed(
        kit.timeseries("API Requests by Model Over Time", "Answered API requests per step and model.", Unit.count, {
          expr: q.perStepBy(EventMetric.apiRequests, [Label.model]),
          legend: `{{${Label.model}}}`,
        }),
        10,
        8,
      ),
      placed(
        kit.stat(
          "Time Lost to Exhausted Retries",
          "Time from the first to the last attempt of requests that failed after more than one attempt (total_retry_duration_ms of api_retries_exhausted). API latency counts only the last attempt. Retries that recovered leave no trace in Claude Code's telemetry, so the time they took shows nowhere.",
          Unit.seconds,
          [{ expr: q.total(EventMetric.apiRetryTime), legend: "Retry time" }],
        ),
        4,
        8,
      ),
    ],
  };
}

function toolsRow(kit: DashboardKit): RowSpec {
  const q = kit.queries;
  const byTool = [Label.toolName];
  const runs = q.totalBy(EventMetric.toolResults, byTool);
  // A tool that never succeeded has no series of successes: 0 from its runs instead.
  const succeeded = `${q.totalBy(EventMetric.toolResults, byTool, { [EventLabel.success]: ToolOutcome.succeeded })} or (0 * ${runs})`;
  const toolLegend = `{{${Label.toolName}}}`;
  return {
    title: "Tools",
    panels: [
      placed(
        kit
          .stat("Tool Runs", "Tool runs that succeeded and failed in the selected range (tool_result events).", Unit.count, [
            { expr: q.total(EventMetric.toolResults, { [EventLabel.success]: ToolOutcome.succeeded }), legend: "Succeeded" },
            { expr: q.total(EventMetric.toolResults, { [EventLabel.success]: ToolOutcome.failed }), legend: "Failed" },
          ])
          .decimals(0),
        6,
        8,
      ),
      placed(
        kit
          .barGauge("Tool Success Rate", "Successful runs / all runs per tool. Claude Code counts a Bash command that exits with 1 as a success.", Unit.percent, {
            expr: q.ratio(succeeded, runs),
            legend: toolLegend,
          })
          .min(0)
          .max(1),
        6,
        8,
      ),
      placed(
        kit.barGauge("Tool Failures by Error Type", "Failed tool runs per tool and the error type Claude Code reports.", Unit.count, {
          expr: q.totalBy(EventMetric.toolResults, [Label.toolName, EventLabel.errorType], { [EventLabel.success]: ToolOutcome.failed }),
          legend: `${toolLegend} {{${EventLabel.errorType}}}`,
        }),
        12,
        8,
      ),
      placed(
        kit.barGauge("Slowest Tools (Mean)", "Mean duration of a run per tool in the selected range.", Unit.seconds, {
          expr: q.meanBy(EventMetric.toolDuration, byTool),
          legend: toolLegend,
        }),
        12,
        8,
      ),
      placed(
        kit.barGauge(
          `Slowest Tools (${percentileName(TOOL_QUANTILE)})`,
          "95th percentile of run durations per tool, interpolated inside its histogram bucket (bounds 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 600 s).",
          Unit.seconds,
          { expr: q.quantile(TOOL_QUANTILE, EventMetric.toolDuration, byTool), legend: toolLegend },
        ),
        12,
        8,
      ),
    ],
  };
}

function peopleRow(kit: DashboardKit): RowSpec {
  const groups = kit.config.filters.filter((filter) => filter.label !== Label.model);
  const panels: PlacedPanel[] = groups.flatMap((group) => [
    placed(
      kit
        .leaderboard(`API Requests by ${group.title}`, `Answered API requests in the selected range per ${group.title}.`, Unit.count, {
          expr: kit.queries.totalByStated(EventMetric.apiRequests, group.label),
        }, "Requests")
        .decimals(0),
      12,
      8,
    ),
    placed(
      kit
        .leaderboard(`Prompts by ${group.title}`, `Prompts sent in the selected range per ${group.title}.`, Unit.count, {
          expr: kit.queries.totalByStated(EventMetric.prompts, group.label),
        }, "Prompts")
        .decimals(0),
      12,
      8,
    ),
  ]);
  return { title: "Requests and Prompts", panels };
}

/** "p95" for 0.95. */
export function percentileName(quantile: number): string {
  return `p${Math.round(quantile * 100)}`;
}
