/**
 * Waiting for what a check reads. A check never follows a fixed pause: it
 * waits until everything it reads has arrived, with a time limit, and when the
 * limit passes it says what is still missing.
 */
import { sleep } from "./processes";

/** Polls `condition` until it holds (true) or `timeoutMs` has passed (false); a throwing condition counts as not yet. */
export async function waitUntil(condition: () => Promise<boolean> | boolean, timeoutMs: number, pollMs = 1000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await Promise.resolve().then(condition).catch(() => false)) return true;
    if (Date.now() >= deadline) return false;
    await sleep(pollMs);
  }
}

/** Like waitUntil, but a timeout is an error that names what did not happen. */
export async function expectWithin(what: string, condition: () => Promise<boolean> | boolean, timeoutMs: number, pollMs = 1000): Promise<void> {
  if (!(await waitUntil(condition, timeoutMs, pollMs))) throw new Error(`${what} did not happen within ${timeoutMs / 1000} s`);
}

/** The last attempt of `untilPassing`, whether it passed, and the seconds from `since` until it did (or until the limit). */
export interface Settled<T> {
  readonly result: T;
  readonly passed: boolean;
  readonly seconds: number;
}

export interface UntilPassingOptions<T> {
  /** What is waited for, for the message at the limit. */
  readonly what: string;
  readonly timeoutMs: number;
  /** Pause between attempts. @default 5000 */
  readonly pollMs?: number;
  /** What is still missing in a failed attempt, for the message at the limit. */
  readonly missing: (result: T) => string;
  /** Start of the `seconds` figure. @default the call */
  readonly since?: number;
  readonly log: (line: string) => void;
}

/**
 * Runs `attempt` (a full set of checks) until it passes or the limit passes,
 * and returns the last attempt: the checks are the wait condition, so nothing
 * is read before all of it has arrived, and a check that never passes is
 * reported with what it still found.
 */
export async function untilPassing<T>(attempt: () => Promise<T>, passed: (result: T) => boolean, options: UntilPassingOptions<T>): Promise<Settled<T>> {
  const since = options.since ?? Date.now();
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const result = await attempt();
    const seconds = (Date.now() - since) / 1000;
    if (passed(result)) return { result, passed: true, seconds };
    if (Date.now() >= deadline) {
      options.log(`${options.what}: still missing after ${options.timeoutMs / 1000} s: ${options.missing(result)}`);
      return { result, passed: false, seconds };
    }
    await sleep(options.pollMs ?? 5000);
  }
}

/** untilPassing for a list of check rows: passes when every row does; names the rows that do not. */
export async function untilAllRowsPass<T extends { readonly passed: boolean }>(
  attempt: () => Promise<readonly T[]>,
  describe: (row: T) => string,
  options: Omit<UntilPassingOptions<readonly T[]>, "missing">,
): Promise<Settled<readonly T[]>> {
  return untilPassing(attempt, (rows) => rows.length > 0 && rows.every((row) => row.passed), {
    ...options,
    missing: (rows) => (rows.length === 0 ? "no rows at all" : rows.filter((row) => !row.passed).map(describe).join("; ")),
  });
}
