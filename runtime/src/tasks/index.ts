/**
 * Tasks (extension `io.modelcontextprotocol/tasks`, protocol 2026-07-28): a tool marked `task:` in
 * the spec answers a client that declares the extension with a task handle at once and runs in the
 * background; the client polls `tasks/get` and may `tasks/cancel`, on any replica.
 *
 * Reached from dispatch (the server factory decides per call, after the policy stage's scope check
 * and validation; the call itself runs through the same policy: rate limits, timeout, audit), never
 * from a transport. State lives in the database (store.ts); a replica holds a lease on what it runs
 * and extends it while alive; every replica reaps tasks whose lease lapsed (failed with a reason,
 * or resumed when the tool is idempotent). Cancellation marks the row and aborts `ctx.signal` where
 * the task runs: locally, or through the `cancel` module's Redis channel on another replica.
 *
 * @example
 * ```ts
 * const tasks = createTasks({ db, registry, logger, cancellations });
 * const handle = await tasks.start({ tool: 'report', owner: 'sub:alice', run: (signal) => runTheCall(signal) });
 * ```
 */
import { randomUUID } from 'node:crypto';
import { ProtocolError, type CallToolResult } from '@modelcontextprotocol/server';
import { TASKS_EXTENSION_ID_V2, hasTaskClientCapabilityV2 } from '@modelcontextprotocol/ext-tasks/core/v2';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from '../observability/prom.js';
import type { Cancellations } from '../cancel/index.js';
import { ErrorCode } from '../errors/index.js';
import { createTaskStore, isTerminal, type TaskRecord, type TaskStatus, type TaskStore } from './store.js';

export { createTaskStore, isTerminal, type TaskRecord, type TaskStatus, type TaskStore } from './store.js';
export { TASKS_EXTENSION_ID_V2 as TASKS_EXTENSION_ID };

/** JSON-RPC error codes of the extension. */
export enum TaskErrorCode {
  /** Unknown, expired or another caller's task (the spec's "Invalid params" for a bad taskId). */
  InvalidParams = -32602,
  /** The tool must run as a task and the request did not declare the extension. */
  MissingRequiredClientCapability = -32021,
}

export interface TasksOptions {
  db: Kysely<unknown>;
  registry: Registry;
  logger: Logger;
  /** Where running tasks register so a `tasks/cancel` on any replica aborts them (Redis fan-out when attached). */
  cancellations: Cancellations;
  /** Retention of a task from its creation (`ttlMs` on the wire); default one hour. */
  ttlMs?: number;
  /** `pollIntervalMs` suggested to clients; default 1000. */
  pollIntervalMs?: number;
  /** Lease a replica holds on a task it runs, renewed at a third of it; default 15000. */
  leaseMs?: number;
  /** Aborts every running task (server shutdown). */
  shutdown?: AbortSignal;
  /** This replica's id in the `runner` column; random by default. */
  replicaId?: string;
  /**
   * Runs a task again on this replica after its first replica died: the tool's call for `record`,
   * or undefined when the tool may not run twice (then the task fails with a reason).
   */
  resume?: (record: TaskRecord) => StartTask['run'] | undefined;
}

/** Where a task's `ctx.progress` goes: the task's `statusMessage`. */
export type ProgressSink = (progress: number, total?: number, message?: string) => void;

/**
 * How a running task asks its client for input (`ctx.elicit`/`ctx.sample`/`ctx.listRoots`): the
 * task goes `input_required` with `requests` as its `inputRequests`, and this resolves with the
 * answers once `tasks/update` (on any replica) delivered one for every key; rejects when the task's
 * signal aborts (cancel, TTL, shutdown).
 */
export type InputAsker = (requests: Record<string, unknown>, signal: AbortSignal) => Promise<Record<string, unknown>>;

export interface StartTask {
  tool: string;
  /** The caller (the pipeline's identity key); only it sees the task. */
  owner: string;
  /** Kept for a resume on another replica (idempotent tools only). */
  arguments?: unknown;
  run: (signal: AbortSignal, progress: ProgressSink, ask: InputAsker) => Promise<CallToolResult>;
}

/** The wire `Task` (base of `CreateTaskResult` and `tasks/get` results). */
export interface WireTask {
  taskId: string;
  status: TaskStatus;
  statusMessage?: string;
  createdAt: string;
  lastUpdatedAt: string;
  ttlMs: number | null;
  pollIntervalMs?: number;
  [key: string]: unknown;
}

export interface Tasks {
  readonly store: TaskStore;
  readonly replicaId: string;
  /** Tasks running on this replica now. */
  readonly running: number;
  /** Creates the task durably, starts it in the background and returns the `CreateTaskResult`. */
  start(task: StartTask): Promise<WireTask & { resultType: 'task' }>;
  /** `tasks/get`: the owner's task with its result or error inlined. Throws -32602 when not found. */
  get(taskId: string, owner: string): Promise<WireTask & { resultType: 'complete' }>;
  /**
   * `tasks/update`: the client's answers to the task's outstanding `inputRequests` (others ignored);
   * the replica running it picks them up. Throws -32602 when not found.
   */
  update(taskId: string, owner: string, inputResponses: Record<string, unknown>): Promise<{ resultType: 'complete' }>;
  /** `tasks/cancel`: asks the replica running it to abort `ctx.signal`. Throws -32602 when not found. */
  cancel(taskId: string, owner: string): Promise<{ resultType: 'complete' }>;
  /** Heartbeat and reaping now (they also run on a timer). */
  tick(): Promise<void>;
  /** Stops the timers; tasks still running here are left to the lease (failed or resumed elsewhere). */
  close(): Promise<void>;
}

/** Whether a request's `_meta` declares the tasks extension in its per-request client capabilities. */
export function declaresTasks(meta: Record<string, unknown> | undefined): boolean {
  // The extension's own check reads request params (`params._meta[clientCapabilities].extensions`).
  return meta !== undefined && hasTaskClientCapabilityV2({ _meta: meta });
}

/** The -32021 error for a `task: required` tool called without the extension. */
export function missingTaskCapability(tool: string): ProtocolError {
  return new ProtocolError(
    TaskErrorCode.MissingRequiredClientCapability as number,
    `Missing required client capability: tool ${tool} runs only as a task; declare the ${TASKS_EXTENSION_ID_V2} extension in the request's client capabilities`,
    { requiredCapabilities: { extensions: { [TASKS_EXTENSION_ID_V2]: {} } } },
  );
}

/** The client-safe text of an internal-error result (the runtime's mapping of an unexpected handler error). */
function internalErrorOf(result: CallToolResult): string | undefined {
  const code = (result._meta?.['mcpforge/error'] as { code?: unknown } | undefined)?.code;
  if (!result.isError || code !== ErrorCode.Internal) return undefined;
  const text = result.content.find((c) => c.type === 'text');
  return text && 'text' in text ? text.text : 'Internal error';
}

const CANCEL_CALLER = (owner: string) => `task:${owner}`;
/** Progress lines are written at most this often per task. */
const PROGRESS_EVERY_MS = 250;

export function createTasks(options: TasksOptions): Tasks {
  const store = createTaskStore(options.db);
  const replicaId = options.replicaId ?? randomUUID();
  const ttlMs = options.ttlMs ?? 3_600_000;
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const leaseMs = options.leaseMs ?? 15_000;
  const log = options.logger.child({ module: 'tasks' });
  const active = new Gauge({
    name: 'mcp_tasks_active',
    help: 'Tasks this replica is running, by tool',
    labelNames: ['tool'] as const,
    registers: [options.registry],
  });
  const total = new Counter({
    name: 'mcp_tasks_total',
    help: 'Tasks ended on this replica, by tool and final status (completed, failed, cancelled)',
    labelNames: ['tool', 'status'] as const,
    registers: [options.registry],
  });
  const running = new Map<string, { controller: AbortController; tool: string; expiresAt: number | null }>();
  /** Why a task's own signal aborted (a client's cancel, or its TTL ran out while it ran). */
  const EXPIRED = 'the task ran past its time to live (MCP_TASK_TTL_MS)';
  let closed = false;
  /** Tasks of this replica waiting for input: woken at once by a `tasks/update` answered here. */
  const waiting = new Map<string, () => void>();

  function wire(record: TaskRecord): WireTask {
    return {
      taskId: record.taskId,
      status: record.status,
      ...(record.statusMessage === undefined ? {} : { statusMessage: record.statusMessage }),
      createdAt: new Date(record.createdAt).toISOString(),
      lastUpdatedAt: new Date(record.updatedAt).toISOString(),
      ttlMs: record.ttlMs,
      ...(record.pollIntervalMs === undefined ? {} : { pollIntervalMs: record.pollIntervalMs }),
    };
  }

  function notFound(taskId: string): ProtocolError {
    // One answer for unknown, expired and another caller's task: an id reveals nothing.
    return new ProtocolError(
      TaskErrorCode.InvalidParams as number,
      `Failed to retrieve task: Task not found (${taskId}); it may have expired, or belong to another caller`,
    );
  }

  function execute(record: TaskRecord, run: StartTask['run']): void {
    const controller = new AbortController();
    const signal = options.shutdown ? AbortSignal.any([controller.signal, options.shutdown]) : controller.signal;
    const release = options.cancellations.track(CANCEL_CALLER(record.owner), record.taskId, controller);
    running.set(record.taskId, { controller, tool: record.tool, expiresAt: record.expiresAt });
    active.inc({ tool: record.tool });
    let lastProgress = 0;
    const progress: ProgressSink = (done, of, message) => {
      const now = Date.now();
      if (now - lastProgress < PROGRESS_EVERY_MS) return;
      lastProgress = now;
      const line = `${of === undefined ? done : `${done}/${of}`}${message === undefined ? '' : `: ${message}`}`;
      store.progress(record.taskId, line, now).catch((error: unknown) => log.debug({ err: error, taskId: record.taskId }, 'task progress not stored'));
    };
    const ask: InputAsker = async (requests, askSignal) => {
      const keys = Object.keys(requests);
      if (!(await store.askInput(record.taskId, replicaId, requests, `waiting for the client's input: ${keys.join(', ')}`))) {
        throw new Error('the task ended while asking for input');
      }
      // Polled from the row (an answer may reach any replica); an answer on this replica wakes it at once.
      for (;;) {
        askSignal.throwIfAborted();
        const answers = await store.takeInput(record.taskId, replicaId);
        if (answers) return answers;
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            askSignal.removeEventListener('abort', done);
            waiting.delete(record.taskId);
            resolve();
          };
          const timer = setTimeout(done, Math.min(pollIntervalMs, 500));
          askSignal.addEventListener('abort', done, { once: true });
          waiting.set(record.taskId, done);
        });
      }
    };
    void (async () => {
      let result: CallToolResult | undefined;
      let thrown: unknown;
      try {
        result = await run(signal, progress, ask);
      } catch (error) {
        thrown = error;
      }
      let status: 'completed' | 'failed' | 'cancelled' | 'released' = 'failed';
      // The outcome is stored with a few retries (a database blip); if it still fails, the task is
      // no longer heartbeated here, so its lease lapses and a replica reaps it with a reason.
      for (let attempt = 1; ; attempt++) {
        try {
          if (controller.signal.aborted) {
            status = 'cancelled';
            await store.finish(record.taskId, {
              status,
              message: controller.signal.reason instanceof Error && controller.signal.reason.message === EXPIRED ? EXPIRED : 'cancelled by the client',
            });
          } else if (options.shutdown?.aborted && record.arguments !== undefined) {
            // This replica is stopping and the tool may run again: another replica resumes it now.
            status = 'released';
            await store.release(record.taskId, replicaId);
          } else if (options.shutdown?.aborted) {
            status = 'failed';
            await store.finish(record.taskId, {
              status,
              message: 'the server replica running this task shut down before it finished; call the tool again',
              error: {
                code: -32603,
                message: 'Task interrupted: server shutting down',
              },
            });
          } else if (result && internalErrorOf(result)) {
            // An unexpected error (not a ToolError) is a protocol-level failure of the task: `failed`
            // with the JSON-RPC error; a tool error stays a completed task with `isError` (the spec's split).
            status = 'failed';
            const message = internalErrorOf(result)!;
            await store.finish(record.taskId, { status, message, error: { code: -32603, message } });
          } else if (result) {
            status = 'completed';
            // Stored as the 2026-07-28 wire CallToolResult (with its resultType), inlined by tasks/get.
            await store.finish(record.taskId, {
              status,
              result: {
                ...(result as Record<string, unknown>),
                resultType: 'complete',
              },
            });
          } else {
            status = 'failed';
            log.error({ err: thrown, taskId: record.taskId, tool: record.tool }, 'task failed');
            await store.finish(record.taskId, {
              status,
              message: 'internal error',
              error: { code: -32603, message: 'Internal error' },
            });
          }
          break;
        } catch (error) {
          if (attempt < 3) {
            await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
            continue;
          }
          status = 'failed';
          log.error({ err: error, taskId: record.taskId }, 'task outcome not stored; its lease will lapse and it fails with a reason');
          break;
        }
      }
      release();
      running.delete(record.taskId);
      active.dec({ tool: record.tool });
      if (status !== 'released') total.inc({ tool: record.tool, status });
    })();
  }

  async function tick(): Promise<void> {
    if (closed) return;
    const now = Date.now();
    await store.heartbeat(replicaId, [...running.keys()], leaseMs, now);
    // Without Redis (or when a message was lost), a cancel still reaches the task through its row.
    if (running.size > 0) {
      for (const taskId of await store.cancelRequested(replicaId)) running.get(taskId)?.controller.abort(new Error('cancelled by the client'));
    }
    // A task still running past its TTL is stopped (its row would be purged; nobody could read the result).
    for (const { controller, expiresAt } of running.values()) if (expiresAt !== null && expiresAt <= now && !controller.signal.aborted) controller.abort(new Error(EXPIRED));
    const reaped = await store.reap(replicaId, leaseMs, () => options.resume !== undefined, now);
    for (const record of reaped.failed) {
      total.inc({ tool: record.tool, status: record.status });
      log.warn({ taskId: record.taskId, tool: record.tool, status: record.status }, 'task lost with its replica: marked ended with a reason');
    }
    for (const record of reaped.resumed) {
      const run = options.resume?.(record);
      if (!run) {
        await store.finish(record.taskId, {
          status: 'failed',
          message: 'the tool may not run again after its replica stopped',
          error: { code: -32603, message: 'Task lost' },
        });
        continue;
      }
      log.info({ taskId: record.taskId, tool: record.tool, attempt: record.attempts }, 'resuming a task whose replica stopped');
      execute(record, run);
    }
  }

  let ticking: Promise<void> | undefined;
  const runTick = () => {
    ticking ??= tick()
      .catch((error: unknown) => log.warn({ err: error }, 'task heartbeat failed; retrying'))
      .finally(() => (ticking = undefined));
    return ticking;
  };
  const timer = setInterval(() => void runTick(), Math.max(100, Math.floor(leaseMs / 3)));
  timer.unref();

  return {
    store,
    replicaId,
    get running() {
      return running.size;
    },
    async start(task) {
      const record = await store.create({
        taskId: randomUUID(),
        owner: task.owner,
        tool: task.tool,
        ttlMs,
        pollIntervalMs,
        runner: replicaId,
        leaseMs,
        ...(task.arguments === undefined ? {} : { arguments: task.arguments }),
      });
      execute(record, task.run);
      return { ...wire(record), resultType: 'task' };
    },
    async get(taskId, owner) {
      let record = await store.get(taskId, owner);
      if (record && !isTerminal(record.status) && record.leaseUntil !== undefined && record.leaseUntil < Date.now()) {
        await runTick();
        record = await store.get(taskId, owner);
      }
      if (!record) throw notFound(taskId);
      const base = { ...wire(record), resultType: 'complete' as const };
      if (record.status === 'completed') return { ...base, result: record.result ?? {} };
      if (record.status === 'failed')
        return {
          ...base,
          error: record.error ?? { code: -32603, message: 'Internal error' },
        };
      // Every request still outstanding (answered keys drop out): a point-in-time snapshot.
      if (record.status === 'input_required') {
        const answered = record.inputResponses ?? {};
        return { ...base, inputRequests: Object.fromEntries(Object.entries(record.inputRequests ?? {}).filter(([key]) => !(key in answered))) };
      }
      return base;
    },
    async update(taskId, owner, inputResponses) {
      const record = await store.answer(taskId, owner, inputResponses);
      if (!record) throw notFound(taskId);
      waiting.get(taskId)?.();
      return { resultType: 'complete' };
    },
    async cancel(taskId, owner) {
      const record = await store.requestCancel(taskId, owner);
      if (!record) throw notFound(taskId);
      if (!isTerminal(record.status)) {
        const here = running.get(taskId);
        if (here) here.controller.abort(new Error('cancelled by the client'));
        else options.cancellations.cancel(CANCEL_CALLER(owner), taskId, 'cancelled by the client');
      }
      return { resultType: 'complete' };
    },
    tick: runTick,
    async close() {
      closed = true;
      clearInterval(timer);
      await ticking;
    },
  };
}
