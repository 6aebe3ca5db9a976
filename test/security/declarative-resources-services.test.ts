/**
 * Declarative resources against real services: `kind: sql` on PostgreSQL (the SQL suite's
 * payloads bound as parameters; reads in a READ ONLY transaction, so even a function that writes is
 * refused), and `kind: memory` shared through Redis by two replicas — a client subscribed on one
 * replica is notified of a key another replica's tool wrote, and reads the value there.
 */
import { rmSync } from 'node:fs';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, freshPostgresDatabase, freshRedisPrefix, REDIS_TEST_URL } from '../../runtime/src/__fixtures__/services.js';
import { DECLARATIVE_SERVER, declarativeProject, startUpstream } from '../fixtures/declarative/project.js';
import { servicesFor } from '../helpers/services.js';
import { startServer, type ServerProcess } from '../production/lib/server.js';
import { SQL_PAYLOADS } from './lib/attack-cases.js';

const ready = await servicesFor('declarative resources (PostgreSQL, Redis)', ['postgres', 'redis']);

type Contents = Array<{ text?: string }>;
const textOf = (contents: Contents) => contents.map((c) => c.text ?? '').join('');

describe.runIf(ready)('kind sql on PostgreSQL', () => {
  let base: string;
  let db: Awaited<ReturnType<typeof freshPostgresDatabase>>;
  let client: Client;
  beforeAll(async () => {
    db = await freshPostgresDatabase();
    base = declarativeProject({ '0002_counter.sql': 'CREATE SEQUENCE counter_seq;\n' });
    client = new Client({ name: 'declarative-pg', version: '1.0.0' });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [DECLARATIVE_SERVER],
        env: { PATH: process.env.PATH!, DECL_ROOT: base, DATABASE_URL: db.url, LOG_LEVEL: 'warn', MCP_AUDIT_LOG: 'off', MCP_TRANSPORT: 'stdio' },
        cwd: base,
        stderr: 'pipe',
      }),
    );
  }, 60_000);
  afterAll(async () => {
    await client?.close().catch(() => {});
    await db?.drop().catch(() => {});
    if (base) rmSync(base, { recursive: true, force: true });
  });

  it.each(SQL_PAYLOADS)('%s is bound as a value', async (_name, payload) => {
    const rows = JSON.parse(textOf((await client.readResource({ uri: `db://items-by-name/${encodeURIComponent(payload)}` })).contents as Contents)) as unknown[];
    expect(rows).toEqual(payload === "O'Brien's note" ? [{ id: 4, name: payload }] : []);
    const listed = (await client.listResources()).resources.filter((r) => r.uri.startsWith('db://items/')).map((r) => r.uri);
    expect(listed).toEqual(['db://items/1', 'db://items/2', 'db://items/4']);
  });

  it('types the URI values (an integer parameter refuses anything else) and reads typed rows', async () => {
    expect(JSON.parse(textOf((await client.readResource({ uri: 'db://items/1' })).contents as Contents))).toEqual([{ id: 1, name: 'alpha' }]);
    await expect(client.readResource({ uri: `db://items/${encodeURIComponent('1 OR 1=1')}` })).rejects.toThrow(/must be an integer/);
  });

  it('runs reads in a READ ONLY transaction: a query calling nextval() is refused and the sequence does not move', async () => {
    await expect(client.readResource({ uri: 'db://counter' })).rejects.toThrow(/Internal error|request id/i);
    const pg = (await import('pg')).default;
    const check = new pg.Client({ connectionString: db.url });
    await check.connect();
    try {
      const { rows } = await check.query<{ last_value: string; is_called: boolean }>('SELECT last_value, is_called FROM counter_seq');
      expect(rows[0]).toEqual({ last_value: '1', is_called: false });
    } finally {
      await check.end();
    }
  });
});

describe.runIf(ready)('kind memory across two replicas sharing Redis', () => {
  let base: string;
  let redis: Awaited<ReturnType<typeof freshRedisPrefix>>;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  const replicas: ServerProcess[] = [];
  const clients: Client[] = [];
  beforeAll(async () => {
    base = declarativeProject();
    redis = await freshRedisPrefix();
    upstream = await startUpstream();
    const env = {
      PATH: process.env.PATH!,
      DECL_ROOT: base,
      DECL_UPSTREAM: upstream.origin,
      DATABASE_URL: `sqlite:${base}/db.sqlite`,
      REDIS_URL: REDIS_TEST_URL,
      REDIS_KEY_PREFIX: redis.prefix,
      MCP_HTTP_SESSIONS: 'stateful',
      LOG_LEVEL: 'warn',
      MCP_AUDIT_LOG: 'off',
    };
    // One after the other: the first applies the migrations.
    for (let i = 0; i < 2; i++) replicas.push(await startServer(['node', DECLARATIVE_SERVER, '--transport', 'http', '--port', String(await freePort())], base, env));
  }, 60_000);
  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => {});
    await Promise.allSettled(replicas.map((r) => r.stop(3_000)));
    await redis?.cleanup().catch(() => {});
    await new Promise((resolve) => upstream?.server.close(resolve));
    if (base) rmSync(base, { recursive: true, force: true });
  });

  const connect = async (replica: ServerProcess) => {
    const client = new Client({ name: 'declarative-replica', version: '1.0.0' }, { versionNegotiation: { mode: 'legacy' } });
    await client.connect(new StreamableHTTPClientTransport(replica.url));
    clients.push(client);
    return client;
  };

  it('a key written on replica B is announced to a subscriber on replica A, which reads the new value', async () => {
    const [a, b] = [await connect(replicas[0]!), await connect(replicas[1]!)];
    const seen: string[] = [];
    a.setNotificationHandler('notifications/resources/updated', (n) => void seen.push(n.params.uri));
    await a.subscribeResource({ uri: 'memory://notes/shared' });
    const stored = await b.callTool({ name: 'remember', arguments: { key: 'shared', text: 'from B' } });
    const writer = /pid (\d+)/.exec((stored.content as Array<{ text: string }>)[0]!.text)?.[1];
    expect(writer).toBe(String(replicas[1]!.child.pid));
    const until = Date.now() + 5_000;
    while (!seen.includes('memory://notes/shared') && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(seen).toEqual(['memory://notes/shared']);
    expect(JSON.parse(textOf((await a.readResource({ uri: 'memory://notes/shared' })).contents as Contents))).toEqual({ text: 'from B', by: Number(writer) });
    expect((await a.listResources()).resources.map((r) => r.uri)).toContain('memory://notes/shared');
    // Deleted on B: announced on A too, and gone there.
    await b.callTool({ name: 'remember', arguments: { key: 'shared', forget: true } });
    const until2 = Date.now() + 5_000;
    while (seen.length < 2 && Date.now() < until2) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(seen).toEqual(['memory://notes/shared', 'memory://notes/shared']);
    await expect(a.readResource({ uri: 'memory://notes/shared' })).rejects.toThrow(/No key "shared"/);
  });
});
