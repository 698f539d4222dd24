import { CLOSED } from "../renderers/recording-rules";
import { replayRollups } from "../backfill/rollup-replay";

// Evaluations every 60 s at 20 s past the minute; hourly windows (3600, 7200], (7200, 10800].
describe("replayRollups: what the rollup rules write, replayed", () => {
  test("the running sum at every evaluation of the window from its first growth, closed at the window's last evaluation with its total", () => {
    const { runningSums, totals, closedEarlyAfter } = replayRollups([[3620, 1], [3680, 2], [7220, 5]], 60, 3600);
    expect(runningSums.slice(0, 3)).toEqual([[3620, 1], [3680, 3], [3740, 3]]);
    expect(runningSums.filter(([at]) => at <= 7200).at(-1)).toEqual([7160, CLOSED]);
    expect(runningSums.filter(([at]) => at <= 7200)).toHaveLength(60);
    expect(totals).toEqual([[7160, 3], [10760, 5]]);
    expect(closedEarlyAfter).toBeUndefined();
  });

  test("closeAt closes the last window early and says after which window start", () => {
    const { runningSums, totals, closedEarlyAfter } = replayRollups([[3620, 1], [3680, 2]], 60, 3600, 3800);
    expect(runningSums).toEqual([[3620, 1], [3680, 3], [3740, 3], [3800, CLOSED]]);
    expect(totals).toEqual([[3800, 3]]);
    expect(closedEarlyAfter).toBe(3600);
  });

  test("sums a millisecond off closeAt's grid (written by the Prometheus before an upgrade) still close the window at closeAt's evaluation", () => {
    // Seconds here: 0.001 s off. Before, the last running sum stayed open and the rules carried it on: counted twice.
    const { runningSums, totals } = replayRollups([[3620, 1], [3680, 2]], 60, 3600, 3680.001);
    expect(runningSums).toEqual([[3620, 1], [3680, CLOSED]]);
    expect(totals).toEqual([[3680, 3]]);
    const later = replayRollups([[3620.001, 1], [3680.001, 2]], 60, 3600, 3680);
    expect(later.runningSums).toEqual([[3620.001, 1], [3680.001, CLOSED]]);
    expect(later.totals).toEqual([[3680.001, 3]]);
  });

  test("a sum after closeAt is an error, not a lost growth", () => {
    expect(() => replayRollups([[3620, 1]], 60, 3600, 3560)).toThrow(/after the closing/);
  });
});
