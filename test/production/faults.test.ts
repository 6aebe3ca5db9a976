/**
 * Faults under load, with real services only: a private PostgreSQL (Debian's binaries, temp data
 * folder, free port), a private redis-server, a real nginx running the generated deploy/nginx.conf
 * in front of 3 replicas of the upgraded notes example (built once), and 32 concurrent official SDK
 * clients making writing tool calls (create_note), each logical call with its own idempotency key,
 * retried with that key until acknowledged.
 *
 * During the run: kill -9 one replica (then restart it), crash-restart PostgreSQL, stop and restart
 * Redis. Afterwards every acknowledged call is in the database exactly once (0 lost, 0 duplicated),
 * the error rate and the recovery time of each fault are printed, and the service has recovered by
 * itself (every replica ready with database and Redis up, the last seconds error-free).
 *
 * Bounded: about 30 s of load, at most MAX_ATTEMPTS calls, loopback only.
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { execa } from 'execa';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, ownRedis, type OwnRedis } from '../../runtime/src/__fixtures__/services.js';
import { IDEMPOTENCY_META_KEY } from '../../runtime/src/idempotency/index.js';
import { ownNginx, type OwnNginx } from './lib/own-nginx.js';
import { ownPostgres, type OwnPostgres } from './lib/own-postgres.js';
import { buildProject, exampleProject, upgrade } from './lib/project.js';
import { connectClient, startServer, type ServerProcess } from './lib/server.js';
import { servicesFor } from '../helpers/services.js';

const CLIENTS = 32;
const REPLICAS = 3;
/** Hard bound on tool calls (attempts, retries included). */
const MAX_ATTEMPTS = 20_000;
const CALL_TIMEOUT_MS = 5_000;

const ready = await servicesFor('the fault test', ['postgres-binaries', 'redis-binaries', 'nginx']);

interface Attempt {
  start: number;
  end: number;
  ok: boolean;
  error?: string;
}
interface Op {
  key: string;
  title: string;
  /** The note id of the acknowledged result. */
  acked?: string;
  replayed?: boolean;
}
interface Fault {
  name: string;
  /** When the fault was injected. */
  start: number;
  /** When the restore action (restart) had completed. */
  restored: number;
  /** When every replica reported ready with database and Redis up again. */
  healthy: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!ready)('faults under load: kill -9 a replica, restart PostgreSQL, stop Redis', () => {
  let pg: OwnPostgres;
  let redis: OwnRedis;
  let nginx: OwnNginx;
  let dir: string;
  const ports: number[] = [];
  const replicas: ServerProcess[] = [];
  let env: Record<string, string>;

  const startReplica = async (i: number) => {
    replicas[i] = await startServer(['node', 'dist/server.js', '--transport', 'http', '--port', String(ports[i])], dir, env);
  };

  beforeAll(async () => {
    [pg, redis, dir] = await Promise.all([
      ownPostgres().then(async (p) => (await p.start(), p)),
      ownRedis().then(async (r) => (await r.start(), r)),
      (async () => {
        const project = await exampleProject('notes');
        await upgrade(project);
        await buildProject(project);
        return project;
      })(),
    ]);
    env = {
      PATH: process.env.PATH!,
      DATABASE_URL: pg.url,
      DATABASE_POOL_SIZE: '10',
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: 'mcpforge:faults:',
      MCP_MIGRATE: 'skip',
      MCP_SHUTDOWN_TIMEOUT_MS: '2000',
      LOG_LEVEL: 'warn',
    };
    // As in compose.yaml: a one-shot migration, then the replicas (which skip it).
    const migrate = await execa(process.execPath, ['dist/server.js', '--migrate', 'only'], { cwd: dir, env: { ...env, MCP_MIGRATE: 'only' }, extendEnv: false, all: true, reject: false });
    if (migrate.exitCode !== 0) throw new Error(`migration failed:\n${migrate.all}`);
    for (let i = 0; i < REPLICAS; i++) ports.push(await freePort());
    await Promise.all(ports.map((_, i) => startReplica(i)));
    nginx = await ownNginx('notes', ports.map((port) => `127.0.0.1:${port}`));
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled(replicas.map((r) => r?.stop(3_000)));
    await nginx?.stop().catch(() => {});
    await redis?.stop().catch(() => {});
    await pg?.destroy().catch(() => {});
  });

  it('acknowledged calls are stored exactly once, and the service recovers by itself', async () => {
    const clients: Client[] = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => connectClient(nginx.url, `fault-client-${i}`)));
    const attempts: Attempt[] = [];
    const ops: Op[] = [];
    const faults: Fault[] = [];
    const redisStates: string[] = [];
    const t0 = Date.now();
    const elapsed = () => Date.now() - t0;
    let stopNew = false;
    // Calls in flight when the load stops keep retrying for at most 20 s more.
    let hardDeadline = t0 + 90_000;

    const readiness = async () =>
      Promise.all(
        ports.map(async (port) => {
          try {
            const res = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(1_000) });
            return { ...((await res.json()) as { database?: string; redis?: string }), status: res.status };
          } catch (error) {
            return { status: 0, error: (error as Error).message };
          }
        }),
      );
    const allHealthy = async () => (await readiness()).every((r) => r.status === 200 && 'database' in r && r.database === 'up' && r.redis === 'up');
    const progress = process.env.MCPFORGE_FAULTS_PROGRESS;
    const note = (message: string) => progress && appendFileSync(progress, `${elapsed()} ms ${message}\n`);
    const waitHealthy = async () => {
      note(`waiting for health: ${JSON.stringify(await readiness())}`);
      while (!(await allHealthy())) {
        if (Date.now() > hardDeadline) throw new Error(`replicas not healthy: ${JSON.stringify(await readiness())}`);
        await sleep(100);
      }
      return Date.now();
    };

    const runOp = async (client: Client, op: Op) => {
      for (let n = 0; Date.now() < hardDeadline && attempts.length < MAX_ATTEMPTS; n++) {
        const attempt: Attempt = { start: Date.now(), end: 0, ok: false };
        attempts.push(attempt);
        try {
          const result = await client.callTool(
            { name: 'create_note', arguments: { title: op.title, tags: ['fault'] }, _meta: { [IDEMPOTENCY_META_KEY]: op.key } },
            { timeout: CALL_TIMEOUT_MS },
          );
          if (result.isError) throw new Error(`tool error: ${JSON.stringify(result.content).slice(0, 200)}`);
          const note = result.structuredContent as { id: string; title: string };
          if (note.title !== op.title) throw new Error(`result for another call: ${note.title}`);
          attempt.ok = true;
          attempt.end = Date.now();
          op.acked = note.id;
          op.replayed = (result._meta as Record<string, unknown> | undefined)?.['mcpforge/idempotentReplay'] === true;
          return;
        } catch (error) {
          attempt.end = Date.now();
          // First line only (nginx error pages are HTML), ids masked, so errors group by kind.
          attempt.error = (error as Error).message.split('\n')[0]!.trim().replace(/[0-9a-f-]{36}/g, '<id>').slice(0, 120);
          // Jittered exponential backoff, capped: retries must not stampede a recovering service.
          await sleep(Math.min(1_000, 25 * 2 ** n) * (0.5 + Math.random()));
        }
      }
    };
    const worker = async (client: Client) => {
      while (!stopNew && attempts.length < MAX_ATTEMPTS) {
        const key = randomUUID();
        const op: Op = { key, title: `fault ${key}` };
        ops.push(op);
        await runOp(client, op);
      }
    };

    const load = Promise.all(clients.map(worker));
    const ticker = progress
      ? setInterval(() => {
          const failed = attempts.filter((a) => a.end && !a.ok).length;
          note(`attempts=${attempts.length} failed=${failed} ops=${ops.length} faults=${faults.length} last=${attempts.filter((a) => a.error).at(-1)?.error ?? ''} mem=${Math.round(process.memoryUsage().heapUsed / 1e6)}MB`);
        }, 1_000)
      : undefined;

    // The faults, one after another, each after the service is healthy again. Whatever happens,
    // the load stops with them.
    let loadEnd = 0;
    try {
      await sleep(3_000);
      {
        const start = Date.now();
        replicas[1]!.child.kill('SIGKILL');
        note('killed replica 2');
        await sleep(2_000);
        await startReplica(1);
        note('restarted replica 2');
        const restored = Date.now();
        faults.push({ name: 'kill -9 replica 2 (restarted after 2 s)', start, restored, healthy: await waitHealthy() });
      }
      await sleep(Math.max(0, 11_000 - elapsed()));
      {
        const start = Date.now();
        await pg.restart('immediate');
        const restored = Date.now();
        faults.push({ name: 'PostgreSQL crash + restart', start, restored, healthy: await waitHealthy() });
      }
      await sleep(Math.max(0, 19_000 - elapsed()));
      {
        const start = Date.now();
        await redis.stop();
        // Hold the outage until every replica reports it (or 4 s), then 1 s more.
        for (let i = 0; i < 40; i++) {
          const states = await readiness();
          redisStates.push(states.map((s) => ('redis' in s ? s.redis : 'n/a')).join(','));
          if (states.every((s) => 'redis' in s && s.redis === 'down')) break;
          await sleep(100);
        }
        await sleep(1_000);
        await redis.start();
        const restored = Date.now();
        faults.push({ name: 'Redis stop + start', start, restored, healthy: await waitHealthy() });
      }
      await sleep(Math.max(0, 29_000 - elapsed()));
    } finally {
      loadEnd = Date.now();
      stopNew = true;
      hardDeadline = Math.min(hardDeadline, loadEnd + 20_000);
      await load;
      clearInterval(ticker);
      await Promise.all(clients.map((c) => c.close().catch(() => {})));
    }

    // What the database holds.
    const { default: pgLib } = await import('pg');
    const db = new pgLib.Client({ connectionString: pg.url });
    await db.connect();
    const rows = (await db.query<{ id: string; title: string }>(`select id, title from notes where title like 'fault %'`)).rows;
    const keys = Number((await db.query<{ n: string }>(`select count(*) as n from mcpforge_idempotency where tool = 'create_note'`)).rows[0]!.n);
    await db.end();

    const byTitle = new Map<string, string[]>();
    for (const row of rows) byTitle.set(row.title, [...(byTitle.get(row.title) ?? []), row.id]);
    const acked = ops.filter((op) => op.acked !== undefined);
    const lost = acked.filter((op) => !byTitle.get(op.title)?.includes(op.acked!));
    const duplicated = [...byTitle.values()].filter((ids) => ids.length > 1);
    const known = new Set(ops.map((op) => op.title));
    const strangers = rows.filter((row) => !known.has(row.title));
    const unacked = ops.filter((op) => op.acked === undefined);
    const unackedStored = unacked.filter((op) => byTitle.has(op.title));

    // The report.
    // An attempt belongs to the phase in which it ended: calls in flight on a killed replica count for that fault.
    const window = (from: number, to: number) => attempts.filter((a) => a.end >= from && a.end < to);
    const row = (name: string, from: number, to: number, fault?: Fault) => {
      const inWindow = window(from, to);
      const failed = inWindow.filter((a) => !a.ok);
      const lastError = failed.length ? Math.max(...failed.map((a) => a.end)) : undefined;
      return {
        phase: name,
        'window s': `${((from - t0) / 1000).toFixed(1)}–${((to - t0) / 1000).toFixed(1)}`,
        calls: inWindow.length,
        errors: failed.length,
        'error %': inWindow.length ? Number(((100 * failed.length) / inWindow.length).toFixed(2)) : 0,
        'errors end after ms': fault ? (lastError === undefined ? 0 : lastError - fault.start) : '',
        'all replicas ready after ms': fault ? fault.healthy - fault.start : '',
      };
    };
    const table = [
      row('baseline', t0, faults[0]!.start),
      ...faults.map((fault, i) => row(fault.name, fault.start, Math.min(faults[i + 1]?.start ?? loadEnd, Math.max(fault.healthy, fault.start) + 2_000), fault)),
      row('after the faults (last 3 s)', loadEnd - 3_000, loadEnd),
    ];
    const errorKinds = new Map<string, number>();
    for (const a of attempts) if (!a.ok) errorKinds.set(a.error!, (errorKinds.get(a.error!) ?? 0) + 1);
    const summary = {
      'calls made (attempts)': attempts.length,
      'logical calls': ops.length,
      acknowledged: acked.length,
      'acknowledged by replay': acked.filter((op) => op.replayed).length,
      'found in database': acked.length - lost.length,
      lost: lost.length,
      duplicated: duplicated.length,
      'never acknowledged': unacked.length,
      'never acknowledged but stored': unackedStored.length,
      'idempotency keys stored': keys,
      'load seconds': ((loadEnd - t0) / 1000).toFixed(1),
    };
    console.log('\nFault test (32 clients → nginx → 3 replicas → PostgreSQL + Redis)');
    console.table(summary);
    console.table(table);
    console.log('errors by kind:', Object.fromEntries(errorKinds));
    console.log('Redis states seen during the outage (per replica):', redisStates.at(-1));

    // Exactly once: nothing acknowledged is missing, nothing is stored twice, nothing unknown is stored.
    expect(attempts.length).toBeLessThanOrEqual(MAX_ATTEMPTS);
    expect(acked.length).toBeGreaterThan(500);
    expect(lost).toEqual([]);
    expect(duplicated).toEqual([]);
    expect(strangers).toEqual([]);
    // Every logical call was eventually acknowledged (retries with the same key), each with its result stored once.
    expect(unacked).toEqual([]);
    expect(rows.length).toBe(ops.length);
    expect(keys).toBe(ops.length);

    // The faults happened and were seen: Redis down was reported by every replica.
    expect(redisStates.at(-1)).toBe(Array(REPLICAS).fill('down').join(','));
    // Redis is an accelerator: its outage cost no call.
    expect(table[3]!.errors).toBe(0);
    // Recovered by itself: every replica ready with database and Redis up, and the last seconds error-free.
    expect(await allHealthy()).toBe(true);
    expect(table.at(-1)!.errors).toBe(0);
    expect(table.at(-1)!.calls).toBeGreaterThan(100);
    for (const fault of faults) expect(fault.healthy - fault.start, fault.name).toBeLessThan(15_000);
  }, 180_000);
});
