import { firstHostAddress } from "../testkit/docker-engine";
import { consoleTotal, parseConsoleMetrics } from "../e2e/console-metrics";
import { matches } from "../testkit/panel-checks";
import { ALL, resolveVariables, variableRequest } from "../testkit/grafana-evaluation";
import { expectWithin, untilAllRowsPass } from "../testkit/waits";

const dump = (start: number, end: number, value: number) => `
{
  descriptor: {
    name: "claude_code.active_time.total",
    type: "COUNTER",
  },
  dataPointType: 3,
  dataPoints: [
    {
      attributes: {
        "user.id": "u1",
        "session.id": "s1",
        type: "cli",
      },
      startTime: [ ${start}, 500000000 ],
      endTime: [ ${end}, 0 ],
      value: ${value},
    }
  ],
}`;

describe("console metric dumps (the active time oracle)", () => {
  test("parses points with their attributes, through terminal escape codes", () => {
    const points = parseConsoleMetrics(`\x1b[2K\x1b[1A${dump(100, 102, 1.25)}\r\n`);
    expect(points).toEqual([
      { metric: "claude_code.active_time.total", attributes: { "user.id": "u1", "session.id": "s1", type: "cli" }, start: 100.5, end: 102, value: 1.25 },
    ]);
  });

  test("cumulative exports share a start time: the last one is the total", () => {
    const points = parseConsoleMetrics(dump(100, 102, 1) + dump(100, 104, 3));
    expect(consoleTotal(points, "claude_code.active_time.total", { type: "cli" })).toBe(3);
  });

  test("delta exports start anew: each one counts", () => {
    const points = parseConsoleMetrics(dump(100, 102, 1) + dump(102, 104, 2));
    expect(consoleTotal(points, "claude_code.active_time.total", { type: "cli" })).toBe(3);
    expect(consoleTotal(points, "claude_code.active_time.total", { type: "user" })).toBe(0);
  });
});

describe("Grafana-like evaluation", () => {
  test("resolves template and built-in variables as Grafana does", () => {
    const expr = 'sum(increase(x{user_id=~"$user", team_id=~"${team_id}"}[$__range] anchored)) + max_over_time(y[$__range:$__interval])';
    expect(resolveVariables(expr, { user: ALL, team_id: ["alpha"] }, { from: 1000, to: 4600, step: 10 }, { user: ".*", team_id: ".*" })).toBe(
      'sum(increase(x{user_id=~".*", team_id=~"alpha"}[3600s] anchored)) + max_over_time(y[3600s:10s])',
    );
  });

  test("compares numbers to floating-point precision and series by name", () => {
    expect(matches(0.1 + 0.2, 0.3)).toBe(true);
    expect(matches(1.001, 1)).toBe(false);
    expect(matches({ a: 1, b: 2 }, { a: 1, b: 2 })).toBe(true);
    expect(matches({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(matches(undefined, 0)).toBe(false);
    expect(matches(0.5, 0, true)).toBe(true);
    expect(matches(0, 0, true)).toBe(false);
    // A ratio of nothing to nothing is "No data" in Grafana: no value, not 0.
    expect(matches(undefined, NaN)).toBe(true);
    expect(matches(0, NaN)).toBe(false);
  });

  test("asks the label values API for a label_values variable, over the range, matched to its selector", () => {
    const variable = { name: "model", query: 'label_values({__name__=~"a|b"}, model)' };
    expect(variableRequest(variable, { from: 100, to: 200 })).toEqual({
      path: "/api/v1/label/model/values",
      params: { "match[]": '{__name__=~"a|b"}', start: "100", end: "200" },
    });
    expect(variableRequest({ name: "datasource", query: "prometheus" }, { from: 100, to: 200 })).toBeUndefined();
  });

  test("a variable's selector carries the other variables' values, as Grafana interpolates them", () => {
    const variable = { name: "user", query: 'label_values({__name__=~"a", team_id=~"$team_id", department=~"$department"}, user_id)' };
    expect(variableRequest(variable, { from: 100, to: 200 }, { team_id: ["alpha", "be.ta"], department: ALL }, { team_id: ".*", department: ".*" })?.params["match[]"]).toBe(
      '{__name__=~"a", team_id=~"(alpha|be\\\\.ta)", department=~".*"}',
    );
  });
});

test("the first host address of a bridge's subnet, where Docker puts its gateway", () => {
  expect(firstHostAddress("172.17.0.0/16")).toBe("172.17.0.1");
  expect(firstHostAddress("10.1.2.130/25")).toBe("10.1.2.129");
  expect(firstHostAddress("192.168.0.0/24")).toBe("192.168.0.1");
});

describe("waits", () => {
  test("untilAllRowsPass returns the first reading in which every row passes", async () => {
    let reading = 0;
    const settled = await untilAllRowsPass(async () => [{ passed: ++reading >= 3, name: "a" }], (row) => row.name, { what: "rows", timeoutMs: 5000, pollMs: 10, log: () => undefined });
    expect(settled.passed).toBe(true);
    expect(reading).toBe(3);
  });

  test("at its limit it returns the last reading and names the rows still missing", async () => {
    const lines: string[] = [];
    const settled = await untilAllRowsPass(async () => [{ passed: true, name: "a" }, { passed: false, name: "b" }], (row) => row.name, {
      what: "rows",
      timeoutMs: 50,
      pollMs: 10,
      log: (line) => lines.push(line),
    });
    expect(settled.passed).toBe(false);
    expect(settled.result).toHaveLength(2);
    expect(lines).toEqual(["rows: still missing after 0.05 s: b"]);
  });

  test("expectWithin fails naming what did not happen", async () => {
    await expect(expectWithin("the thing", () => false, 30, 10)).rejects.toThrow("the thing did not happen within 0.03 s");
  });
});
