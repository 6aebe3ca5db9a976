/**
 * The call guard every tool call passes through: rate limit first, then, for writing tools called
 * with an idempotency key, exactly-once execution.
 *
 * Idempotency keys: a client puts a key it chose (a UUID per logical operation, reused on every
 * retry of that operation) in the request's `_meta["mcpforge/idempotencyKey"]`. For a writing tool
 * (annotations, with MCP's defaults: not `readOnlyHint`, and `idempotentHint` not true or
 * `destructiveHint` not false) the handler runs inside one transaction whose `ctx.db` is the
 * transaction; its result is stored in `mcpforge_idempotency` in that same transaction. A retry with
 * the same key (same tool, same caller) returns the stored result and writes nothing; on PostgreSQL
 * a transaction-scoped advisory lock on the key makes a concurrent duplicate wait for the first and
 * then replay it. An error result rolls the transaction back and stores nothing, so a retry runs
 * again. Reusing a key with different arguments is refused.
 */
import { createHash } from 'node:crypto';
import type { CallToolResult } from '@modelcontextprotocol/server';
import { sql, type Kysely } from 'kysely';
import { Counter, type Registry } from '../observability/prom.js';
import { ToolError } from '../errors/index.js';
import type { RateLimiter } from '../rate-limit/index.js';
import type { HandlerContext, ToolManifestEntry } from '../server/contract.js';

/** Where a client puts its idempotency key: `params._meta["mcpforge/idempotencyKey"]`. */
export const IDEMPOTENCY_META_KEY = 'mcpforge/idempotencyKey';
/** Set to `true` in the `_meta` of a result replayed from storage. */
export const IDEMPOTENT_REPLAY_META_KEY = 'mcpforge/idempotentReplay';
const TABLE = 'mcpforge_idempotency';
const KEY_PATTERN = /^[\x21-\x7e]{1,200}$/;

export enum GuardErrorCode {
  /** A rate limit refused the call (raised by the limits module); `data.retryAfterSeconds` says when to retry. */
  RateLimited = 'rate_limited',
  /** `_meta["mcpforge/idempotencyKey"]` is not 1–200 printable ASCII characters. */
  InvalidIdempotencyKey = 'invalid_idempotency_key',
  /** The key was already used for this tool with different arguments. */
  IdempotencyKeyReused = 'idempotency_key_reused',
}

/** True for tools that change state, by their annotations with MCP's defaults applied. */
export function isWritingTool(entry: ToolManifestEntry): boolean {
  const a = entry.annotations ?? {};
  if (a.readOnlyHint === true) return false;
  return a.idempotentHint !== true || a.destructiveHint !== false;
}

export interface CallGuardOptions {
  db: Kysely<unknown>;
  dialect: 'sqlite' | 'postgres';
  /** Runs a transaction (with the storage's retry policy); defaults to Kysely's. */
  transaction?: <T>(fn: (trx: Kysely<unknown>) => Promise<T>) => Promise<T>;
  /** Shared with the limits module (rate limits per caller and per tool); see `CallGuard.limiter`. */
  limiter?: RateLimiter;
  /** Registry for `mcp_idempotent_replays_total`. */
  registry?: Registry;
}

export interface CallGuard {
  /**
   * Runs one tool call. `call` runs the handler with `ctx` (whose `db` may have been swapped for a
   * transaction) and returns its result; thrown errors propagate. A call without a key is `call`'s
   * own return, a plain result included (the synchronous lane of a handler that returned a value).
   */
  run(entry: ToolManifestEntry, args: unknown, ctx: HandlerContext<unknown>, meta: Record<string, unknown> | undefined, call: () => CallToolResult | Promise<CallToolResult>): CallToolResult | Promise<CallToolResult>;
  /** The limiter given in the options; the limits module's call policy counts calls on it. */
  readonly limiter?: RateLimiter;
}

class Rollback extends Error {
  constructor(readonly result: CallToolResult) {
    super('tool returned an error result; rolling back');
  }
}

/**
 * @example
 * ```ts
 * const guard = createCallGuard({ db: storage.db, dialect: storage.dialect, transaction: storage.transaction, limiter });
 * ```
 */
export function createCallGuard(options: CallGuardOptions): CallGuard {
  const transaction = options.transaction ?? (<T>(fn: (trx: Kysely<unknown>) => Promise<T>) => options.db.transaction().execute(fn));
  const replays = options.registry
    ? new Counter({
        name: 'mcp_idempotent_replays_total',
        help: 'Writing tool calls answered from a stored result (a retry with a known idempotency key)',
        labelNames: ['tool'] as const,
        registers: [options.registry],
      })
    : undefined;

  /** A call with an idempotency key to a writing tool: the key checked, the result stored in a transaction or replayed. */
  async function keyed(entry: ToolManifestEntry, args: unknown, ctx: HandlerContext<unknown>, key: unknown, call: () => CallToolResult | Promise<CallToolResult>): Promise<CallToolResult> {
    if (typeof key !== 'string' || !KEY_PATTERN.test(key)) {
      throw new ToolError(`_meta["${IDEMPOTENCY_META_KEY}"] must be 1 to 200 printable ASCII characters without spaces (a UUID is a good key).`, {
        code: GuardErrorCode.InvalidIdempotencyKey,
      });
    }
    const requestHash = hashArguments(args);
    const subject = ctx.auth.subject;
    try {
      return await transaction(async (trx) => {
        if (options.dialect === 'postgres') {
          // Serialises calls with the same key; released at commit or rollback.
          await sql`select pg_advisory_xact_lock(hashtextextended(${JSON.stringify([entry.name, subject, key])}, 0))`.execute(trx);
        }
        const row = await sql<{ request_hash: string; result: string }>`select request_hash, result from ${sql.table(TABLE)}
          where tool = ${entry.name} and subject = ${subject} and idempotency_key = ${key}`
          .execute(trx)
          .then((r) => r.rows[0]);
        if (row) {
          if (row.request_hash !== requestHash) {
            throw new ToolError(`Idempotency key ${key} was already used for ${entry.name} with different arguments; use a new key for a new operation.`, {
              code: GuardErrorCode.IdempotencyKeyReused,
            });
          }
          replays?.inc({ tool: entry.name });
          ctx.log.info({ idempotencyKey: key }, 'replayed a stored result for a retried call');
          const stored = JSON.parse(row.result) as CallToolResult;
          return { ...stored, _meta: { ...(stored._meta ?? {}), [IDEMPOTENT_REPLAY_META_KEY]: true } };
        }
        const outer = ctx.db;
        ctx.db = trx;
        let result: CallToolResult;
        try {
          result = await call();
        } finally {
          ctx.db = outer;
        }
        if (result.isError) throw new Rollback(result);
        await sql`insert into ${sql.table(TABLE)} (tool, subject, idempotency_key, request_hash, result, created_at)
          values (${entry.name}, ${subject}, ${key}, ${requestHash}, ${JSON.stringify(result)}, ${new Date().toISOString()})`.execute(trx);
        return result;
      });
    } catch (error) {
      if (error instanceof Rollback) return error.result;
      throw error;
    }
  }

  return {
    ...(options.limiter ? { limiter: options.limiter } : {}),
    run(entry, args, ctx, meta, call) {
      // Rate limits (per caller, per tool) are checked before this, by the limits module's call policy.
      const key = meta?.[IDEMPOTENCY_META_KEY];
      // Almost every call: no key, or a tool that does not write. Its own promise (or plain result)
      // is handed back as it is: an async function here added a promise and microtask turns to every tool call. A
      // synchronous throw of `call` still becomes a rejection, as in the async function.
      if (key === undefined || !isWritingTool(entry)) {
        try {
          return call();
        } catch (error) {
          return Promise.reject(error as Error);
        }
      }
      return keyed(entry, args, ctx, key, call);
    },
  };
}

/** SHA-256 of the arguments as canonical JSON (object keys sorted), so key order does not matter. */
export function hashArguments(args: unknown): string {
  return createHash('sha256').update(canonicalJson(args)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.keys(value as object)
    .sort()
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
  return `{${entries.join(',')}}`;
}
