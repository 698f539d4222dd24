/**
 * The spend dashboard's "largest repositories and the rest" under promtool:
 * raw counters of a few repositories (and sessions without one) go through the
 * stack's recording rules, and the panel's own query, as the dashboard reads
 * it, must name the largest, sum the rest as one value and call the missing
 * repository "unknown". The e2e has two repositories, too few for the rest.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { DEFAULT_CONFIG } from "../config/stack-config";
import { dashboardConfig } from "../dashboards/config";
import { QueryBuilder, UNKNOWN } from "../dashboards/queries";
import { OTHER_REPOSITORIES } from "../dashboards/spend";
import { RULES_FILE, renderRecordingRules } from "../renderers/recording-rules";
import { Label, Metric } from "../telemetry/catalog";
import { resolveVariables } from "../testkit/grafana-evaluation";
import { buildPrometheus, imageVersion, promtoolTestRules } from "../testkit/toolchain";

/** Cost per minute of each repository's one session ("" for a session that names none). */
const COST_PER_MINUTE: Readonly<Record<string, number>> = { "acme/shop": 5, "acme/api": 3, "acme/web": 2, "": 1 };
const MINUTES = 40;
const RANGE_MINUTES = 30;

/** The raw counters: one session per repository, growing from minute 1 to MINUTES. */
function inputSeries(): { series: string; values: string }[] {
  return Object.entries(COST_PER_MINUTE).map(([repository, perMinute], index) => {
    const labels = [`session_id="s${index}"`, `user_id="u"`, `model="m"`, ...(repository ? [`${Label.repository}="${repository}"`] : [])];
    return { series: `${Metric.cost.name}{${labels.join(", ")}}`, values: `0+${perMinute}x${MINUTES}` };
  });
}

describe("spend dashboard: the largest repositories and the rest, through the recording rules", () => {
  let promtool: string;

  beforeAll(() => {
    promtool = buildPrometheus(imageVersion(DEFAULT_CONFIG.images.prometheus), (line) => console.log(line)).promtool;
  }, 20 * 60_000);

  test.each([
    [1, { "acme/shop": 5, [OTHER_REPOSITORIES]: 3 + 2 + 1 }],
    [2, { "acme/shop": 5, "acme/api": 3, [OTHER_REPOSITORIES]: 2 + 1 }],
    [4, { "acme/shop": 5, "acme/api": 3, "acme/web": 2, [UNKNOWN]: 1 }],
  ] as const)("the %i largest by name", (count, perMinute) => {
    const q = new QueryBuilder(dashboardConfig({ teamAttributeKeys: [], ruleInterval: "1m" }));
    const all = { user: ".*", model: ".*", repository: ".*" };
    const range = { from: 0, to: RANGE_MINUTES * 60, step: 60 };
    const expr = resolveVariables(q.topWithOthers(Metric.cost, Label.repository, count, OTHER_REPOSITORIES), { user: "$__all", model: "$__all", repository: "$__all" }, range, all);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spend-queries-"));
    const { ruleInterval, scrapeInterval } = DEFAULT_CONFIG.prometheus;
    fs.writeFileSync(path.join(dir, RULES_FILE), renderRecordingRules({ interval: ruleInterval, scrapeInterval, rollupWindow: "10m" }));
    // Read at minute MINUTES, over the RANGE_MINUTES before: every repository grew in each of them.
    const expected = Object.entries(perMinute).map(([repository, cost]) => ({ labels: `{${Label.repository}="${repository}"}`, value: cost * RANGE_MINUTES }));
    const tests = {
      rule_files: [RULES_FILE],
      evaluation_interval: ruleInterval,
      tests: [{ interval: "1m", input_series: inputSeries(), promql_expr_test: [{ expr, eval_time: `${MINUTES}m`, exp_samples: expected }] }],
    };
    fs.writeFileSync(path.join(dir, "tests.yml"), stringify(tests, { lineWidth: 0 }));
    expect(promtoolTestRules(promtool, dir)).toContain("SUCCESS");
    fs.rmSync(dir, { recursive: true, force: true });
  }, 120_000);
});
