/**
 * A scripted stand-in for the Anthropic Messages API, the one part of the test
 * that is not the real program. It answers POST /v1/messages with the streaming
 * events the real API sends, following a script per session (with failed
 * attempts, delays and refusals where the script asks for them), and records
 * the usage numbers of every answer and every failure it served: that record
 * is the token oracle and half of the errors' oracle.
 */
import * as http from "http";
import { AddressInfo } from "net";

export interface Usage {
  readonly input: number;
  readonly output: number;
  readonly cacheRead: number;
  readonly cacheCreation: number;
}

/** How one attempt at a request fails: an HTTP error status, or the connection closed without an answer. */
export type Failure = { readonly status: number } | { readonly drop: true };

/** What the stand-in does besides answering a turn. */
interface TurnFaults {
  /** Attempts that fail, in order, before the answer; the CLI retries each. @default none */
  readonly failures?: readonly Failure[];
  /** Milliseconds the answer waits before its first byte. @default 0 */
  readonly delayMs?: number;
  /** Ends the answer with stop reason refusal (text turns only). @default false */
  readonly refusal?: boolean;
}

/** One answer of the model: text, or a tool call the CLI will run. */
export type Turn = TurnFaults &
  ({ readonly text: string; readonly usage: Usage } | { readonly tool: string; readonly input: Record<string, unknown>; readonly usage: Usage });

/** What the stand-in answered, for the oracle. */
export interface ServedAnswer {
  /** Session tag found in the prompt (its session's, for a subagent's answer), or "untagged". */
  readonly tag: string;
  /** Tag of the subagent's own script, for an answer to a subagent. @default - the main conversation */
  readonly subagent?: string;
  /** The Claude Code session that asked (from the request's metadata). */
  readonly sessionId?: string;
  /** Index of the turn in the session's script (-1 outside the script). */
  readonly turn: number;
  readonly model: string;
  readonly usage: Usage;
}

/** All tokens of one answer, of every type. */
export function totalOf(usage: Usage): number {
  return usage.input + usage.output + usage.cacheRead + usage.cacheCreation;
}

/**
 * Usage of answers to requests that no script covers: none with Claude Code
 * 2.1.332; older releases send warm-ups and side requests, answered with no
 * usage, since one still in flight when the CLI exits is counted nowhere.
 */
export const UNTAGGED_USAGE: Usage = { input: 0, output: 0, cacheRead: 0, cacheCreation: 0 };

/** A failed attempt the stand-in served, for the oracle. */
export interface FailedAttempt {
  readonly tag: string;
  readonly model: string;
  /** Index of the turn in the session's script. */
  readonly turn: number;
  /** HTTP status, or "drop" for a closed connection. */
  readonly failure: number | "drop";
  /** When the attempt arrived (ms since the epoch). */
  readonly at: number;
}

/**
 * Failed attempts ask the CLI to retry. No retry-after-ms: Claude Code 2.1.332
 * takes 0 for no header and backs off on its own (0.5 to 1.3 s between
 * attempts in the test's runs), so CLAUDE_CODE_MAX_RETRIES alone keeps a
 * failing request short.
 */
const RETRY = { "x-should-retry": "true" };

const TAG = /\[e2e:([a-z0-9-]+)\]/g;

/**
 * The session id Claude Code puts in a request's metadata.user_id: a JSON
 * object with session_id (2.1.332), or "user_…_account_…_session_<id>" (2.1.0).
 */
function sessionOf(message: any): string | undefined {
  return /session_(?:id":")?([0-9a-f-]{36})/.exec(String(message.metadata?.user_id ?? ""))?.[1];
}

/**
 * The tag of the last prompt that carries one (a resumed session's new prompt
 * may name a script of its own); tags in answers, such as a subagent's prompt
 * in an Agent tool call, do not count.
 */
function promptTag(messages: readonly any[]): string | undefined {
  const prompts = messages
    .filter((message) => message.role === "user")
    .flatMap((message) => (typeof message.content === "string" ? [message.content] : (message.content as any[]).filter((part) => part.type === "text").map((part) => part.text)));
  return [...prompts.join("\n").matchAll(TAG)].at(-1)?.[1];
}

export class AnthropicStandIn {
  readonly served: ServedAnswer[] = [];
  readonly failed: FailedAttempt[] = [];
  private readonly scripts = new Map<string, readonly Turn[]>();
  /** The session tag of each subagent's script tag. */
  private readonly sessionOfSubagent = new Map<string, string>();
  private server?: http.Server;
  private counter = 0;

  /** Answers to requests whose prompt carries `[e2e:tag]`: the nth answer of a conversation is turns[n]. */
  script(tag: string, turns: readonly Turn[]): void {
    this.scripts.set(tag, turns);
  }

  /**
   * Answers to a subagent the session `sessionTag` starts with a prompt that
   * carries `[e2e:tag]`; they are recorded under the session's tag.
   */
  scriptSubagent(sessionTag: string, tag: string, turns: readonly Turn[]): void {
    this.scripts.set(tag, turns);
    this.sessionOfSubagent.set(tag, sessionTag);
  }

  async start(): Promise<string> {
    this.server = http.createServer((request, response) => this.handle(request, response));
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      if (request.method !== "POST" || !request.url?.startsWith("/v1/messages")) {
        response.writeHead(404, { "content-type": "application/json" });
        response.end(JSON.stringify({ type: "error", error: { type: "not_found_error", message: "not scripted" } }));
        return;
      }
      if (request.url.startsWith("/v1/messages/count_tokens")) {
        response.writeHead(200, { "content-type": "application/json" });
        response.end(JSON.stringify({ input_tokens: 0 }));
        return;
      }
      const message = JSON.parse(body);
      const { tag, index, turn } = this.turnFor(message);
      const failure = this.nextFailure(tag, index, turn);
      if (failure) {
        this.failed.push({ tag, model: message.model, turn: index, failure: "drop" in failure ? "drop" : failure.status, at: Date.now() });
        this.fail(request, response, failure);
        return;
      }
      const session = this.sessionOfSubagent.get(tag);
      const asked = { turn: index, model: message.model, usage: turn.usage, sessionId: sessionOf(message) };
      this.served.push(session ? { tag: session, subagent: tag, ...asked } : { tag, ...asked });
      setTimeout(() => (message.stream ? this.stream(response, message.model, turn) : this.reply(response, message.model, turn)), turn.delayMs ?? 0);
    });
  }

  /** The failure this attempt at a turn gets, if the turn's failures are not used up. */
  private nextFailure(tag: string, index: number, turn: Turn): Failure | undefined {
    const attempts = this.failed.filter((attempt) => attempt.tag === tag && attempt.turn === index).length;
    return turn.failures?.[attempts];
  }

  private fail(request: http.IncomingMessage, response: http.ServerResponse, failure: Failure): void {
    if ("drop" in failure) {
      request.socket.destroy();
      return;
    }
    const type = { 429: "rate_limit_error", 529: "overloaded_error" }[failure.status] ?? "api_error";
    response.writeHead(failure.status, { "content-type": "application/json", ...RETRY });
    response.end(JSON.stringify({ type: "error", error: { type, message: `scripted ${failure.status}` } }));
  }

  private turnFor(message: any): { tag: string; index: number; turn: Turn } {
    const tag = promptTag(message.messages ?? []);
    const turns = tag ? this.scripts.get(tag) : undefined;
    // Only the main conversation carries tools; side requests get a plain answer.
    if (!tag || !turns || !(message.tools?.length > 0)) {
      return { tag: tag ?? "untagged", index: -1, turn: { text: "OK.", usage: UNTAGGED_USAGE } };
    }
    const answered = (message.messages as any[]).filter((m) => m.role === "assistant").length;
    const turn = turns[answered];
    if (!turn) throw new Error(`session ${tag} asked for answer ${answered + 1}, the script has ${turns.length}`);
    return { tag, index: answered, turn };
  }

  private stream(response: http.ServerResponse, model: string, turn: Turn): void {
    const id = `msg_e2e_${++this.counter}`;
    response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const send = (type: string, data: object) => response.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
    send("message_start", {
      message: {
        id,
        type: "message",
        role: "assistant",
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: {
          input_tokens: turn.usage.input,
          output_tokens: 1,
          cache_read_input_tokens: turn.usage.cacheRead,
          cache_creation_input_tokens: turn.usage.cacheCreation,
        },
      },
    });
    if ("tool" in turn) {
      send("content_block_start", { index: 0, content_block: { type: "tool_use", id: `toolu_e2e_${this.counter}`, name: turn.tool, input: {} } });
      send("content_block_delta", { index: 0, delta: { type: "input_json_delta", partial_json: JSON.stringify(turn.input) } });
    } else {
      send("content_block_start", { index: 0, content_block: { type: "text", text: "" } });
      send("content_block_delta", { index: 0, delta: { type: "text_delta", text: turn.text } });
    }
    send("content_block_stop", { index: 0 });
    send("message_delta", {
      delta: { stop_reason: stopReason(turn), stop_sequence: null },
      usage: { output_tokens: turn.usage.output },
    });
    send("message_stop", {});
    response.end();
  }

  private reply(response: http.ServerResponse, model: string, turn: Turn): void {
    const content =
      "tool" in turn
        ? [{ type: "tool_use", id: `toolu_e2e_${this.counter}`, name: turn.tool, input: turn.input }]
        : [{ type: "text", text: turn.text }];
    response.writeHead(200, { "content-type": "application/json" });
    response.end(
      JSON.stringify({
        id: `msg_e2e_${++this.counter}`,
        type: "message",
        role: "assistant",
        model,
        content,
        stop_reason: stopReason(turn),
        stop_sequence: null,
        usage: {
          input_tokens: turn.usage.input,
          output_tokens: turn.usage.output,
          cache_read_input_tokens: turn.usage.cacheRead,
          cache_creation_input_tokens: turn.usage.cacheCreation,
        },
      }),
    );
  }
}

function stopReason(turn: Turn): string {
  if ("tool" in turn) return "tool_use";
  return turn.refusal ? "refusal" : "end_turn";
}
