/**
 * Limits around every tool call: the shape of the arguments (nesting depth, string length) checked
 * before schema validation, rate limits per caller and per tool, and a timeout per call.
 *
 * Why the shape is checked first: ajv and handlers recurse over the arguments; a 10,000-level
 * array or a megabyte string costs CPU in every layer after the JSON parser. The check here is
 * iterative (its own stack), so no input can overflow it, and it stops at the first violation.
 *
 * Values come, most specific first, from the tool's spec entry (`timeoutMs`, `rateLimit`), the
 * environment (`MCP_*`, for operators), the spec's `limits:` block, then the defaults below.
 */
import { ToolError } from '../errors/index.js';
import { addDeadline, PendingDeadline } from './deadlines.js';
import { createMemoryRateLimiter, type RateLimiter } from '../rate-limit/index.js';
import type { CompiledValidator, ManifestLimits, ToolManifestEntry } from '../server/contract.js';

export { statusFor, withOutcomeStatus, type FetchHandler } from './http.js';
import { callerKey } from '../core/edge.js';

export type { ManifestLimits } from '../server/contract.js';

export interface Limits {
  perCallerPerMinute: number;
  timeoutMs: number;
  maxJsonDepth: number;
  maxStringLength: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  // Off by default: a per-caller limit needs a caller identity to be fair (anonymous HTTP callers
  // are keyed by address, which a proxy collapses into one); operators opt in.
  perCallerPerMinute: 0,
  timeoutMs: 60_000,
  maxJsonDepth: 64,
  maxStringLength: 100_000,
});

/** Environment variables that override the spec's `limits:` block (and name the knob in errors). */
export const LIMIT_ENV = Object.freeze({
  perCallerPerMinute: 'MCP_RATE_LIMIT_PER_MINUTE',
  timeoutMs: 'MCP_TOOL_TIMEOUT_MS',
  maxJsonDepth: 'MCP_MAX_JSON_DEPTH',
  maxStringLength: 'MCP_MAX_STRING_LENGTH',
} satisfies Record<keyof Limits, string>);

/** Error codes in `_meta["mcpforge/error"].code` of the tool errors this module produces. */
export enum LimitErrorCode {
  RateLimited = 'rate_limited',
  Timeout = 'timeout',
  LimitExceeded = 'limit_exceeded',
}

/**
 * The effective limits: the operator's overrides (`RuntimeConfig.limits`, validated with the other
 * settings at start) over the spec's `limits:` over the defaults.
 */
export function resolveLimits(spec: ManifestLimits | undefined, overrides: Partial<Limits> = {}): Limits {
  const out = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(DEFAULT_LIMITS) as Array<keyof Limits>) {
    const value = overrides[key] ?? spec?.[key];
    if (typeof value === 'number') out[key] = value;
  }
  return out;
}

export interface LimitViolation {
  limit: 'maxJsonDepth' | 'maxStringLength';
  /** JSON pointer of the offending value. */
  pointer: string;
  message: string;
}

/**
 * Checks nesting depth and string lengths (object keys included) without recursion. The root
 * object is depth 1. Returns the first violation, or undefined.
 */
export function checkArgumentShape(value: unknown, limits: Pick<Limits, 'maxJsonDepth' | 'maxStringLength'>): LimitViolation | undefined {
  // A value's JSON pointer is built only for a violation (from its parent chain): building one per
  // key of every call's arguments was most of this check's cost. Numbers, booleans and null
  // cannot violate anything and are not visited; the visiting order is otherwise unchanged, so the
  // first violation found is the same.
  const stack: ShapeFrame[] = [{ value, depth: 0, parent: undefined, key: '' }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    const v = item.value;
    if (typeof v === 'string') {
      if (v.length > limits.maxStringLength) return stringViolation(pointerOf(item), v.length, limits.maxStringLength);
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    const depth = item.depth + 1;
    if (depth > limits.maxJsonDepth) {
      const path = pointerOf(item);
      return {
        limit: 'maxJsonDepth',
        pointer: path || '/',
        message: `${path || '/'} nests deeper than ${limits.maxJsonDepth} levels, the maximum JSON depth (raise ${LIMIT_ENV.maxJsonDepth} or limits.maxJsonDepth in mcpforge.yaml to allow more)`,
      };
    }
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) {
        const child: unknown = v[i];
        if (typeof child === 'string' || (typeof child === 'object' && child !== null)) stack.push({ value: child, depth, parent: item, key: i });
      }
      continue;
    }
    for (const key in v) {
      if (!Object.hasOwn(v, key)) continue;
      if (key.length > limits.maxStringLength) return stringViolation(`${pointerOf(item)}/(key)`, key.length, limits.maxStringLength);
      const child = (v as Record<string, unknown>)[key];
      if (typeof child === 'string' || (typeof child === 'object' && child !== null)) stack.push({ value: child, depth, parent: item, key });
    }
  }
  return undefined;
}

/** A value met by `checkArgumentShape`: its parent and its key there make its JSON pointer. */
interface ShapeFrame {
  value: unknown;
  depth: number;
  parent: ShapeFrame | undefined;
  key: string | number;
}

function pointerOf(frame: ShapeFrame): string {
  let path = '';
  for (let f: ShapeFrame | undefined = frame; f?.parent !== undefined; f = f.parent) {
    path = `/${typeof f.key === 'number' ? f.key : f.key.replace(/~/g, '~0').replace(/\//g, '~1')}${path}`;
  }
  return path;
}

function stringViolation(path: string, length: number, max: number): LimitViolation {
  return {
    limit: 'maxStringLength',
    pointer: path || '/',
    message: `${path || '/'} is a string of ${length} characters, longer than the maximum string length ${max} (raise ${LIMIT_ENV.maxStringLength} or limits.maxStringLength in mcpforge.yaml to allow more)`,
  };
}

/**
 * Wraps a compiled validator so the shape check runs first; a violation fails validation with one
 * error naming the limit (the SDK and the fast path then answer it like any invalid argument).
 */
export function withArgumentLimits(validate: CompiledValidator, limits: Pick<Limits, 'maxJsonDepth' | 'maxStringLength'>, onExceeded?: (violation: LimitViolation) => void): CompiledValidator {
  const wrapped: CompiledValidator = (data: unknown) => {
    const violation = checkArgumentShape(data, limits);
    if (violation) {
      onExceeded?.(violation);
      wrapped.errors = [{ instancePath: '', schemaPath: `#/x-mcpforge-limits/${violation.limit}`, keyword: violation.limit, params: { limit: limits[violation.limit] }, message: `arguments exceed a limit: ${violation.message}` }];
      return false;
    }
    const ok = validate(data);
    wrapped.errors = ok ? null : validate.errors;
    return ok;
  };
  return wrapped;
}

/**
 * Who a call counts against: the authenticated subject, else the anonymous caller's transport
 * peer (HTTP: the client address; stdio: the one process at the other end of the pipe).
 */
export { callerKey };

export interface CallLimiterOptions {
  limits: Pick<Limits, 'perCallerPerMinute'>;
  /** Shared with the call guard (Redis in production); defaults to an in-memory one. */
  limiter?: RateLimiter;
  /** Called on every refusal (metrics, audit). */
  onLimited?: (tool: string, scope: 'caller' | 'tool') => void;
}

export interface CallLimiter {
  /**
   * Whether any limit counts calls of `entry` (a per-caller limit, or the tool's own): when none
   * does, `check` would do nothing, and the policy stage skips it and its promise.
   */
  applies(entry: ToolManifestEntry): boolean;
  /** Counts one call; throws a `rate_limited` ToolError (with `retryAfterSeconds`) when over a limit. */
  check(entry: ToolManifestEntry, caller: string): Promise<void>;
}

/**
 * @example
 * ```ts
 * const limiter = createCallLimiter({ limits: resolveLimits(manifest.limits) });
 * await limiter.check(entry, callerKey(ctx.auth, peer)); // throws ToolError code rate_limited
 * ```
 */
export function createCallLimiter(options: CallLimiterOptions): CallLimiter {
  const limiter = options.limiter ?? createMemoryRateLimiter();
  const perCaller = options.limits.perCallerPerMinute;
  const refuse = (entry: ToolManifestEntry, scope: 'caller' | 'tool', limit: number, resetMs: number): never => {
    options.onLimited?.(entry.name, scope);
    const retryAfterSeconds = Math.max(1, Math.ceil(resetMs / 1000));
    const what = scope === 'tool' ? `${entry.name} (${limit} calls per minute per caller)` : `this caller (${limit} calls per minute across all tools)`;
    throw new ToolError(`Rate limit reached for ${what}; retry in ${retryAfterSeconds} s.`, {
      code: LimitErrorCode.RateLimited,
      data: { retryAfterSeconds, scope, limit },
    });
  };
  return {
    applies: (entry) => perCaller > 0 || entry.rateLimit !== undefined,
    async check(entry, caller) {
      if (perCaller > 0) {
        const d = await limiter.hit(`caller:${caller}`, perCaller);
        if (!d.allowed) refuse(entry, 'caller', perCaller, d.resetMs);
      }
      if (entry.rateLimit) {
        const d = await limiter.hit(`${entry.name}:${caller}`, entry.rateLimit.perMinute);
        if (!d.allowed) refuse(entry, 'tool', entry.rateLimit.perMinute, d.resetMs);
      }
    },
  };
}

/** The timeout of one tool: its spec `timeoutMs`, else the server default. */
export function toolTimeoutMs(entry: ToolManifestEntry, limits: Pick<Limits, 'timeoutMs'>): number {
  return typeof entry.timeoutMs === 'number' && entry.timeoutMs > 0 ? entry.timeoutMs : limits.timeoutMs;
}

/**
 * Runs `fn` with a deadline. On timeout the controller aborts (handlers see `ctx.signal` fire) and
 * the returned promise rejects with a `timeout` ToolError right away; the handler's own promise is
 * left to settle in the background (its result is dropped, a late failure is only logged).
 */
/**
 * An abort source whose `AbortController` is created only when its signal is read: the timeout of
 * a call that never looks at `ctx.signal` needs no signal at all (creating one per call showed as
 * ~2% of a fast-path call's CPU). An abort before the first read yields an already-aborted signal.
 */
export function lazyAbortController(): Pick<AbortController, 'abort' | 'signal'> {
  return new LazyAbortController();
}

/** A class rather than an object literal with a getter: literals whose getters differ per object cannot share a hidden class (one per call). */
class LazyAbortController {
  #controller: AbortController | undefined;
  #aborted: { reason: unknown } | undefined;

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#aborted.reason);
    }
    return this.#controller.signal;
  }

  abort(reason?: unknown): void {
    if (this.#controller) this.#controller.abort(reason);
    else this.#aborted ??= { reason };
  }
}

/**
 * Runs `fn` under the tool's timeout, with what happens next folded in: `onValue` maps the call's
 * value, `onError` its error or the timeout (both may throw), and the promise this returns settles
 * with their result directly (the policy stage audited in a `.then` of a separate timeout promise
 * before: one more promise, reaction and microtask turn on every asynchronous call).
 *
 * A synchronous `fn` (a handler that returned a plain value) gets `onValue(value)` back as it is,
 * with no timer and no promise: nothing can interrupt JavaScript that runs to completion, and a
 * timer set before it could only fire after its result was taken (microtasks run before timers),
 * so such a call never timed out before either. A synchronous throw propagates (not given to
 * `onError`). A promise gets a deadline (deadlines.ts), counted from before `fn` ran.
 */
export function runUnderDeadline<T, R>(
  tool: string,
  timeoutMs: number,
  controller: Pick<AbortController, 'abort'>,
  fn: () => T | Promise<T>,
  onLate: ((error: unknown) => void) | undefined,
  onValue: (value: T) => R,
  onError: (error: unknown) => R,
): R | Promise<R> {
  const started = performance.now();
  const value = fn();
  if (!(value instanceof Promise)) return onValue(value);
  return new Promise<R>((resolve, reject) => {
    const call = new TimedCall<T, R>(tool, timeoutMs, controller, resolve, reject, onLate, onValue, onError);
    // Due when it was due when a timer was set before `fn` ran (deadlines.ts: no timer per call).
    addDeadline(call, timeoutMs, started);
    value.then(
      (result) => call.resolved(result),
      (error: unknown) => call.rejected(error),
    );
  });
}

/** An asynchronous call under its deadline: whichever comes first, its settling or the deadline, answers. */
class TimedCall<T, R> extends PendingDeadline {
  private done = false;

  constructor(
    private readonly tool: string,
    private readonly timeoutMs: number,
    private readonly controller: Pick<AbortController, 'abort'>,
    private readonly resolve: (value: R) => void,
    private readonly reject: (error: unknown) => void,
    private readonly onLate: ((error: unknown) => void) | undefined,
    private readonly onValue: (value: T) => R,
    private readonly onError: (error: unknown) => R,
  ) {
    super();
  }

  expire(): void {
    if (this.done) return;
    this.done = true;
    const error = new ToolError(
      `Tool ${this.tool} did not finish within ${this.timeoutMs} ms and was cancelled; retry later, or raise its timeoutMs in mcpforge.yaml (server default: ${LIMIT_ENV.timeoutMs}).`,
      { code: LimitErrorCode.Timeout, data: { timeoutMs: this.timeoutMs } },
    );
    this.controller.abort(error);
    this.answer(this.onError, error);
  }

  resolved(result: T): void {
    this.settle();
    if (this.done) return;
    this.done = true;
    this.answer(this.onValue, result);
  }

  rejected(error: unknown): void {
    this.settle();
    if (this.done) return this.onLate?.(error);
    this.done = true;
    this.answer(this.onError, error);
  }

  private answer<V>(next: (value: V) => R, value: V): void {
    let out: R;
    try {
      out = next(value);
    } catch (error) {
      return this.reject(error);
    }
    this.resolve(out);
  }
}
