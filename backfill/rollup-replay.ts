import { CLOSED } from "../renderers/recording-rules";

/** A sample: [time, value], times in any one unit (seconds in the bench, milliseconds in the backfill). */
export type Sample = [number, number];

/** What the rollup rules write for one series: its running sums and its window totals, in time order. */
export interface ReplayedRollups {
  readonly runningSums: Sample[];
  readonly totals: Sample[];
  /**
   * Start of the window closed at `closeAt` before its last evaluation, if
   * one was: per-interval sums after it belong to a window that the running
   * rules continue, so the caller labels them apart (see backfill.ts).
   */
  readonly closedEarlyAfter?: number;
}

/**
 * What the rollup rules (renderers/recording-rules.ts) write for one series,
 * from its per-interval sums in time order, with Prometheus up throughout:
 * the running sum at every evaluation from a rollup window's first growth
 * until its last evaluation, which writes the window's total and the running
 * sum as CLOSED. Windows are right-closed, (end - window, end], aligned to the
 * clock; the evaluations are `interval` apart, at the times of the sums.
 *
 * `closeAt`, an evaluation time at or after the last sum, closes the last
 * window there if it would close later: the backfill ends at a window the
 * running rules wrote their own sums for.
 */
export function replayRollups(sums: readonly Sample[], interval: number, window: number, closeAt = Infinity): ReplayedRollups {
  // Sums another Prometheus wrote (before an upgrade) can lie a millisecond off the grid of the
  // first sum and of closeAt: a time within half an interval of an evaluation belongs to it.
  const slack = interval / 2;
  if (sums.length > 0 && sums[sums.length - 1][0] > closeAt + slack) throw new Error(`a per-interval sum at ${sums[sums.length - 1][0]} comes after the closing at ${closeAt}`);
  const runningSums: Sample[] = [];
  const totals: Sample[] = [];
  let closedEarlyAfter: number | undefined;
  let next = 0;
  while (next < sums.length) {
    const first = sums[next][0];
    const windowEnd = Math.ceil(first / window) * window;
    const lastOfWindow = first + Math.floor((windowEnd - first) / interval) * interval;
    // The evaluation of this grid that closeAt stands for.
    const closing = closeAt < lastOfWindow - slack ? first + Math.round((closeAt - first) / interval) * interval : lastOfWindow;
    if (closing < lastOfWindow) closedEarlyAfter = windowEnd - window;
    let runningSum = 0;
    for (let at = first; at <= closing; at += interval) {
      while (next < sums.length && sums[next][0] <= at + slack) runningSum += sums[next++][1];
      runningSums.push([at, at < closing ? runningSum : CLOSED]);
    }
    totals.push([closing, runningSum]);
  }
  return { runningSums, totals, closedEarlyAfter };
}
