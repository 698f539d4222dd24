import { STORED_DATA_LABEL, storedData, storedDataChanges } from "../renderers/stored-data";
import { summarizePlan } from "../scripts/plan-summary";

const defaults = { ruleInterval: "1m", rollupWindow: "1h", teamLabels: ["team_id", "department"], teamMode: false };

describe("what a change does to stored numbers", () => {
  test("the same settings change nothing; a new rollup window keeps every past number", () => {
    expect(storedDataChanges(storedData(defaults), storedData(defaults))).toEqual([]);
    expect(storedDataChanges(storedData(defaults), storedData({ ...defaults, rollupWindow: "10m" }))).toEqual([]);
  });

  test("a new rule interval, team label, removed team label and team mode are each said in words", () => {
    const changes = storedDataChanges(storedData(defaults), storedData({ ruleInterval: "2m", rollupWindow: "1h", teamLabels: ["team_id", "project"], teamMode: true }));
    expect(changes).toHaveLength(4);
    expect(changes[0]).toMatch(/^`prometheus.ruleInterval` changes from 1m to 2m/);
    expect(changes[1]).toMatch(/^Team label `project` is new/);
    expect(changes[2]).toMatch(/^Team label `department` is removed/);
    expect(changes[3]).toMatch(/^Team mode switches on/);
  });

  test("recorded series a version adds call for the backfill", () => {
    const before = storedData(defaults);
    const after = { ...before, recordedSeries: [...before.recordedSeries, "claude_code:new_series:increase"].sort() };
    expect(storedDataChanges(before, after)).toEqual([expect.stringMatching(/record 1 new series \(`claude_code:new_series:increase`\).*npm run backfill/)]);
  });

  test("recorded series a version stops writing are named, with what a rollback finds", () => {
    const before = storedData(defaults);
    const kept = before.recordedSeries.filter((name) => !name.endsWith(":increase_all_users"));
    const changes = storedDataChanges(before, { ...before, recordedSeries: kept });
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatch(new RegExp(`^The recording rules no longer record ${before.recordedSeries.length - kept.length} series `));
    expect(changes[0]).toMatch(/series \(`claude_code_[a-z_]+:increase_all_users`, .*, \.\.\.\).*a rollback to a version that reads them finds nothing there from the deploy on/);
  });

  test("the plan review warns with them when the Prometheus container's label changes", () => {
    const container = (data: object) => ({ name: "stack-prometheus", labels: [{ label: STORED_DATA_LABEL, value: JSON.stringify(data) }] });
    const summary = summarizePlan({
      resource_changes: [
        {
          address: "docker_container.prometheus_container_4574EB90",
          mode: "managed",
          type: "docker_container",
          name: "prometheus_container_4574EB90",
          change: {
            actions: ["delete", "create"],
            before: container(storedData(defaults)),
            after: container(storedData({ ...defaults, teamLabels: [...defaults.teamLabels, "project"] })),
            replace_paths: [["labels"], ["upload"]],
          },
        },
      ],
    });
    expect(summary.warnings).toEqual([expect.stringMatching(/^Team label `project` is new/)]);
    expect(summary.markdown).toContain("> [!WARNING]");
  });
});
