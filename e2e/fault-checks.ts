/**
 * Checks that the CLI's events, the Health dashboard's oracle, agree with what
 * the stand-in API did to it: one api_error and one api_retries_exhausted per
 * request that failed on every attempt, with the status of its last attempt;
 * nothing for failures a retry recovered from; one api_refusal per refusal;
 * and request durations at least as long as the scripted delays.
 */
import { ABSENT, EventLabel, EventMetric } from "../telemetry/catalog";
import { AnthropicStandIn, FailedAttempt } from "./anthropic-stand-in";
import { attributeOf } from "./event-metrics";
import { ClaudeEvent, EventReceiver } from "./event-receiver";
import type { CheckRow } from "../testkit/report";
import { MAX_RETRIES, SessionRun } from "./scenario";

export function faultChecks(runs: readonly SessionRun[], standIn: AnthropicStandIn, receiver: EventReceiver): CheckRow[] {
  const requests = failedRequests(standIn.failed);
  const exhausted = requests.filter((attempts) => attempts.length === MAX_RETRIES + 1);
  const recovered = requests.filter((attempts) => attempts.length <= MAX_RETRIES);
  const statusOfAttempt = (attempt: FailedAttempt) => (attempt.failure === "drop" ? ABSENT : String(attempt.failure));
  const statusOfEvent = (event: ClaudeEvent) => String(attributeOf(event, EventLabel.statusCode) ?? ABSENT);
  const errors = receiver.named(EventMetric.apiErrors.event);
  const sessionOf = new Map(runs.map((run) => [run.plan.tag, run.sessionId]));
  const recoveredSessions = new Set(recovered.map((attempts) => sessionOf.get(attempts[0].tag)));
  const refusals = runs.flatMap((run) => run.plan.turns.filter((turn) => turn.refusal)).length;

  const rows: CheckRow[] = [
    sameList(
      "api_error status_code (529 from its message) = last status of each request failed on every attempt",
      errors.map(statusOfEvent),
      exhausted.map((attempts) => statusOfAttempt(attempts[attempts.length - 1])),
    ),
    sameList(
      "api_retries_exhausted status_code = the same",
      receiver.named(EventMetric.apiRetriesExhausted.event).map(statusOfEvent),
      exhausted.map((attempts) => statusOfAttempt(attempts[attempts.length - 1])),
    ),
    count(
      `api_error events in sessions with only recovered failures (${recovered.flat().map(statusOfAttempt).join(", ")})`,
      errors.filter((event) => recoveredSessions.has(String(event.attributes["session.id"]))).length,
      0,
    ),
    count("api_refusal events = refusals the stand-in answered", receiver.named(EventMetric.apiRefusals.event).length, refusals),
  ];
  return [...rows, ...delayChecks(runs, standIn, receiver)];
}

/** The failed attempts at each request (a session's turn), in the order they came. */
export function failedRequests(failed: readonly FailedAttempt[]): FailedAttempt[][] {
  const byRequest = new Map<string, FailedAttempt[]>();
  for (const attempt of failed) {
    const key = `${attempt.tag}#${attempt.turn}`;
    byRequest.set(key, [...(byRequest.get(key) ?? []), attempt]);
  }
  return [...byRequest.values()];
}

/**
 * Each delayed answer's api_request event lasted at least the delay: the nth
 * event of a session is its nth answer; in a session that several processes
 * resumed (their events interleave), the longest events of the session, one
 * per delayed answer, longest with longest, since the undelayed take milliseconds.
 */
function delayChecks(runs: readonly SessionRun[], standIn: AnthropicStandIn, receiver: EventReceiver): CheckRow[] {
  return runs.flatMap((run) => {
    const answers = standIn.served.filter((answer) => answer.tag === run.plan.tag && answer.sessionId === run.sessionId);
    const events = receiver
      .named(EventMetric.apiRequests.event)
      .filter((event) => event.attributes["session.id"] === run.sessionId)
      .sort((a, b) => Number(a.attributes["event.sequence"]) - Number(b.attributes["event.sequence"]));
    const shared = runs.filter((other) => other.sessionId === run.sessionId).length > 1;
    const longest = [...events].sort((a, b) => Number(b.attributes.duration_ms) - Number(a.attributes.duration_ms));
    const delays = answers.map((answer) => run.plan.turns[answer.turn]?.delayMs).filter((delay): delay is number => delay !== undefined);
    const delayed = shared
      ? [...delays].sort((a, b) => b - a).map((delay, index) => ({ delay, event: longest[index] }))
      : answers.map((answer, index) => ({ delay: run.plan.turns[answer.turn]?.delayMs, event: events[index] })).filter((pair) => pair.delay);
    if (delayed.length === 0) return [];
    const durations = delayed.map((pair) => Number(pair.event?.attributes.duration_ms));
    return [
      {
        panel: `${run.plan.tag}: api_request duration_ms of the delayed answers >= their scripted delays`,
        found: durations.join(", "),
        expected: delayed.map((pair) => `>= ${pair.delay}`).join(", "),
        passed: delayed.every((pair, index) => durations[index] >= pair.delay!),
      },
    ];
  });
}

function sameList(panel: string, found: readonly string[], expected: readonly string[]): CheckRow {
  const [a, b] = [[...found].sort().join(", "), [...expected].sort().join(", ")];
  return { panel, found: a || "none", expected: b || "none", passed: a === b };
}

function count(panel: string, found: number, expected: number): CheckRow {
  return { panel, found: String(found), expected: String(expected), passed: found === expected };
}
