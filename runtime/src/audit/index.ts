/**
 * The audit trail: who called what, when, with what outcome — one structured log line per tool
 * call, resource read and prompt get, and in the production layout a row in `mcpforge_audit`.
 *
 * The table is append-only for real: triggers refuse UPDATE and DELETE (and TRUNCATE on
 * PostgreSQL), so a compromised handler holding `ctx.db` cannot rewrite history through it.
 * Writing a row never fails or slows the call: rows are written after the answer, failures are
 * logged and counted (`mcp_audit_write_failures_total`). Security events (auth failures, scope
 * denials, rate-limit hits, sandbox denials, exceeded limits) are counted in
 * `mcp_security_events_total{type}` for alerting.
 */
import { sql, type Kysely } from 'kysely';
import type { Logger } from 'pino';
import { Counter, type Registry } from '../observability/prom.js';

export { createRedactor, hasSensitive, REDACTED, AUDIT_MAX_STRING } from './redact.js';
import { auditLineFields, auditLineWriter } from './line.js';

export const AUDIT_TABLE = 'mcpforge_audit';

export type { AuditKind, AuditOutcome, AuditRecord } from './record.js';
import type { AuditRecord } from './record.js';

/** What `mcp_security_events_total{type}` counts. */
export type SecurityEventType = 'auth_failure' | 'scope_denied' | 'rate_limited' | 'sandbox_denied' | 'limit_exceeded';

export const SECURITY_EVENTS_METRIC = 'mcp_security_events_total';

/**
 * Counts a security event in `registry` (the server's `metrics.registry`); the counter is created
 * on first use, so any module holding the registry can call this.
 *
 * @example
 * ```ts
 * countSecurityEvent(metrics.registry, 'auth_failure');
 * ```
 */
export function countSecurityEvent(registry: Registry, type: SecurityEventType, count = 1): void {
  let counter = registry.getSingleMetric(SECURITY_EVENTS_METRIC) as Counter<'type'> | undefined;
  if (!counter) {
    counter = new Counter({
      name: SECURITY_EVENTS_METRIC,
      help: 'Security events by type: auth_failure, scope_denied, rate_limited, sandbox_denied, limit_exceeded',
      labelNames: ['type'] as const,
      registers: [registry],
    });
    // Every type shows (at 0) from the start, so alerts on increase() work from the first event.
    for (const t of ['auth_failure', 'scope_denied', 'rate_limited', 'sandbox_denied', 'limit_exceeded'] as const) counter.inc({ type: t }, 0);
  }
  counter.inc({ type }, count);
}

/** Audit rows in the database: the operator's `MCP_AUDIT_TABLE` when set, else on where the database is PostgreSQL (the production layout). */
export function auditTableEnabled(dialect: 'sqlite' | 'postgres', setting?: boolean): boolean {
  return setting ?? dialect === 'postgres';
}

const COLUMNS = `(
  at text not null,
  request_id text not null,
  subject text not null,
  kind text not null,
  name text not null,
  outcome text not null,
  error_code text,
  duration_ms double precision not null,
  arguments text
)`;

/** SQLite: the table and triggers that make it append-only (RAISE(ABORT) rolls the statement back). */
export const SQLITE_AUDIT_SQL = `create table if not exists ${AUDIT_TABLE} ${COLUMNS};
create index if not exists ${AUDIT_TABLE}_at on ${AUDIT_TABLE} (at);
create trigger if not exists ${AUDIT_TABLE}_no_update before update on ${AUDIT_TABLE}
begin select raise(abort, '${AUDIT_TABLE} is append-only: UPDATE is not allowed'); end;
create trigger if not exists ${AUDIT_TABLE}_no_delete before delete on ${AUDIT_TABLE}
begin select raise(abort, '${AUDIT_TABLE} is append-only: DELETE is not allowed'); end;`;

/** PostgreSQL: the table, a function raising insufficient_privilege, row and TRUNCATE triggers. */
export const POSTGRES_AUDIT_SQL = [
  `create table if not exists ${AUDIT_TABLE} ${COLUMNS}`,
  `create index if not exists ${AUDIT_TABLE}_at on ${AUDIT_TABLE} (at)`,
  `create or replace function ${AUDIT_TABLE}_append_only() returns trigger language plpgsql as $$
begin
  raise exception '${AUDIT_TABLE} is append-only: % is not allowed', tg_op using errcode = 'insufficient_privilege';
end $$`,
  `do $$ begin
  if not exists (select 1 from pg_trigger where tgname = '${AUDIT_TABLE}_no_change' and tgrelid = '${AUDIT_TABLE}'::regclass) then
    create trigger ${AUDIT_TABLE}_no_change before update or delete on ${AUDIT_TABLE} for each row execute function ${AUDIT_TABLE}_append_only();
  end if;
  if not exists (select 1 from pg_trigger where tgname = '${AUDIT_TABLE}_no_truncate' and tgrelid = '${AUDIT_TABLE}'::regclass) then
    create trigger ${AUDIT_TABLE}_no_truncate before truncate on ${AUDIT_TABLE} for each statement execute function ${AUDIT_TABLE}_append_only();
  end if;
end $$`,
  // Append-only by privilege too: whoever else may touch the table (the serving role, through the
  // owner's default privileges) keeps INSERT and SELECT only. Only the owner can drop the triggers.
  `do $$ declare role_oid oid; begin
  for role_oid in select distinct a.grantee from pg_class c, aclexplode(c.relacl) a
    where c.oid = '${AUDIT_TABLE}'::regclass and a.grantee <> c.relowner
      and a.privilege_type in ('UPDATE', 'DELETE', 'TRUNCATE', 'TRIGGER', 'REFERENCES')
  loop
    execute format('revoke update, delete, truncate, trigger, references on ${AUDIT_TABLE} from %s', case when role_oid = 0 then 'public' else role_oid::regrole::text end);
  end loop;
end $$`,
];

/** Fixed advisory lock id so replicas starting together create the table once. */
const AUDIT_DDL_LOCK = 0x6d6361; // "mca"

/**
 * Creates the audit table and its append-only triggers if missing (idempotent; safe on every start
 * and from several replicas at once). Only fixed DDL: no value is interpolated.
 */
export async function ensureAuditTable(db: Kysely<unknown>, dialect: 'sqlite' | 'postgres'): Promise<void> {
  if (dialect === 'sqlite') {
    for (const statement of SQLITE_AUDIT_SQL.split(/;\n(?=create)/)) await sql.raw(statement).execute(db);
    return;
  }
  // The serving role of the production layout owns nothing and may create nothing: when the owner
  // role (the migrate step) made the table, there is nothing for it to do (docs/security.md).
  const existing = await sql<{ own: boolean }>`select c.relowner = current_user::text::regrole::oid as own from pg_class c where c.oid = to_regclass(${AUDIT_TABLE})`.execute(db);
  if (existing.rows[0] && !existing.rows[0].own) return;
  await db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${AUDIT_DDL_LOCK})`.execute(trx);
    for (const statement of POSTGRES_AUDIT_SQL) await sql.raw(statement).execute(trx);
  });
}

export interface AuditLogOptions {
  logger: Logger;
  registry?: Registry;
  /** Write rows here when given (see `auditTableEnabled`). */
  table?: { db: Kysely<unknown>; dialect: 'sqlite' | 'postgres' };
  /** Log one line per call (default true; `MCP_AUDIT_LOG`). */
  log?: boolean;
}

export interface AuditLog {
  record(entry: AuditRecord): void;
  /** Resolves when the table exists (or its creation failed and was logged). */
  readonly ready: Promise<void>;
  /** Waits for rows still being written (shutdown, tests). */
  flush(): Promise<void>;
}

/**
 * @example
 * ```ts
 * const audit = createAuditLog({ logger, registry: metrics.registry, table: { db: storage.db, dialect: storage.dialect } });
 * audit.record({ kind: 'tool', name: 'create_note', subject: ctx.auth.subject, outcome: 'ok', durationMs: 3, requestId: ctx.requestId });
 * ```
 */
export function createAuditLog(options: AuditLogOptions): AuditLog {
  // No path redaction on audit lines: every field is written here, and arguments arrive redacted
  // (schema marks and secret names, redact.ts). pino's wildcard paths cost ~6 µs a line.
  const log = options.logger.child({ audit: true }, { redact: { paths: [] } });
  const lineWriter = auditLineWriter(log);
  const logLines = options.log ?? true;
  const failures = options.registry
    ? ((options.registry.getSingleMetric('mcp_audit_write_failures_total') as Counter | undefined) ??
      new Counter({ name: 'mcp_audit_write_failures_total', help: 'Audit rows that could not be written (the calls themselves succeeded)', registers: [options.registry] }))
    : undefined;
  const pending = new Set<Promise<void>>();
  const table = options.table;
  let usable = table !== undefined;
  const ready: Promise<void> = table
    ? ensureAuditTable(table.db, table.dialect).catch((error: unknown) => {
        usable = false;
        failures?.inc();
        options.logger.error({ err: error }, `could not create the ${AUDIT_TABLE} table; audit records go to the log only`);
      })
    : Promise.resolve();

  function write(entry: AuditRecord, at: string): void {
    const args = entry.arguments === undefined ? null : JSON.stringify(entry.arguments);
    const p = ready
      .then(async () => {
        if (!usable || !table) return;
        await sql`insert into ${sql.table(AUDIT_TABLE)} (at, request_id, subject, kind, name, outcome, error_code, duration_ms, arguments)
          values (${at}, ${entry.requestId}, ${entry.subject}, ${entry.kind}, ${entry.name}, ${entry.outcome}, ${entry.errorCode ?? null}, ${entry.durationMs}, ${args})`.execute(table.db);
      })
      .catch((error: unknown) => {
        failures?.inc();
        log.error({ err: error, requestId: entry.requestId }, 'could not write the audit row; the call itself was answered');
      })
      .finally(() => pending.delete(p));
    pending.add(p);
  }

  return {
    ready,
    record(entry) {
      const durationMs = Math.round(entry.durationMs * 1000) / 1000;
      // pino's bytes without pino's per-key work (line.ts); pino writes what that cannot.
      if (logLines && !lineWriter?.write(entry, durationMs)) {
        log.info(auditLineFields(entry, durationMs), 'audit');
      }
      if (table) write(entry, new Date().toISOString());
    },
    async flush() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}
