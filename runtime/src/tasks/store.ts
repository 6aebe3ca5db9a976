/**
 * Task state in the project's database (SQLite in dev, PostgreSQL in production), so that any
 * replica answers `tasks/get` and `tasks/cancel` for a task another one runs.
 *
 * A running task holds a lease: its replica (`runner`) extends `lease_until` while it runs. A task
 * still `working` past its lease belongs to a replica that died; `reap` fails it with a reason, or
 * hands it to the calling replica when the tool may run again (`arguments` kept: idempotent tools).
 * Every transition out of `working` (or `input_required`: still running, waiting for the client) is
 * a conditional update on those statuses, so the first writer wins and a late one (the dead replica coming back, a cancel racing a result) changes nothing.
 */
import { sql, type Kysely } from 'kysely';
import { TASKS_TABLE } from '../storage/shared.js';

export type TaskStatus = 'working' | 'input_required' | 'completed' | 'failed' | 'cancelled';

/** A task row as the runtime reads it (JSON columns parsed, times in ms since the epoch). */
export interface TaskRecord {
  taskId: string;
  owner: string;
  tool: string;
  status: TaskStatus;
  statusMessage?: string;
  /** The `CallToolResult` of a completed task. */
  result?: Record<string, unknown>;
  /** The JSON-RPC error of a failed task. */
  error?: { code: number; message: string; data?: unknown };
  /** Kept only for tools that may run again after their replica died (idempotent). */
  arguments?: unknown;
  /** What an `input_required` task asks the client (`inputRequests` on the wire), by key. */
  inputRequests?: Record<string, unknown>;
  /** Answers the client delivered so far (`tasks/update`) to outstanding `inputRequests` keys. */
  inputResponses?: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
  ttlMs: number | null;
  expiresAt: number | null;
  pollIntervalMs?: number;
  runner?: string;
  leaseUntil?: number;
  cancelRequested: boolean;
  attempts: number;
}

export interface NewTask {
  taskId: string;
  owner: string;
  tool: string;
  ttlMs: number | null;
  pollIntervalMs: number;
  runner: string;
  leaseMs: number;
  arguments?: unknown;
  now?: number;
}

interface TaskRow {
  task_id: string;
  owner: string;
  tool: string;
  status: string;
  status_message: string | null;
  result: string | null;
  error: string | null;
  arguments: string | null;
  input_requests: string | null;
  input_responses: string | null;
  created_at: number | string;
  updated_at: number | string;
  ttl_ms: number | string | null;
  expires_at: number | string | null;
  poll_interval_ms: number | null;
  runner: string | null;
  lease_until: number | string | null;
  cancel_requested: number;
  attempts: number;
}

interface TasksDb {
  [TASKS_TABLE]: TaskRow;
}

export interface TaskStore {
  create(task: NewTask): Promise<TaskRecord>;
  /** The owner's task; undefined when it does not exist, is another owner's, or has expired. */
  get(taskId: string, owner: string, now?: number): Promise<TaskRecord | undefined>;
  /** Moves a working task to a terminal status; false when it was no longer working (first writer wins). */
  finish(
    taskId: string,
    outcome:
      | { status: 'completed'; result: Record<string, unknown> }
      | { status: 'failed'; error: TaskRecord['error']; message: string }
      | { status: 'cancelled'; message: string },
    now?: number,
  ): Promise<boolean>;
  /**
   * The running task needs the client's input: `input_required` with `requests` outstanding (earlier
   * answers dropped: keys are never reused). False when the task already ended.
   */
  askInput(taskId: string, runner: string, requests: Record<string, unknown>, message: string, now?: number): Promise<boolean>;
  /**
   * `tasks/update`: keeps the answers to keys still outstanding (others are ignored, as the extension
   * says); undefined when not found (wrong owner, expired).
   */
  answer(taskId: string, owner: string, responses: Record<string, unknown>, now?: number): Promise<TaskRecord | undefined>;
  /**
   * The runner's side: once every outstanding key has an answer, the task is `working` again and the
   * answers are handed over (once); undefined while some are missing.
   */
  takeInput(taskId: string, runner: string, now?: number): Promise<Record<string, unknown> | undefined>;
  /** A progress line for a working task (`statusMessage`). */
  progress(taskId: string, message: string, now?: number): Promise<void>;
  /** Marks the owner's task for cancellation; undefined when not found (wrong owner, expired). */
  requestCancel(taskId: string, owner: string, now?: number): Promise<TaskRecord | undefined>;
  /**
   * Extends the lease of the tasks this runner is running now (`taskIds`): a task it no longer runs
   * (its outcome could not be stored) is left to lapse and be reaped, never kept working.
   */
  heartbeat(runner: string, taskIds: readonly string[], leaseMs: number, now?: number): Promise<number>;
  /** Working tasks of this runner whose cancellation was asked for (on any replica). */
  cancelRequested(runner: string): Promise<string[]>;
  /** Gives a working task up (this replica is stopping): its lease lapses now, so another replica reaps it. */
  release(taskId: string, runner: string, now?: number): Promise<void>;
  /**
   * Tasks still working past their lease (their replica died): the resumable ones are claimed for
   * `runner` and returned; the others are failed with a reason. Expired rows are deleted.
   */
  reap(
    runner: string,
    leaseMs: number,
    resumable: (tool: string) => boolean,
    now?: number,
  ): Promise<{ failed: TaskRecord[]; resumed: TaskRecord[]; purged: number }>;
}

const TERMINAL: ReadonlySet<string> = new Set(['completed', 'failed', 'cancelled']);
/** A task still running on some replica: working, or waiting for the client's input. */
const LIVE = ['working', 'input_required'];

export function isTerminal(status: TaskStatus): boolean {
  return TERMINAL.has(status);
}

export function createTaskStore(database: Kysely<unknown>): TaskStore {
  const db = database as unknown as Kysely<TasksDb>;
  const table = TASKS_TABLE;

  const parse = (text: string | null): unknown => (text === null ? undefined : JSON.parse(text));
  const num = (value: number | string | null): number | null => (value === null ? null : Number(value));
  function toRecord(row: TaskRow): TaskRecord {
    const record: TaskRecord = {
      taskId: row.task_id,
      owner: row.owner,
      tool: row.tool,
      status: row.status as TaskStatus,
      createdAt: Number(row.created_at),
      updatedAt: Number(row.updated_at),
      ttlMs: num(row.ttl_ms),
      expiresAt: num(row.expires_at),
      cancelRequested: Number(row.cancel_requested) === 1,
      attempts: Number(row.attempts),
    };
    if (row.status_message !== null) record.statusMessage = row.status_message;
    if (row.result !== null) record.result = parse(row.result) as Record<string, unknown>;
    if (row.error !== null) record.error = parse(row.error) as TaskRecord['error'];
    if (row.arguments !== null) record.arguments = parse(row.arguments);
    if (row.input_requests !== null) record.inputRequests = parse(row.input_requests) as Record<string, unknown>;
    if (row.input_responses !== null) record.inputResponses = parse(row.input_responses) as Record<string, unknown>;
    if (row.poll_interval_ms !== null) record.pollIntervalMs = Number(row.poll_interval_ms);
    if (row.runner !== null) record.runner = row.runner;
    if (row.lease_until !== null) record.leaseUntil = Number(row.lease_until);
    return record;
  }

  async function read(taskId: string, owner: string, now: number): Promise<TaskRecord | undefined> {
    const row = await db.selectFrom(table).selectAll().where('task_id', '=', taskId).where('owner', '=', owner).executeTakeFirst();
    if (!row) return undefined;
    const record = toRecord(row);
    if (record.expiresAt !== null && record.expiresAt <= now) return undefined;
    return record;
  }

  return {
    async create(task) {
      const now = task.now ?? Date.now();
      const row: TaskRow = {
        task_id: task.taskId,
        owner: task.owner,
        tool: task.tool,
        status: 'working',
        status_message: null,
        result: null,
        error: null,
        arguments: task.arguments === undefined ? null : JSON.stringify(task.arguments),
        input_requests: null,
        input_responses: null,
        created_at: now,
        updated_at: now,
        ttl_ms: task.ttlMs,
        expires_at: task.ttlMs === null ? null : now + task.ttlMs,
        poll_interval_ms: task.pollIntervalMs,
        runner: task.runner,
        lease_until: now + task.leaseMs,
        cancel_requested: 0,
        attempts: 1,
      };
      await db.insertInto(table).values(row).execute();
      return toRecord(row);
    },
    get(taskId, owner, now = Date.now()) {
      return read(taskId, owner, now);
    },
    async finish(taskId, outcome, now = Date.now()) {
      const values =
        outcome.status === 'completed'
          ? {
              status: 'completed',
              result: JSON.stringify(outcome.result),
              status_message: null,
            }
          : outcome.status === 'failed'
            ? {
                status: 'failed',
                error: JSON.stringify(outcome.error),
                status_message: outcome.message,
              }
            : { status: 'cancelled', status_message: outcome.message };
      const done = await db
        .updateTable(table)
        .set({
          ...values,
          updated_at: now,
          runner: null,
          lease_until: null,
          arguments: null,
          input_requests: null,
          input_responses: null,
        })
        .where('task_id', '=', taskId)
        .where('status', 'in', LIVE)
        .executeTakeFirst();
      return Number(done.numUpdatedRows) > 0;
    },
    async askInput(taskId, runner, requests, message, now = Date.now()) {
      const done = await db
        .updateTable(table)
        .set({ status: 'input_required', input_requests: JSON.stringify(requests), input_responses: null, status_message: message, updated_at: now })
        .where('task_id', '=', taskId)
        .where('runner', '=', runner)
        .where('status', 'in', LIVE)
        .executeTakeFirst();
      return Number(done.numUpdatedRows) > 0;
    },
    async answer(taskId, owner, responses, now = Date.now()) {
      // Read-merge-write guarded by the row's last update: two answers racing both land (one retries).
      for (let attempt = 0; attempt < 5; attempt++) {
        const row = await db.selectFrom(table).selectAll().where('task_id', '=', taskId).where('owner', '=', owner).executeTakeFirst();
        if (!row) return undefined;
        const record = toRecord(row);
        if (record.expiresAt !== null && record.expiresAt <= now) return undefined;
        if (record.status !== 'input_required' || !record.inputRequests) return record;
        const outstanding = Object.keys(record.inputRequests);
        const kept = Object.fromEntries(Object.entries(responses).filter(([key]) => outstanding.includes(key)));
        if (Object.keys(kept).length === 0) return record;
        const merged = { ...(record.inputResponses ?? {}), ...kept };
        const done = await db
          .updateTable(table)
          .set({ input_responses: JSON.stringify(merged), updated_at: Math.max(now, record.updatedAt + 1) })
          .where('task_id', '=', taskId)
          .where('status', '=', 'input_required')
          .where('updated_at', '=', row.updated_at)
          .executeTakeFirst();
        if (Number(done.numUpdatedRows) > 0) return { ...record, inputResponses: merged };
      }
      throw new Error(`task ${taskId}: the answer could not be stored (concurrent updates)`);
    },
    async takeInput(taskId, runner, now = Date.now()) {
      const row = await db.selectFrom(table).selectAll().where('task_id', '=', taskId).where('runner', '=', runner).executeTakeFirst();
      if (!row || row.status !== 'input_required') return undefined;
      const record = toRecord(row);
      const answers = record.inputResponses ?? {};
      if (!Object.keys(record.inputRequests ?? {}).every((key) => key in answers)) return undefined;
      const done = await db
        .updateTable(table)
        .set({ status: 'working', input_requests: null, input_responses: null, status_message: null, updated_at: now })
        .where('task_id', '=', taskId)
        .where('status', '=', 'input_required')
        .where('updated_at', '=', row.updated_at)
        .executeTakeFirst();
      return Number(done.numUpdatedRows) > 0 ? answers : undefined;
    },
    async progress(taskId, message, now = Date.now()) {
      await db.updateTable(table).set({ status_message: message, updated_at: now }).where('task_id', '=', taskId).where('status', 'in', LIVE).execute();
    },
    async requestCancel(taskId, owner, now = Date.now()) {
      const record = await read(taskId, owner, now);
      if (!record) return undefined;
      if (isTerminal(record.status)) return record;
      await db.updateTable(table).set({ cancel_requested: 1, updated_at: now }).where('task_id', '=', taskId).where('status', 'in', LIVE).execute();
      return { ...record, cancelRequested: true };
    },
    async heartbeat(runner, taskIds, leaseMs, now = Date.now()) {
      if (taskIds.length === 0) return 0;
      const done = await db
        .updateTable(table)
        .set({ lease_until: now + leaseMs })
        .where('runner', '=', runner)
        .where('status', 'in', LIVE)
        .where('task_id', 'in', [...taskIds])
        .executeTakeFirst();
      return Number(done.numUpdatedRows);
    },
    async cancelRequested(runner) {
      const rows = await db
        .selectFrom(table)
        .select('task_id')
        .where('runner', '=', runner)
        .where('status', 'in', LIVE)
        .where('cancel_requested', '=', 1)
        .execute();
      return rows.map((r) => r.task_id);
    },
    async release(taskId, runner, now = Date.now()) {
      await db
        .updateTable(table)
        .set({ lease_until: now - 1 })
        .where('task_id', '=', taskId)
        .where('runner', '=', runner)
        .where('status', 'in', LIVE)
        .execute();
    },
    async reap(runner, leaseMs, resumable, now = Date.now()) {
      // Expired rows go, except a task still running under a live lease (its replica stops it first).
      const purged = await db
        .deleteFrom(table)
        .where('expires_at', 'is not', null)
        .where('expires_at', '<=', now)
        .where((eb) => eb.or([eb('status', 'not in', LIVE), eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
        .executeTakeFirst();
      const stale = await db.selectFrom(table).selectAll().where('status', 'in', LIVE).where('lease_until', '<', now).execute();
      const failed: TaskRecord[] = [];
      const resumed: TaskRecord[] = [];
      for (const row of stale) {
        const record = toRecord(row);
        // A cancel asked for while nobody ran it: the task ends cancelled, not resumed.
        if (resumable(record.tool) && record.arguments !== undefined && !record.cancelRequested) {
          const claimed = await db
            .updateTable(table)
            .set({
              runner,
              lease_until: now + leaseMs,
              updated_at: now,
              attempts: sql<number>`attempts + 1`,
              status_message: `resumed after the replica running it stopped (attempt ${record.attempts + 1})`,
            })
            .where('task_id', '=', record.taskId)
            .where('status', 'in', LIVE)
            .where('lease_until', '=', row.lease_until)
            .executeTakeFirst();
          if (Number(claimed.numUpdatedRows) > 0) resumed.push({ ...record, runner, attempts: record.attempts + 1 });
          continue;
        }
        const when = new Date(record.leaseUntil ?? now).toISOString();
        const outcome = record.cancelRequested
          ? ({
              status: 'cancelled',
              message: 'cancelled; the replica running it stopped before it ended',
            } as const)
          : ({
              status: 'failed',
              message: `the server replica running this task stopped (no heartbeat since ${when}); call the tool again`,
              error: {
                code: -32603,
                message: 'Task lost: the server replica running it stopped before it finished',
              },
            } as const);
        const done = await db
          .updateTable(table)
          .set({
            status: outcome.status,
            status_message: outcome.message,
            error: outcome.status === 'failed' ? JSON.stringify(outcome.error) : null,
            updated_at: now,
            runner: null,
            lease_until: null,
            arguments: null,
            input_requests: null,
            input_responses: null,
          })
          .where('task_id', '=', record.taskId)
          .where('status', 'in', LIVE)
          .where('lease_until', '=', row.lease_until)
          .executeTakeFirst();
        if (Number(done.numUpdatedRows) > 0)
          failed.push({
            ...record,
            status: outcome.status,
            statusMessage: outcome.message,
          });
      }
      return { failed, resumed, purged: Number(purged.numDeletedRows) };
    },
  };
}
