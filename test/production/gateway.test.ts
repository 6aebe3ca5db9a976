/**
 * The gateway over tool groups found in a real etcd (first block; the second fronts three different
 * servers — weather, notes, files — at once). One project (the notes example) runs as three
 * groups — reading [list_notes], searching [search_notes], writing [create_note, delete_note] —
 * with two replicas each, on a shared PostgreSQL; every replica registers itself (MCP_REGISTRY).
 * The gateway (runtime/src/gateway, in-process so its counters can be read) lists the union, and 32
 * official SDK clients call across the groups through it while one replica of each group is killed
 * (SIGKILL for two groups, SIGTERM for the third) and restarted and a new replica joins. Afterwards
 * every acknowledged write is in the table exactly once and every call was answered. A replica
 * refuses a forged or unsigned identity header.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { execa } from 'execa';
import { ownEtcd, type OwnEtcd } from '../../runtime/src/__fixtures__/etcd.js';
import { freshPostgresDatabase } from '../../runtime/src/__fixtures__/services.js';
import { runGateway, type RunningGateway } from '../../runtime/src/gateway/index.js';
import { createIdentitySigner } from '../../runtime/src/gateway/identity.js';
import { openRegistry } from '../../runtime/src/registry/index.js';
import { servicesFor } from '../helpers/services.js';
import { startWeatherUpstream } from '../helpers/weather-upstream.js';
import type { Registry } from '../../runtime/src/registry/index.js';
import { CLI } from '../helpers/toolkit.js';
import { buildProject, exampleProject, git, mcpforge } from './lib/project.js';
import { startServer, type ServerProcess } from './lib/server.js';

const ready = await servicesFor('the gateway churn test (etcd, PostgreSQL)', ['etcd', 'postgres']);
const GROUPS = `groups:
  reading:
    tools: [list_notes]
  searching:
    tools: [search_notes]
  writing:
    tools: [create_note, delete_note]
`;
const KEY = 'gateway-identity-key-for-tests-0123456789';
const CLIENTS = 32;
const cleanups: Array<() => Promise<unknown> | unknown> = [];
/**
 * The notes example with its groups, built once and migrated on a fresh PostgreSQL database: both
 * blocks run it (as groups in the first, whole in the second), so it is compiled once per file.
 */
let notes: Promise<{ dir: string; databaseUrl: string }> | undefined;
const notesProject = () =>
  (notes ??= (async () => {
    const dir = await exampleProject('notes');
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const database = await freshPostgresDatabase();
    cleanups.push(() => database.drop());
    writeFileSync(join(dir, 'mcpforge.yaml'), `${readFileSync(join(dir, 'mcpforge.yaml'), 'utf8')}${GROUPS}`);
    const generated = await mcpforge(dir, 'generate');
    if (generated.exitCode !== 0) throw new Error(`generate failed:\n${generated.all}`);
    await git(dir, 'add', '-A');
    await buildProject(dir);
    const migrated = await execa(process.execPath, ['dist/server.js'], { cwd: dir, env: { PATH: process.env.PATH, LOG_LEVEL: 'warn', DATABASE_URL: database.url, MCP_MIGRATE: 'only' } as NodeJS.ProcessEnv, reject: false, all: true });
    if (migrated.exitCode !== 0) throw new Error(`migrate failed:\n${migrated.all}`);
    return { dir, databaseUrl: database.url };
  })());
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => {});
});

describe.skipIf(!ready)('gateway over three groups registered in etcd', () => {
  let dir: string;
  let etcd: OwnEtcd;
  let databaseUrl: string;
  let gateway: RunningGateway;
  const replicas = new Map<string, ServerProcess[]>();
  let env: Record<string, string | undefined>;

  const startReplica = async (group: string) => {
    const server = await startServer(['node', 'dist/server.js', '--transport', 'http', '--port', '0', '--group', group], dir, env);
    cleanups.push(() => server.stop(2000));
    replicas.set(group, [...(replicas.get(group) ?? []), server]);
    return server;
  };

  beforeAll(async () => {
    let project: { dir: string; databaseUrl: string };
    [etcd, project] = await Promise.all([ownEtcd(), notesProject()]);
    cleanups.push(() => etcd.destroy());
    ({ dir, databaseUrl } = project);
    env = { PATH: process.env.PATH, LOG_LEVEL: 'warn', MCP_AUDIT_LOG: 'off', DATABASE_URL: databaseUrl, MCP_MIGRATE: 'skip', MCP_REGISTRY: etcd.url, MCP_REGISTRY_TTL_S: '3', MCP_GATEWAY_IDENTITY_KEY: KEY, MCP_SHUTDOWN_TIMEOUT_MS: '5000' };
    await Promise.all(['reading', 'searching', 'writing'].flatMap((g) => [startReplica(g), startReplica(g)]));
    gateway = await runGateway({ registry: etcd.url, service: 'notes', identityKey: KEY, minGroups: 3, manageProcess: false, argv: ['--port', '0'], env: { LOG_LEVEL: 'warn', MCP_AUDIT_LOG: 'off' } });
    cleanups.push(() => gateway.shutdown());
  }, 180_000);

  it('every replica registered itself with its group, address and tools', async () => {
    const registry = await openRegistry(etcd.url);
    const records = await registry.list('notes');
    await registry.close();
    expect(records).toHaveLength(6);
    const writing = records.filter((r) => r.group === 'writing');
    expect(writing).toHaveLength(2);
    expect(writing[0]!.tools.sort()).toEqual(['create_note', 'delete_note']);
    expect(writing[0]!.address).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    expect(writing[0]!.protocolVersions).toContain('2025-11-25');
  });

  it('lists the union of the groups\' tools and the shared prompts and resources', async () => {
    const client = new Client({ name: 'gateway-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(gateway.http!.url)));
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(['create_note', 'delete_note', 'list_notes', 'search_notes']);
    expect((await client.listPrompts()).prompts.map((p) => p.name)).toContain('summarize_notes');
    expect((await client.listResourceTemplates()).resourceTemplates.map((r) => r.uriTemplate)).toContain('notes://{id}');
    const created = await client.callTool({ name: 'create_note', arguments: { title: 'via gateway', body: 'b' } });
    expect(created.isError).toBeFalsy();
    const id = (created.structuredContent as { id: string }).id;
    const read = await client.readResource({ uri: `notes://${id}` });
    expect(JSON.stringify(read.contents[0])).toContain('via gateway');
    await client.close();
  });

  it('a replica refuses a forged, an unsigned and a stale identity header (401) and accepts the gateway\'s', async () => {
    const replica = replicas.get('reading')![0]!;
    const post = (identity: string) =>
      fetch(replica.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25', 'mcp-gateway-identity': identity },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
      });
    const forged = await new SignJWT({ scopes: ['admin'] }).setProtectedHeader({ alg: 'HS256' }).setIssuer('mcpforge-gateway').setAudience('notes').setSubject('mallory').setIssuedAt().setExpirationTime('60s').sign(new TextEncoder().encode('not-the-gateway-key-but-long-enough-0000'));
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"mallory","iss":"mcpforge-gateway","aud":"notes"}').toString('base64url')}.`;
    for (const identity of [forged, unsigned, 'mallory']) {
      const response = await post(identity);
      expect(response.status, identity).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/invalid_token/);
    }
    const genuine = await createIdentitySigner(KEY).sign({ subject: 'alice', scopes: [], anonymous: false }, 'notes');
    expect((await post(genuine)).status).toBe(200);
    // Signed for another service: refused too.
    expect((await post(await createIdentitySigner(KEY).sign({ subject: 'alice', scopes: [], anonymous: false }, 'weather'))).status).toBe(401);
  });

  it('authenticates once at its edge (auth mode jwt) and the group server records the forwarded caller', async () => {
    const secret = 'jwt-secret-of-the-gateway-edge-0123456789';
    const edge = await runGateway({ registry: etcd.url, service: 'notes', identityKey: KEY, authMode: 'jwt', minGroups: 3, manageProcess: false, argv: ['--port', '0'], env: { LOG_LEVEL: 'warn', MCP_AUDIT_LOG: 'off', MCP_JWT_SECRET: secret, MCP_JWT_AUDIENCE: 'notes-gateway' } });
    cleanups.push(() => edge.shutdown());
    const anonymous = await fetch(edge.http!.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }) });
    expect(anonymous.status).toBe(401);
    const token = await new SignJWT({ scope: 'notes:write' }).setProtectedHeader({ alg: 'HS256' }).setSubject('alice-at-the-edge').setAudience('notes-gateway').setIssuedAt().setExpirationTime('5m').sign(new TextEncoder().encode(secret));
    const client = new Client({ name: 'edge', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(edge.http!.url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
    const created = await client.callTool({ name: 'create_note', arguments: { title: 'from alice', body: 'b' } });
    expect(created.isError, JSON.stringify(created.content)).toBeFalsy();
    await client.close();
    const pg = (await import('pg')).default;
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    const audit = (await db.query<{ subject: string }>("select subject from mcpforge_audit where name = 'create_note' and subject = 'alice-at-the-edge'")).rows;
    await db.end();
    expect(audit).toHaveLength(1);
  });

  it('32 clients across the groups while replicas are killed, restarted and added: no acknowledged write lost or doubled, every call answered', async () => {
    const started = Date.now();
    const acknowledged = new Set<string>();
    let calls = 0;
    let answered = 0;
    let failures = 0;
    const failureSamples: string[] = [];
    let stop = false;
    const clients = await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        const client = new Client({ name: 'churn', version: '1.0.0' });
        await client.connect(new StreamableHTTPClientTransport(new URL(gateway.http!.url)));
        return client;
      }),
    );
    const statsBefore = { ...gateway.stats };
    const work = clients.map(async (client, c) => {
      for (let i = 0; !stop; i++) {
        const title = `churn-${c}-${i}`;
        const op = i % 3;
        calls++;
        try {
          const result =
            op === 0
              ? await client.callTool({ name: 'create_note', arguments: { title, body: 'x' }, _meta: { 'mcpforge/idempotencyKey': title } })
              : op === 1
                ? await client.callTool({ name: 'list_notes', arguments: { limit: 5 } })
                : await client.callTool({ name: 'search_notes', arguments: { query: `churn-${c}-` } });
          answered++;
          if (result.isError) {
            failures++;
            if (failureSamples.length < 5) failureSamples.push(JSON.stringify(result.content));
          } else if (op === 0) acknowledged.add(title);
        } catch (error) {
          answered++;
          failures++;
          const cause = (error as { cause?: { code?: string; message?: string } }).cause;
          if (failureSamples.length < 5) failureSamples.push(`op ${op}: ${(error as Error).message}${cause ? ` (${cause.code ?? ''} ${cause.message ?? ''})` : ''}`);
        }
      }
    });
    const churn = (async () => {
      await new Promise((r) => setTimeout(r, 1500));
      // The three groups churn at once, staggered; a third writing replica joins meanwhile.
      const cycle = async (group: string, signal: 'SIGKILL' | 'SIGTERM', delayMs: number) => {
        await new Promise((r) => setTimeout(r, delayMs));
        const victim = replicas.get(group)![0]!;
        replicas.set(group, replicas.get(group)!.slice(1));
        if (signal === 'SIGKILL') victim.child.kill('SIGKILL');
        else await victim.stop(5000);
        await new Promise((r) => setTimeout(r, 700));
        await startReplica(group);
      };
      await Promise.all([cycle('writing', 'SIGKILL', 0), cycle('reading', 'SIGTERM', 400), cycle('searching', 'SIGKILL', 800), new Promise((r) => setTimeout(r, 1200)).then(() => startReplica('writing'))]);
      await new Promise((r) => setTimeout(r, 2000));
      stop = true;
    })();
    await churn;
    await Promise.all(work);
    await Promise.all(clients.map((c) => c.close()));
    const durationMs = Date.now() - started;

    const pg = (await import('pg')).default;
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    const rows = (await db.query<{ title: string; n: string }>("select title, count(*) as n from notes where title like 'churn-%' group by title")).rows;
    await db.end();
    const stored = new Map(rows.map((r) => [r.title, Number(r.n)]));
    const lost = [...acknowledged].filter((t) => !stored.has(t));
    const doubled = rows.filter((r) => Number(r.n) > 1).map((r) => r.title);
    const retries = gateway.stats.retries - statsBefore.retries;
    const upstreamCalls = gateway.stats.calls - statsBefore.calls;
    process.stdout.write(
      `\n[gateway churn] clients=${CLIENTS} calls=${calls} answered=${answered} errors=${failures} acknowledged_writes=${acknowledged.size} stored_rows=${rows.length} lost=${lost.length} duplicated=${doubled.length} upstream_calls=${upstreamCalls} retries=${retries} duration_ms=${durationMs}\n`,
    );
    if (failureSamples.length > 0) process.stdout.write(`[gateway churn] failure samples: ${failureSamples.join(' | ')}\n`);
    expect(answered).toBe(calls);
    expect(lost).toEqual([]);
    expect(doubled).toEqual([]);
    expect(failures).toBe(0);
    expect(acknowledged.size).toBeGreaterThan(50);
    // Killed replicas made the gateway retry elsewhere (a refused connection, a cut answer).
    expect(retries).toBeGreaterThan(0);
    // The SIGTERM'd replica left the registry at once; the SIGKILLed ones when their lease ran out.
    const registry = await openRegistry(etcd.url);
    const deadline = Date.now() + 8000;
    let live = await registry.list('notes');
    while (live.length !== 7 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      live = await registry.list('notes');
    }
    await registry.close();
    expect(live.filter((r) => r.group === 'writing')).toHaveLength(3);
    expect(live).toHaveLength(7);
  }, 90_000);

  it('a group leaving the registry changes the catalogue: session clients get tools/list_changed, new lists lack its tools', async () => {
    const stateful = await runGateway({ registry: etcd.url, service: 'notes', identityKey: KEY, minGroups: 3, manageProcess: false, argv: ['--port', '0'], env: { LOG_LEVEL: 'warn', MCP_AUDIT_LOG: 'off', MCP_HTTP_SESSIONS: 'stateful' } });
    cleanups.push(() => stateful.shutdown());
    const client = new Client({ name: 'session', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(stateful.http!.url)));
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('search_notes');
    const changed = new Promise<void>((resolve) => client.setNotificationHandler('notifications/tools/list_changed', () => resolve()));
    // Both searching replicas stop (SIGTERM: each deregisters before draining).
    await Promise.all(replicas.get('searching')!.map((r) => r.stop(5000)));
    await Promise.race([changed, new Promise((_, reject) => setTimeout(() => reject(new Error('no tools/list_changed within 10 s')), 10_000))]);
    expect(stateful.tools().sort()).toEqual(['create_note', 'delete_note', 'list_notes']);
    const fresh = new Client({ name: 'fresh', version: '1.0.0' });
    await fresh.connect(new StreamableHTTPClientTransport(new URL(stateful.http!.url)));
    expect((await fresh.listTools()).tools.map((t) => t.name).sort()).toEqual(['create_note', 'delete_note', 'list_notes']);
    await Promise.all([client.close(), fresh.close()]);
  }, 60_000);

  it('mcpforge gateway --help names its options', async () => {
    const help = await execa(process.execPath, [CLI, 'gateway', '--help'], { reject: false, all: true });
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toMatch(/--registry <url>[\s\S]*--port[\s\S]*--auth <mode>/);
    const missing = await execa(process.execPath, [CLI, 'gateway'], { reject: false, all: true, env: { MCP_REGISTRY: '' } });
    expect(missing.exitCode).not.toBe(0);
    expect(missing.all).toMatch(/needs a registry: --registry etcd:\/\/host:2379/);
    expect(help.stdout).toMatch(/--service <names>[\s\S]*comma-separated[\s\S]*--names <mode>/);
    const badNames = await execa(process.execPath, [CLI, 'gateway', '--registry', 'etcd://127.0.0.1:1', '--names', 'merge'], { reject: false, all: true });
    expect(badNames.exitCode).not.toBe(0);
    expect(badNames.all).toMatch(/--names merge: use refuse .* or prefix/);
  });
});

/**
 * The seed's picture: three different MCP servers — the weather, notes and files examples — with
 * two replicas each, registered in their own etcd, behind one gateway (`service: weather,notes,files`).
 * 32 official SDK clients call across the three servers while one replica of each is stopped
 * (SIGKILL for notes and files, SIGTERM for weather) and restarted and a third notes replica joins.
 */
describe.skipIf(!ready)('gateway over three different servers (weather, notes, files) registered in etcd', () => {
  const SERVICES = ['weather', 'notes', 'files'] as const;
  type Service = (typeof SERVICES)[number];
  let etcd: OwnEtcd;
  let gateway: RunningGateway;
  let databaseUrl: string;
  const dirs = {} as Record<Service, string>;
  const envs = {} as Record<Service, Record<string, string | undefined>>;
  const replicas = new Map<Service, ServerProcess[]>();

  let started = 0;
  const startReplica = async (service: Service) => {
    // SQLite in memory is one database per connection: each weather/files replica gets its own file.
    const database = service === 'notes' ? {} : { DATABASE_URL: `sqlite:${join(dirs[service], `replica-${started++}.db`)}` };
    const server = await startServer(['node', 'dist/server.js', '--transport', 'http', '--port', '0'], dirs[service], { ...envs[service], ...database });
    cleanups.push(() => server.stop(2000));
    replicas.set(service, [...(replicas.get(service) ?? []), server]);
    return server;
  };

  beforeAll(async () => {
    const [ownedEtcd, weatherDir, filesDir, upstream] = await Promise.all([ownEtcd(), exampleProject('weather'), exampleProject('files'), startWeatherUpstream()]);
    etcd = ownedEtcd;
    cleanups.push(() => etcd.destroy(), () => upstream.close(), () => rmSync(weatherDir, { recursive: true, force: true }), () => rmSync(filesDir, { recursive: true, force: true }));
    // Built one after the other: two compilers at once only slow a loaded machine down.
    const { dir: notesDir, databaseUrl: notesDatabase } = await notesProject();
    await buildProject(weatherDir);
    await buildProject(filesDir);
    Object.assign(dirs, { weather: weatherDir, files: filesDir, notes: notesDir });
    databaseUrl = notesDatabase;
    const common = { PATH: process.env.PATH, LOG_LEVEL: 'warn', MCP_AUDIT_LOG: 'off', MCP_REGISTRY: etcd.url, MCP_REGISTRY_TTL_S: '3', MCP_GATEWAY_IDENTITY_KEY: KEY, MCP_SHUTDOWN_TIMEOUT_MS: '5000' };
    envs.weather = { ...common, WEATHER_API_URL: upstream.url, WEATHER_GEOCODING_URL: upstream.url };
    envs.files = { ...common };
    envs.notes = { ...common, DATABASE_URL: databaseUrl, MCP_MIGRATE: 'skip' };
    await Promise.all(SERVICES.flatMap((service) => [startReplica(service), startReplica(service)]));
    gateway = await runGateway({ registry: etcd.url, service: 'weather,notes,files', identityKey: KEY, minGroups: 3, manageProcess: false, argv: ['--port', '0'], env: { LOG_LEVEL: 'warn', MCP_AUDIT_LOG: 'off' } });
    cleanups.push(() => gateway.shutdown());
  }, 240_000);

  it('six replicas of three services registered; the gateway lists the union of their tools', async () => {
    const registry = await openRegistry(etcd.url);
    const records = await registry.list();
    await registry.close();
    expect(records.map((r) => r.service).sort()).toEqual(['files', 'files', 'notes', 'notes', 'weather', 'weather']);
    const union = [...new Set(records.flatMap((r) => r.tools))].sort();
    expect(union).toEqual(expect.arrayContaining(['create_note', 'get_forecast', 'list_files', 'read_file']));
    const client = new Client({ name: 'multi', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(gateway.http!.url)));
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(union);
    expect(gateway.tools().sort()).toEqual(union);
    await client.close();
  });

  it('a name served by two services stops the start with an error naming both; --names prefix serves <service>__<name>', async () => {
    // A custom Registry (the documented interface) that announces the notes replicas a second time
    // under another service name: two services serving the same tools and resource URIs.
    const inner = await openRegistry(etcd.url);
    const mirrored = (records: Awaited<ReturnType<Registry['list']>>) => [...records, ...records.filter((r) => r.service === 'notes').map((r) => ({ ...r, service: 'notes-mirror', id: `${r.id}-mirror` }))];
    const mirror: Registry = { ...inner, list: async () => mirrored(await inner.list()), watch: (_service, onChange) => inner.watch(undefined, onChange), close: async () => {} };
    cleanups.push(() => inner.close());
    await expect(runGateway({ registry: mirror, service: ['notes', 'notes-mirror'], manageProcess: false, argv: ['--port', '0'], env: { LOG_LEVEL: 'warn', MCP_AUDIT_LOG: 'off' } })).rejects.toThrow(
      /name collision\(s\) between services — tool "create_note" is served by both (notes and notes-mirror|notes-mirror and notes);[\s\S]*resource template "notes:\/\/\{id\}" is served by both[\s\S]*--names prefix/,
    );
    // Prefixing renames tools and prompts, not URIs: the shared resource template still refuses the start.
    await expect(runGateway({ registry: mirror, service: 'notes,notes-mirror', names: 'prefix', manageProcess: false, argv: ['--port', '0'], env: { LOG_LEVEL: 'warn', MCP_AUDIT_LOG: 'off' } })).rejects.toThrow(/^gateway: \d+ name collision\(s\) between services — resource template "notes:\/\/\{id\}"/);
    // A colliding service that joins later does not take over names in use: the catalogue stays.
    let announce: ((change: Parameters<Parameters<Registry['watch']>[1]>[0]) => void) | undefined;
    const late: Registry = { ...inner, list: () => inner.list(), watch: async (_service, onChange) => ((announce = onChange), async () => {}), close: async () => {} };
    const open = await runGateway({ registry: late, manageProcess: false, argv: ['--port', '0'], env: { LOG_LEVEL: 'warn', MCP_AUDIT_LOG: 'off' } });
    cleanups.push(() => open.shutdown());
    const before = open.tools().sort();
    expect(before).toEqual(expect.arrayContaining(['create_note', 'get_forecast', 'read_file']));
    for (const record of mirrored(await inner.list()).filter((r) => r.service === 'notes-mirror')) announce!({ type: 'put', record });
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await open.refresh();
      expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toMatch(/tool "create_note" is served by both[\s\S]*Keeping the previous catalogue/);
    } finally {
      stderr.mockRestore();
    }
    expect(open.tools().sort()).toEqual(before);
    // Distinct names (weather, notes, files), prefixed: every name carries its service; calls reach the right one.
    const prefixed = await runGateway({ registry: etcd.url, service: ['weather', 'notes', 'files'], names: 'prefix', identityKey: KEY, minGroups: 3, manageProcess: false, argv: ['--port', '0'], env: { LOG_LEVEL: 'warn', MCP_AUDIT_LOG: 'off' } });
    cleanups.push(() => prefixed.shutdown());
    const client = new Client({ name: 'prefixed', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(prefixed.http!.url)));
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['weather__get_forecast', 'notes__create_note', 'files__read_file']));
    expect(names.every((n) => /^(weather|notes|files)__/.test(n))).toBe(true);
    const read = await client.callTool({ name: 'files__read_file', arguments: { path: 'ideas.txt' } });
    expect(read.isError, JSON.stringify(read.content)).toBeFalsy();
    const forecast = await client.callTool({ name: 'weather__get_forecast', arguments: { city: 'Berlin', days: 2 } });
    expect(forecast.isError, JSON.stringify(forecast.content)).toBeFalsy();
    // The unprefixed name is not served: an error result or a protocol error, never a forecast.
    const unprefixed = await client.callTool({ name: 'get_forecast', arguments: { city: 'Berlin' } }).then((r) => r.isError === true, () => true);
    expect(unprefixed).toBe(true);
    await client.close();
  }, 60_000);

  it('a weather replica refuses a forged identity and one signed for the notes service', async () => {
    const replica = replicas.get('weather')![0]!;
    const post = (identity: string) =>
      fetch(replica.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25', 'mcp-gateway-identity': identity },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
      });
    const forged = await new SignJWT({ scopes: ['admin'] }).setProtectedHeader({ alg: 'HS256' }).setIssuer('mcpforge-gateway').setAudience('weather').setSubject('mallory').setIssuedAt().setExpirationTime('60s').sign(new TextEncoder().encode('not-the-gateway-key-but-long-enough-0000'));
    expect((await post(forged)).status).toBe(401);
    expect((await post(await createIdentitySigner(KEY).sign({ subject: 'alice', scopes: [], anonymous: false }, 'notes'))).status).toBe(401);
    expect((await post(await createIdentitySigner(KEY).sign({ subject: 'alice', scopes: [], anonymous: false }, 'weather'))).status).toBe(200);
  });

  it('32 clients across weather, notes and files while a replica of each is killed and restarted and a notes replica joins: no acknowledged write lost or doubled, every call answered', async () => {
    const started = Date.now();
    const acknowledged = new Set<string>();
    const perService: Record<Service, number> = { weather: 0, notes: 0, files: 0 };
    let calls = 0;
    let answered = 0;
    let failures = 0;
    const failureSamples: string[] = [];
    let stop = false;
    const clients = await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        const client = new Client({ name: 'multi-churn', version: '1.0.0' });
        await client.connect(new StreamableHTTPClientTransport(new URL(gateway.http!.url)));
        return client;
      }),
    );
    const statsBefore = { ...gateway.stats };
    const work = clients.map(async (client, c) => {
      for (let i = 0; !stop; i++) {
        const title = `multi-${c}-${i}`;
        const op = (c + i) % 5;
        const [service, name, args, meta]: [Service, string, Record<string, unknown>, Record<string, unknown>?] =
          op === 0
            ? ['notes', 'create_note', { title, body: 'x' }, { 'mcpforge/idempotencyKey': title }]
            : op === 1
              ? ['weather', 'get_forecast', { city: i % 2 ? 'Berlin' : 'Lisbon', days: 1 + (i % 7) }]
              : op === 2
                ? ['files', 'read_file', { path: 'ideas.txt' }]
                : op === 3
                  ? ['notes', 'search_notes', { query: `multi-${c}-` }]
                  : ['files', 'list_files', { path: '.' }];
        calls++;
        perService[service]++;
        try {
          const result = await client.callTool({ name, arguments: args, ...(meta ? { _meta: meta } : {}) });
          answered++;
          if (result.isError) {
            failures++;
            if (failureSamples.length < 5) failureSamples.push(`${name}: ${JSON.stringify(result.content)}`);
          } else if (op === 0) acknowledged.add(title);
        } catch (error) {
          answered++;
          failures++;
          if (failureSamples.length < 5) failureSamples.push(`${name}: ${(error as Error).message}`);
        }
      }
    });
    const churn = (async () => {
      await new Promise((r) => setTimeout(r, 1500));
      const cycle = async (service: Service, signal: 'SIGKILL' | 'SIGTERM', delayMs: number) => {
        await new Promise((r) => setTimeout(r, delayMs));
        const victim = replicas.get(service)![0]!;
        replicas.set(service, replicas.get(service)!.slice(1));
        if (signal === 'SIGKILL') victim.child.kill('SIGKILL');
        else await victim.stop(5000);
        await new Promise((r) => setTimeout(r, 700));
        await startReplica(service);
      };
      await Promise.all([cycle('notes', 'SIGKILL', 0), cycle('weather', 'SIGTERM', 400), cycle('files', 'SIGKILL', 800), new Promise((r) => setTimeout(r, 1200)).then(() => startReplica('notes'))]);
      await new Promise((r) => setTimeout(r, 2000));
      stop = true;
    })();
    await churn;
    await Promise.all(work);
    await Promise.all(clients.map((c) => c.close()));
    const durationMs = Date.now() - started;

    const pg = (await import('pg')).default;
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    const rows = (await db.query<{ title: string; n: string }>("select title, count(*) as n from notes where title like 'multi-%' group by title")).rows;
    await db.end();
    const stored = new Map(rows.map((r) => [r.title, Number(r.n)]));
    const lost = [...acknowledged].filter((t) => !stored.has(t));
    const doubled = rows.filter((r) => Number(r.n) > 1).map((r) => r.title);
    const retries = gateway.stats.retries - statsBefore.retries;
    process.stdout.write(
      `\n[gateway churn] services=weather,notes,files replicas=2+2+2(+1 joined) clients=${CLIENTS} calls=${calls} (weather=${perService.weather} notes=${perService.notes} files=${perService.files}) answered=${answered} errors=${failures} acknowledged_writes=${acknowledged.size} stored_rows=${rows.length} lost=${lost.length} duplicated=${doubled.length} upstream_calls=${gateway.stats.calls - statsBefore.calls} retries=${retries} duration_ms=${durationMs}\n`,
    );
    if (failureSamples.length > 0) {
      process.stdout.write(`[gateway churn] failure samples: ${failureSamples.join(' | ')}\n`);
      for (const [service, list] of replicas) for (const r of list) process.stdout.write(`[gateway churn] ${service} replica log: ${r.stderr().slice(-1500)}\n`);
    }
    expect(answered).toBe(calls);
    expect(lost).toEqual([]);
    expect(doubled).toEqual([]);
    expect(failures).toBe(0);
    expect(acknowledged.size).toBeGreaterThan(30);
    expect(Math.min(perService.weather, perService.notes, perService.files)).toBeGreaterThan(30);
    expect(retries).toBeGreaterThan(0);
    const registry = await openRegistry(etcd.url);
    const deadline = Date.now() + 8000;
    let live = await registry.list();
    while (live.length !== 7 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      live = await registry.list();
    }
    await registry.close();
    expect(live.filter((r) => r.service === 'notes')).toHaveLength(3);
    expect(live).toHaveLength(7);
  }, 120_000);
});
