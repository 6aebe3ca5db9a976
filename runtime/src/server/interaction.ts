/**
 * Asking the client for input from inside a handler: `ctx.elicit(...)` and `ctx.sample(...)`, and
 * `ctx.clientLog(...)` for log messages meant for the client.
 *
 * One mechanism serves both protocol eras. A handler awaits `ctx.elicit(...)` like a function call;
 * underneath, the first time it is reached the call throws `InputNeeded`, the tool call answers
 * `inputRequired(...)` (protocol 2026-07-28: the client fulfils the request and retries the call;
 * 2025 sessions and stdio: the SDK's legacy shim sends a real `elicitation/create` or
 * `sampling/createMessage` request and re-enters the handler; stateless HTTP correlates the client's
 * reply POST in transports/pending-replies.ts). On re-entry the handler runs again
 * from the start and each `ctx.elicit`/`ctx.sample` returns the answer recorded for its position,
 * so a handler may ask several times in sequence. Earlier answers travel in `requestState`, signed
 * with an HMAC so that a client cannot forge them (`MCP_REQUEST_STATE_SECRET` shares the key across
 * replicas; without it each process draws its own).
 *
 * What this asks of handlers: the work before an `await ctx.elicit(...)` runs once per round, so
 * side effects belong after the last question (or must be idempotent).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  inputRequired,
  inputResponse,
  CLIENT_CAPABILITIES_META_KEY,
  type ClientCapabilities,
  type CreateMessageRequest,
  type Root,
  type CreateMessageResult,
  type ElicitRequestFormParams,
  type ElicitResult,
  type InputRequest,
  type InputRequiredResult,
  type LoggingLevel,
  type ServerContext,
} from '@modelcontextprotocol/server';
import type { Logger } from 'pino';
import { ToolError } from '../errors/index.js';

/** What `ctx.elicit` sends: a message and a flat object schema of the fields to ask for. */
export type ElicitParams = Omit<ElicitRequestFormParams, 'mode'>;
/** What `ctx.sample` sends (`sampling/createMessage` params). */
export type SampleParams = CreateMessageRequest['params'];
export type { ClientCapabilities, CreateMessageResult as SampleResult, ElicitResult, LoggingLevel, Root };

/** Thrown by `ctx.elicit`/`ctx.sample` when the answer is not there yet; turned into `inputRequired`. */
export class InputNeeded extends Error {
  constructor(
    readonly requests: Record<string, InputRequest>,
    readonly answers: Record<string, unknown>,
  ) {
    super(`input required: ${Object.keys(requests).join(', ')}`);
    this.name = 'InputNeeded';
  }
}

/** One entry of `ctx.input({...})`: what to ask the client. */
export type InputAsk = { elicit: ElicitParams } | { sample: SampleParams } | { roots: true };
/** The answer to an `InputAsk`, by kind. */
export type InputAnswer = ElicitResult | CreateMessageResult | Root[];
/** Options of `ctx.elicit`/`ctx.sample`/`ctx.listRoots`. */
export interface AskOptions {
  /** The key of this input request on the wire (default: `mcpforge.<kind>.<position>`). */
  key?: string;
}

const STATE_VERSION = 'v1';

/** Signs and checks the answers that travel in `requestState` (one per server factory). */
export interface RequestStateCodec {
  /** Encodes the answers so far as `v1.<base64url json>.<hmac>`. */
  encode(answers: Record<string, unknown>): string;
  /** Decodes state minted by `encode`; anything else (tampered, foreign, stale key) is refused. */
  decode(state: unknown): Record<string, unknown> | undefined;
}

/**
 * A codec keyed by `secret` (`MCP_REQUEST_STATE_SECRET`, shared by replicas so any of them can
 * take the retry); without one, a random key of this process.
 */
export function createRequestStateCodec(secret?: string): RequestStateCodec {
  const key = secret ? Buffer.from(secret, 'utf8') : randomBytes(32);
  const sign = (payload: string): string => createHmac('sha256', key).update(payload).digest('base64url');
  return {
    encode(answers) {
      const payload = Buffer.from(JSON.stringify(answers), 'utf8').toString('base64url');
      return `${STATE_VERSION}.${payload}.${sign(payload)}`;
    },
    decode(state) {
      if (typeof state !== 'string') return undefined;
      const [version, payload, mac] = state.split('.');
      if (version !== STATE_VERSION || !payload || !mac) throw new ToolError('The request state sent with this retry is not valid for this server; call the tool again without it.');
      const expected = Buffer.from(sign(payload));
      const given = Buffer.from(mac);
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
        throw new ToolError('The request state sent with this retry failed its integrity check; call the tool again without it.');
      }
      try {
        const value: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
        if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
      } catch {
        // Falls through to the refusal below.
      }
      throw new ToolError('The request state sent with this retry could not be read; call the tool again without it.');
    },
  };
}

export interface ClientInteraction {
  elicit(params: ElicitParams, options?: AskOptions): Promise<ElicitResult>;
  sample(params: SampleParams, options?: AskOptions): Promise<CreateMessageResult>;
  listRoots(options?: AskOptions): Promise<Root[]>;
  input<K extends string>(asks: Record<K, InputAsk>): Promise<Record<K, InputAnswer>>;
  clientLog(level: LoggingLevel, data: unknown): Promise<void>;
  readonly clientCapabilities: ClientCapabilities | undefined;
}

/**
 * The client-facing part of one handler context. `sdkCtx` is undefined outside a request (tests,
 * completion callbacks): then elicit/sample fail with a clear tool error and clientLog only logs.
 */
export function createClientInteraction(sdkCtx: ServerContext | undefined, log: Logger, loggerName: string, codec?: RequestStateCodec): ClientInteraction {
  let answers: Record<string, unknown> | undefined;
  let position = 0;

  function recorded(): Record<string, unknown> {
    if (answers) return answers;
    // Verified and decoded by the server's requestState hook (`verifyRequestState`); a raw string
    // only when the hook is not installed.
    const state: unknown = sdkCtx?.mcpReq.requestState?.();
    answers = { ...((typeof state === 'string' ? codec?.decode(state) : (state as Record<string, unknown> | undefined)) ?? {}) };
    // Fresh answers of this round, keyed as they were asked.
    Object.assign(answers, sdkCtx?.mcpReq.inputResponses ?? {});
    return answers;
  }

  function requestOf(ask: InputAsk): InputRequest {
    if ('elicit' in ask) return inputRequired.elicit({ ...ask.elicit, mode: 'form' } as never);
    if ('sample' in ask) return inputRequired.createMessage(ask.sample);
    return inputRequired.listRoots();
  }

  function answerOf(key: string, ask: InputAsk, raw: unknown): InputAnswer {
    const view = inputResponse({ [key]: raw } as Record<string, unknown>, key);
    if ('elicit' in ask && view.kind === 'elicit') {
      return { action: view.action, ...(view.content === undefined ? {} : { content: view.content as ElicitResult['content'] }) } as ElicitResult;
    }
    if ('sample' in ask && view.kind === 'sampling') return view.result as CreateMessageResult;
    if ('roots' in ask && view.kind === 'roots') return view.roots;
    throw new ToolError(`The client's answer to input request "${key}" is not the kind of answer that was asked for.`);
  }

  /** Asks several questions in one round; answers come back together. */
  async function input<K extends string>(asks: Record<K, InputAsk>): Promise<Record<K, InputAnswer>> {
    if (!sdkCtx) throw new ToolError('Asking the client for input needs a client connection; it is not available here.');
    const known = recorded();
    const entries = Object.entries(asks) as Array<[K, InputAsk]>;
    const missing = entries.filter(([key]) => !(key in known));
    if (missing.length > 0) throw new InputNeeded(Object.fromEntries(missing.map(([key, ask]) => [key, requestOf(ask)])), known);
    return Object.fromEntries(entries.map(([key, ask]) => [key, answerOf(key, ask, known[key])])) as Record<K, InputAnswer>;
  }

  const one = async <T extends InputAnswer>(kind: string, ask: InputAsk, options: AskOptions | undefined): Promise<T> => {
    const key = options?.key ?? `mcpforge.${kind}.${position}`;
    position++;
    return (await input({ [key]: ask }))[key] as T;
  };

  return {
    elicit: (params, options) => one<ElicitResult>('elicit', { elicit: params }, options),
    sample: (params, options) => one<CreateMessageResult>('sample', { sample: params }, options),
    listRoots: (options) => one<Root[]>('roots', { roots: true }, options),
    input,
    get clientCapabilities() {
      // The SDK lifts the envelope out of `_meta`; the HTTP fast path hands the raw `_meta` over.
      const envelope = sdkCtx?.mcpReq.envelope as Record<string, unknown> | undefined;
      const meta = sdkCtx?.mcpReq._meta as Record<string, unknown> | undefined;
      return (envelope?.[CLIENT_CAPABILITIES_META_KEY] ?? meta?.[CLIENT_CAPABILITIES_META_KEY]) as ClientCapabilities | undefined;
    },
    async clientLog(level, data) {
      const pinoLevel = level === 'debug' ? 'debug' : level === 'info' || level === 'notice' ? 'info' : level === 'warning' ? 'warn' : 'error';
      log[pinoLevel]({ toClient: true, data }, typeof data === 'string' ? data : 'client log message');
      if (!sdkCtx) return;
      try {
        await sdkCtx.mcpReq.log(level, data, loggerName);
      } catch (error) {
        // Best effort, like progress: a closed stream must not fail the call.
        log.debug({ err: error }, 'client log message not delivered');
      }
    },
  };
}

/** The `inputRequired` answer for a handler that stopped at `ctx.elicit`/`ctx.sample`. */
export function inputRequiredFor(needed: InputNeeded, codec: RequestStateCodec): InputRequiredResult {
  // The state always travels (empty on the first round): the answers so far, signed.
  return inputRequired({ inputRequests: needed.requests, requestState: codec.encode(needed.answers) });
}

/** The servers' `requestState.verify` hook: decoded answers, or a rejection (-32602) for forged state. */
export function requestStateVerifier(codec: RequestStateCodec): (state: string) => Record<string, unknown> {
  return (state) => codec.decode(state) ?? {};
}

/**
 * Runs a tool call and answers `inputRequired` when the handler stopped at `ctx.elicit`/`ctx.sample`.
 * Sits outside the idempotency guard (so an unfinished call stores nothing) and inside the
 * rate-limit/audit policy (which turns any error into an error result).
 */
export function answeringInput<T>(call: () => T | Promise<T>, codec: RequestStateCodec): T | Promise<T> {
  // No async function: a call that answered synchronously (a handler returning a plain value) is
  // handed back as it is, with no promise or closure at all; a pending one gets one derived promise.
  let value: T | Promise<T>;
  try {
    value = call();
  } catch (error) {
    return new Promise<T>((resolve) => resolve(answered<T>(error, codec)));
  }
  return value instanceof Promise ? value.catch((error: unknown) => answered<T>(error, codec)) : value;
}

/** The `inputRequired` result for a handler that stopped for client input; any other error is rethrown. */
function answered<T>(error: unknown, codec: RequestStateCodec): T {
  if (error instanceof InputNeeded) return inputRequiredFor(error, codec) as T;
  throw error;
}
