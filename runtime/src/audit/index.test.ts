import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresAvailable } from '../__fixtures__/services.js';
import { useFreshPostgresStorage } from '../__fixtures__/postgres-storage.js';
import { createLogger } from '../observability/index.js';
import { createDatabase, type Storage } from '../storage/index.js';
import { AUDIT_TABLE, auditTableEnabled, countSecurityEvent, createAuditLog, createRedactor, ensureAuditTable, REDACTED, type AuditRecord } from './index.js';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger({ destination: stream, level: 'info' }) };
}

const record = (extra: Partial<AuditRecord> = {}): AuditRecord => ({
  kind: 'tool',
  name: 'create_note',
  subject: 'alice',
  outcome: 'ok',
  durationMs: 1.5,
  requestId: 'req-1',
  arguments: { title: 'x' },
  ...extra,
});

describe('redaction by schema', () => {
  const schema = {
    type: 'object',
    properties: {
      user: { type: 'string' },
      password: { type: 'string', writeOnly: true },
      profile: { type: 'object', properties: { apiKey: { type: 'string', 'x-sensitive': true }, name: { type: 'string' } } },
      tokens: { type: 'array', items: { type: 'string', 'x-sensitive': true } },
      cards: { type: 'array', items: { $ref: '#/$defs/card' } },
      extra: { type: 'object', additionalProperties: { type: 'string', writeOnly: true } },
      either: { anyOf: [{ type: 'string', 'x-sensitive': true }, { type: 'number' }] },
    },
    $defs: { card: { type: 'object', properties: { number: { type: 'string', 'x-sensitive': true }, label: { type: 'string' } } } },
  };
  it('replaces writeOnly and x-sensitive values at any depth, through $ref, items and combinators', () => {
    const redact = createRedactor(schema);
    expect(
      redact({
        user: 'alice',
        password: 'hunter2',
        profile: { apiKey: 'k-123', name: 'A' },
        tokens: ['t1', 't2'],
        cards: [{ number: '4111', label: 'main' }],
        extra: { anything: 's3cret' },
        either: 'maybe-secret',
      }),
    ).toEqual({
      user: 'alice',
      password: REDACTED,
      profile: { apiKey: REDACTED, name: 'A' },
      tokens: [REDACTED, REDACTED],
      cards: [{ number: REDACTED, label: 'main' }],
      extra: { anything: REDACTED },
      either: REDACTED,
    });
  });
  it('redacts additionalProperties named like Object.prototype members, and keeps a __proto__ argument a key', () => {
    // `key in properties` matched `constructor` and `toString` (inherited) as declared properties,
    // so the sensitive additionalProperties schema never applied to them.
    const redact = createRedactor({ type: 'object', properties: { note: { type: 'string' } }, additionalProperties: { type: 'string', 'x-sensitive': true } });
    const out = redact(JSON.parse('{"note": "n", "constructor": "c1", "toString": "t1", "__proto__": "p1"}')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(JSON.stringify(out)).toBe(`{"note":"n","constructor":"${REDACTED}","toString":"${REDACTED}","__proto__":"${REDACTED}"}`);
    const plain = createRedactor({ type: 'object', properties: { ['__proto__']: { type: 'object', properties: { pin: { type: 'string', writeOnly: true } } } } });
    expect(JSON.stringify(plain(JSON.parse('{"__proto__": {"pin": "1234", "x": 1}}')))).toBe(`{"__proto__":{"pin":"${REDACTED}","x":1}}`);
  });
  it('copies arguments of a schema without sensitive parts, shortening long strings', () => {
    const redact = createRedactor({ type: 'object', properties: { body: { type: 'string' } } });
    const out = redact({ body: 'x'.repeat(600), n: 1 }) as { body: string; n: number };
    expect(out.n).toBe(1);
    expect(out.body).toBe(`${'x'.repeat(512)}…[600 chars]`);
  });
  it('censors arguments named like secrets (password, token, apiKey, …) even when the schema marks nothing, without touching the caller\'s object', () => {
    const args = { user: 'alice', password: 'hunter2', token: 't', apiKey: 'k', nested: { password: 'deep' } };
    const out = createRedactor({ type: 'object' })(args);
    expect(out).toEqual({ user: 'alice', password: REDACTED, token: REDACTED, apiKey: REDACTED, nested: { password: 'deep' } });
    expect(args.password).toBe('hunter2');
  });
  it('audit lines carry the redactor\'s output, not pino\'s path redaction: a secret-named argument is censored in the line and the row alike', async () => {
    const { lines, logger } = capture();
    const storage = await createDatabase('sqlite::memory:');
    const audit = createAuditLog({ logger, table: { db: storage.db, dialect: 'sqlite' } });
    audit.record(record({ arguments: createRedactor(undefined)({ title: 'x', secret: 's' }) }));
    await audit.flush();
    const row = await sql<{ arguments: string }>`select arguments from ${sql.table(AUDIT_TABLE)}`.execute(storage.db);
    expect(JSON.parse(row.rows[0]!.arguments)).toEqual({ title: 'x', secret: REDACTED });
    expect(lines.find((l) => l.audit === true)?.arguments).toEqual({ title: 'x', secret: REDACTED });
    await storage.close();
  });
});

describe('audit log lines and security events', () => {
  it('logs one line per record with the fields an auditor needs', async () => {
    const { lines, logger } = capture();
    const audit = createAuditLog({ logger });
    audit.record(record({ outcome: 'rate_limited', errorCode: 'rate_limited' }));
    logger.flush();
    await new Promise((r) => setTimeout(r, 20));
    const line = lines.find((l) => l.msg === 'audit');
    expect(line).toMatchObject({ audit: true, requestId: 'req-1', subject: 'alice', kind: 'tool', tool: 'create_note', outcome: 'rate_limited', errorCode: 'rate_limited', durationMs: 1.5, arguments: { title: 'x' } });
  });
  it('counts security events by type, every type present from the start', async () => {
    const registry = new Registry();
    countSecurityEvent(registry, 'auth_failure');
    countSecurityEvent(registry, 'auth_failure');
    countSecurityEvent(registry, 'sandbox_denied');
    const text = await registry.metrics();
    expect(text).toContain('mcp_security_events_total{type="auth_failure"} 2');
    expect(text).toContain('mcp_security_events_total{type="sandbox_denied"} 1');
    expect(text).toContain('mcp_security_events_total{type="scope_denied"} 0');
  });
  it('defaults the table to on for PostgreSQL only, MCP_AUDIT_TABLE overrides', () => {
    expect(auditTableEnabled('postgres')).toBe(true);
    expect(auditTableEnabled('sqlite')).toBe(false);
    expect(auditTableEnabled('sqlite', true)).toBe(true);
    expect(auditTableEnabled('postgres', false)).toBe(false);
  });
});

describe('audit table on SQLite', () => {
  let storage: Storage;
  beforeAll(async () => {
    storage = await createDatabase('sqlite::memory:');
  });
  afterAll(() => storage.close());

  it('writes rows and refuses UPDATE and DELETE', async () => {
    const { logger } = capture();
    const audit = createAuditLog({ logger, table: { db: storage.db, dialect: 'sqlite' } });
    await audit.ready;
    audit.record(record());
    audit.record(record({ requestId: 'req-2', outcome: 'error', errorCode: 'tool_failed' }));
    await audit.flush();
    const rows = (await sql<{ request_id: string; outcome: string; arguments: string }>`select * from ${sql.table(AUDIT_TABLE)} order by request_id`.execute(storage.db)).rows;
    expect(rows.map((r) => [r.request_id, r.outcome])).toEqual([
      ['req-1', 'ok'],
      ['req-2', 'error'],
    ]);
    expect(JSON.parse(rows[0]!.arguments)).toEqual({ title: 'x' });
    await expect(sql`update ${sql.table(AUDIT_TABLE)} set outcome = 'ok'`.execute(storage.db)).rejects.toThrow(/append-only: UPDATE is not allowed/);
    await expect(sql`delete from ${sql.table(AUDIT_TABLE)}`.execute(storage.db)).rejects.toThrow(/append-only: DELETE is not allowed/);
    // Creating it again (every start) is harmless.
    await ensureAuditTable(storage.db, 'sqlite');
  });

  it('never fails the caller when a row cannot be written: logged and counted', async () => {
    const broken = await createDatabase('sqlite::memory:');
    const { lines, logger } = capture();
    const registry = new Registry();
    const audit = createAuditLog({ logger, registry, table: { db: broken.db, dialect: 'sqlite' } });
    await audit.ready;
    await broken.close();
    expect(() => audit.record(record())).not.toThrow();
    await audit.flush();
    logger.flush();
    await new Promise((r) => setTimeout(r, 20));
    expect(await registry.metrics()).toContain('mcp_audit_write_failures_total 1');
    expect(lines.some((l) => l.msg === 'could not write the audit row; the call itself was answered')).toBe(true);
  });
});

const pgUp = await postgresAvailable();

describe.skipIf(!pgUp)('audit table on PostgreSQL (real server)', () => {
  const storageOf = useFreshPostgresStorage();

  it('is created by concurrent replicas once, writes rows, and refuses UPDATE, DELETE and TRUNCATE', async () => {
    const { logger } = capture();
    await Promise.all([ensureAuditTable(storageOf().db, 'postgres'), ensureAuditTable(storageOf().db, 'postgres'), ensureAuditTable(storageOf().db, 'postgres')]);
    const audit = createAuditLog({ logger, table: { db: storageOf().db, dialect: 'postgres' } });
    await audit.ready;
    audit.record(record({ arguments: { password: REDACTED } }));
    await audit.flush();
    const rows = (await sql<{ subject: string; name: string; duration_ms: number; arguments: string }>`select * from ${sql.table(AUDIT_TABLE)}`.execute(storageOf().db)).rows;
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ subject: 'alice', name: 'create_note', duration_ms: 1.5 });
    expect(JSON.parse(rows[0]!.arguments)).toEqual({ password: REDACTED });
    await expect(sql`update ${sql.table(AUDIT_TABLE)} set subject = 'mallory'`.execute(storageOf().db)).rejects.toThrow('mcpforge_audit is append-only: UPDATE is not allowed');
    await expect(sql`delete from ${sql.table(AUDIT_TABLE)}`.execute(storageOf().db)).rejects.toThrow('mcpforge_audit is append-only: DELETE is not allowed');
    await expect(sql`truncate ${sql.table(AUDIT_TABLE)}`.execute(storageOf().db)).rejects.toThrow('mcpforge_audit is append-only: TRUNCATE is not allowed');
    const after = (await sql<{ n: string }>`select count(*) as n from ${sql.table(AUDIT_TABLE)}`.execute(storageOf().db)).rows[0];
    expect(Number(after!.n)).toBe(1);
  });
});
