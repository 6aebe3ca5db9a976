/**
 * Least privilege in the database, on a real PostgreSQL: the production layout's
 * deploy/postgres/roles.psql (run with psql, as compose's init-roles.sh does) creates an owner role
 * and a serving role; migrations and the runtime's own tables are made as the owner (the migrate
 * step, MCP_MIGRATE=only), then the server serves as the app role, which cannot rewrite or unguard
 * the audit table.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { renderProductionTemplates } from '../../generators/upgrade/templates.js';
import { TOOLKIT_ROOT } from '../helpers/toolkit.js';
import { PG_ADMIN_URL, freshPostgresDatabase, postgresAvailable } from '../../runtime/src/__fixtures__/services.js';
import { makeModules, manifest } from '../../runtime/src/__fixtures__/notes.js';
import { runServer, type RunningServer } from '../../runtime/src/server/run.js';
import { createDatabase } from '../../runtime/src/storage/index.js';
import { createApiKeyStore, migrateApiKeyTable } from '../../runtime/src/auth/api-keys.js';

const up = await postgresAvailable();

describe.skipIf(!up)('database roles of the production layout (real PostgreSQL)', () => {
  const id = randomBytes(4).toString('hex');
  const owner = `mcpforge_owner_${id}`;
  const app = `mcpforge_app_${id}`;
  let db: Awaited<ReturnType<typeof freshPostgresDatabase>>;
  let root: string;
  let server: RunningServer | undefined;
  const urlAs = (role: string) => {
    const url = new URL(db.url);
    url.username = role;
    url.password = 'unused-with-trust-auth';
    return url.href;
  };
  const clients: pg.Client[] = [];
  const connectAs = async (role: string) => {
    const client = new pg.Client({ connectionString: urlAs(role) });
    await client.connect();
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    db = await freshPostgresDatabase();
    const rendered = await renderProductionTemplates(TOOLKIT_ROOT, { name: 'notes', replicas: 1 });
    const dir = mkdtempSync(join(tmpdir(), 'mcpforge-roles-'));
    writeFileSync(join(dir, 'roles.psql'), rendered.deployment.get('deploy/postgres/roles.psql')!);
    const admin = new URL(PG_ADMIN_URL);
    admin.pathname = `/${db.name}`;
    const psql = await execa(
      'psql',
      [admin.href, '-v', `db=${db.name}`, '-v', `owner_role=${owner}`, '-v', 'owner_password=o', '-v', `app_role=${app}`, '-v', 'app_password=a', '-f', join(dir, 'roles.psql')],
      { reject: false, all: true },
    );
    expect(psql.exitCode, psql.all).toBe(0);

    root = mkdtempSync(join(tmpdir(), 'mcpforge-roles-project-'));
    mkdirSync(join(root, 'migrations'));
    writeFileSync(join(root, 'migrations', '0001_notes.sql'), "create table notes (id serial primary key, title text not null, body text not null default '');\n");
  }, 60_000);

  afterAll(async () => {
    await server?.shutdown();
    for (const client of clients) await client.end().catch(() => {});
    await db?.drop();
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    await admin.query(`drop role if exists ${app}`);
    await admin.query(`drop role if exists ${owner}`);
    await admin.end();
  });

  const start = (env: Record<string, string>, argv: string[] = []) =>
    runServer({ manifest, modules: makeModules(), projectRoot: pathToFileURL(`${root}/`), argv, env: { LOG_LEVEL: 'silent', ...env }, manageProcess: false });

  it('the migrate step runs as the owner role and creates the migrations, runtime and audit tables', async () => {
    await expect(start({ DATABASE_URL: urlAs(owner), MCP_MIGRATE: 'only' })).rejects.toThrow(/MCP_MIGRATE=only/);
    // The API key table is runtime-owned too (created by the migrate step of an apiKey server).
    const storage = await createDatabase(urlAs(owner));
    await migrateApiKeyTable(storage);
    await storage.close();
    const admin = await connectAs(owner);
    const { rows } = await admin.query<{ tablename: string; tableowner: string }>(`select tablename, tableowner from pg_tables where schemaname = 'public' order by tablename`);
    // mcpforge_tasks: the runtime's migration creates it for every project (tasks are per tool).
    expect(rows).toEqual(
      ['mcpforge_api_keys', 'mcpforge_audit', 'mcpforge_idempotency', 'mcpforge_migrations', 'mcpforge_migrations_lock', 'mcpforge_results', 'mcpforge_tasks', 'notes'].map((tablename) => ({ tablename, tableowner: owner })),
    );
  });

  it('the server serves calls as the app role, writing its data and audit rows (regression: it needed DDL rights at start)', async () => {
    server = await start({ DATABASE_URL: urlAs(app), MCP_MIGRATE: 'skip' }, ['--transport', 'http', '--port', '0']);
    const client = new Client({ name: 'roles', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(server.http!.url)));
    try {
      const result = await client.callTool({ name: 'create_note', arguments: { title: 'as the app role' } });
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toMatchObject({ id: 1, title: 'as the app role' });
    } finally {
      await client.close();
    }
    const appClient = await connectAs(app);
    let audited = 0;
    for (let i = 0; i < 100 && audited === 0; i++) {
      audited = (await appClient.query<{ n: string }>(`select count(*) as n from mcpforge_audit where name = 'create_note' and outcome = 'ok'`)).rows[0]!.n === '0' ? 0 : 1;
      if (audited === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(audited).toBe(1);
    // The API key table is usable without DDL rights (even `create table if not exists` is refused to this role).
    const storage = await createDatabase(urlAs(app));
    await expect(migrateApiKeyTable(storage)).resolves.toBeUndefined();
    await expect(createApiKeyStore(storage.db as never).check()).resolves.toBeUndefined();
    await storage.close();
  });

  it('as the app role the audit table takes INSERT only: UPDATE, DELETE, TRUNCATE and disabling its triggers are refused by privilege', async () => {
    const appClient = await connectAs(app);
    await appClient.query(`insert into mcpforge_audit (at, request_id, subject, kind, name, outcome, duration_ms) values ('2026-01-01T00:00:00Z', 'r1', 'someone', 'tool', 'x', 'ok', 1)`);
    const refused = async (statement: string) => {
      const error = await appClient.query(statement).then(
        () => undefined,
        (e: Error & { code?: string }) => e,
      );
      return error ? `${error.code}: ${error.message}` : 'allowed';
    };
    // Privilege errors, not the triggers' "append-only" message: the role cannot even reach them.
    expect(await refused(`update mcpforge_audit set subject = 'nobody'`)).toBe('42501: permission denied for table mcpforge_audit');
    expect(await refused(`delete from mcpforge_audit`)).toBe('42501: permission denied for table mcpforge_audit');
    expect(await refused(`truncate mcpforge_audit`)).toBe('42501: permission denied for table mcpforge_audit');
    expect(await refused(`alter table mcpforge_audit disable trigger user`)).toBe('42501: must be owner of table mcpforge_audit');
    expect(await refused(`drop table mcpforge_audit`)).toBe('42501: must be owner of table mcpforge_audit');
    expect(await refused(`create table scratch (a int)`)).toBe('42501: permission denied for schema public');
    // Its ordinary tables stay fully usable (default privileges from roles.psql).
    expect(await refused(`update notes set body = 'edited'`)).toBe('allowed');
    expect(await refused(`delete from mcpforge_idempotency`)).toBe('allowed');
  });
});
