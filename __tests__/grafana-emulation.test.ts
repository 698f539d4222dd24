/**
 * Grafana itself cannot run here, so the test kit prepares queries as Grafana
 * does, and the product mirrors Grafana's step rounding (the rules label the
 * steps that read window totals). These tests hold both against Grafana's own
 * published code: @grafana/data's rangeUtil and escapeRegex, and
 * @grafana/scenes' variable syntax and regex format. The differences they
 * find are pinned here, each with why it changes no number; the Prometheus
 * datasource's own escaping (AGPL, not used) was read and is described in
 * docs/design.md.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { GRAFANA_LIBRARIES_DIR, escapeRegex, rangeUtil } from "../testkit/grafana-data";
import { allDashboards } from "../dashboards";
import { dashboardConfig } from "../dashboards/config";
import { ROUNDED_STEPS, intervalText, roundInterval } from "../telemetry/grafana-intervals";
import { ALL, alignedToStep, allValuesOf, grafanaStep, panelsOf, promqlRegexLiteral, resolveVariables } from "../testkit/grafana-evaluation";

const DAY = 86_400;
const WEEK = 7 * DAY;

/** What Grafana's own code (run in Node by testkit/grafana/scenes.mjs) says about these queries and values. */
function askScenes(queries: readonly string[], valueSets: readonly (readonly string[])[]): { references: [string, string][][]; regexFormat: string[] } {
  const script = path.join(GRAFANA_LIBRARIES_DIR, "scenes.mjs");
  const result = spawnSync(process.execPath, [script], { input: JSON.stringify({ queries, valueSets }), encoding: "utf8" });
  if (result.status !== 0) throw new Error(`testkit/grafana/scenes.mjs failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

/** The text of a double-quoted PromQL string. */
function promqlStringValue(literal: string): string {
  return literal.replace(/\\(.)/g, "$1");
}

describe("telemetry/grafana-intervals.ts against @grafana/data's rangeUtil", () => {
  test("roundInterval equals Grafana's for every interval from 1 s up to 7 days", () => {
    const differences: string[] = [];
    for (let ms = 1000; ms < WEEK * 1000; ms = ms < 200_000_000 ? ms + 250 : Math.ceil(ms * 1.0005)) {
      if (roundInterval(ms / 1000) * 1000 !== rangeUtil.roundInterval(ms)) differences.push(`${ms} ms`);
    }
    expect(differences).toEqual([]);
    for (const step of ROUNDED_STEPS) expect(rangeUtil.roundInterval(step * 1000)).toBe(step * 1000);
  });

  test("differs only below 1 s and from 7 days, where no panel's step falls", () => {
    // Grafana rounds below a second to 10-500 ms; the panels' minimum interval (1m) lifts every such step.
    expect(rangeUtil.roundInterval(400)).toBe(500);
    expect(roundInterval(0.4)).toBe(1);
    // Grafana has 1w, 30d and 1y steps; at 1,200 px they need ranges of 23 years and more.
    expect([WEEK, 21 * DAY, 42 * DAY].map((s) => rangeUtil.roundInterval(s * 1000) / 1000)).toEqual([WEEK, 30 * DAY, 365 * DAY]);
    expect([WEEK, 21 * DAY, 42 * DAY].map(roundInterval)).toEqual([DAY, DAY, DAY]);
  });

  test("intervalText writes every step as secondsToHms does", () => {
    const seconds = [...ROUNDED_STEPS, ...Array.from({ length: 2 * DAY }, (_, i) => i + 1), 3 * 365 * DAY + 5];
    expect(seconds.filter((s) => intervalText(s) !== rangeUtil.secondsToHms(s))).toEqual([]);
  });
});

describe("the test kit's Grafana-like query preparation against Grafana's own code", () => {
  const dashboards = Object.values(allDashboards(dashboardConfig({ teamAttributeKeys: ["team.id", "department"], ruleInterval: "1m", budgets: { teamAttribute: "team.id", warningFraction: 0.8 } }))) as any[];
  const queries = dashboards.flatMap((model) => panelsOf(model).flatMap((panel) => panel.targets.map((target: any) => target.expr as string)));

  test("the step it uses is rangeUtil.calculateInterval's, and the e2e's 1-minute step is what Grafana picks for its ranges", () => {
    for (const minutes of [10, 30, 60, 6 * 60, 20 * 60]) expect(grafanaStep(0, minutes * 60, "1m", 1200)).toBe(60);
    expect(grafanaStep(0, 7 * DAY, "1m", 1200)).toBe(600);
    expect(grafanaStep(0, 90 * DAY, "1m", 1200)).toBe(2 * 3600);
  });

  test("finds exactly the variable references @grafana/scenes' VARIABLE_REGEX finds, in every query of the four dashboards", () => {
    const { references } = askScenes(queries, []);
    expect(queries.length).toBeGreaterThan(40);
    const ours = queries.map((query) => [...query.matchAll(/\$\{?(\w+)\}?/g)].map((m) => [m[0], m[1]]));
    expect(ours).toEqual(references);
    expect(references.flat().length).toBeGreaterThan(200);
  });

  const VALUES = [
    "alpha",
    "a3f9c2e07b1d4c55",
    "first.last+tag@example.com",
    "team.id",
    "a|b",
    "(group)",
    "[set]",
    "{1,2}",
    "^start$",
    "star*?",
    "back\\slash",
    'say "hi"',
    "path/with/slash",
  ];
  const valueSets = [...VALUES.map((value) => [value]), ["alpha", "first.last+tag@example.com"], ["a|b", "(group)", "path/with/slash"]];

  test("writes picked values as Grafana's regex format does, inside a PromQL string; only '/' differs", () => {
    const { regexFormat } = askScenes([], valueSets);
    const ours = valueSets.map((values) => promqlStringValue(resolveVariables("$v", { v: values }, { from: 0, to: 60, step: 60 }, {})));
    const differences = valueSets.filter((_, i) => ours[i] !== regexFormat[i]).map((values) => values.join(","));
    // Grafana's core format (escapeRegex) also escapes "/", which RE2 does not need: both match the same text.
    expect(differences).toEqual(["path/with/slash", "a|b,(group),path/with/slash"]);
    for (const i of valueSets.keys()) expect(ours[i].replace(/\//g, "\\/")).toBe(regexFormat[i]);
    for (const value of VALUES) expect(escapeRegex(value)).toBe(promqlStringValue(promqlRegexLiteral(value)).replace(/\//g, "\\/"));
  });

  test("a picked value matches only itself, and All reads the variable's allValue", () => {
    for (const value of VALUES) {
      const regex = new RegExp(`^(?:${promqlStringValue(promqlRegexLiteral(value))})$`);
      expect(regex.test(value)).toBe(true);
      expect(regex.test(`${value}x`)).toBe(false);
    }
    expect(new RegExp(`^${promqlStringValue(promqlRegexLiteral("first.last+tag@example.com"))}$`).test("firstXlasttag@example.com")).toBe(false);
    const allValues = allValuesOf(dashboards[0]);
    expect(allValues).toMatchObject({ user: ".*", model: ".*" });
    expect(resolveVariables('x{user_id=~"$user"}', { user: ALL }, { from: 0, to: 60, step: 60 }, allValues)).toBe('x{user_id=~".*"}');
  });

  test("aligns a range query's steps in the viewer's time zone, as Grafana's Prometheus datasource does", () => {
    const range = { from: 10 * 3600 + 600, to: 20 * 3600 + 600, step: 3600 };
    expect(alignedToStep(range)).toEqual({ start: 10 * 3600, end: 20 * 3600 });
    // UTC+5:30: hourly steps end at half past, so they do not line up with the rollup windows (docs/design.md).
    expect(alignedToStep({ ...range, utcOffsetSeconds: 19_800 })).toEqual({ start: 9 * 3600 + 1800, end: 19 * 3600 + 1800 });
  });
});
