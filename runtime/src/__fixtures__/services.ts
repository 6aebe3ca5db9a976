/**
 * Real PostgreSQL and Redis for integration tests: a fresh database / key prefix per run.
 *
 * Outside CI a missing service skips its tests with a loud message; in CI (CI=true) it fails them,
 * so a broken service can never turn into a green run that tested nothing.
 */
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

export const PG_ADMIN_URL = process.env.MCPFORGE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_TEST_URL = process.env.MCPFORGE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

const runId = () => `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;

/** True when the service answers; in CI, throws instead of returning false. */
async function available(name: string, probe: () => Promise<void>): Promise<boolean> {
  try {
    await probe();
    return true;
  } catch (error) {
    const message = `${name} is not reachable (${(error as Error).message})`;
    if (process.env.CI) throw new Error(`${message}: integration tests must run in CI; start the service in .ci/run.`);
    process.stderr.write(`\n!!!!!!!!!! SKIPPING ${name} INTEGRATION TESTS: ${message} !!!!!!!!!!\n\n`);
    return false;
  }
}

export async function postgresAvailable(): Promise<boolean> {
  return available('PostgreSQL', async () => {
    const pg = (await import('pg')).default;
    const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2000 });
    await client.connect();
    await client.query('select 1');
    await client.end();
  });
}

export async function redisAvailable(): Promise<boolean> {
  return available('Redis', async () => {
    const { Redis } = await import('ioredis');
    const client = new Redis(REDIS_TEST_URL, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
      await client.connect();
      await client.ping();
    } finally {
      client.disconnect();
    }
  });
}

/** Creates a database named for this run; `drop()` removes it (and any sessions left on it). */
export async function freshPostgresDatabase(): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const pg = (await import('pg')).default;
  const name = `mcpforge_t_${runId()}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    name,
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/** A key prefix for this run and a cleanup that deletes every key under it. */
export async function freshRedisPrefix(): Promise<{ prefix: string; cleanup(): Promise<void> }> {
  const prefix = `mcpforge-test:${runId()}:`;
  return {
    prefix,
    async cleanup() {
      const { Redis } = await import('ioredis');
      const client = new Redis(REDIS_TEST_URL, { maxRetriesPerRequest: 1 });
      try {
        let cursor = '0';
        do {
          const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
          if (keys.length > 0) await client.del(...keys);
          cursor = next;
        } while (cursor !== '0');
      } finally {
        client.disconnect();
      }
    },
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

/** A private redis-server on a free loopback port that tests may stop and start. */
export interface OwnRedis {
  readonly url: string;
  readonly port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function ownRedis(): Promise<OwnRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const waitFor = async (up: boolean) => {
    const { connect } = await import('node:net');
    for (let i = 0; i < 100; i++) {
      const open = await new Promise<boolean>((resolve) => {
        const socket = connect(port, '127.0.0.1');
        socket.once('connect', () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
      });
      if (open === up) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`redis-server on ${port} did not ${up ? 'start' : 'stop'}`);
  };
  const handle: OwnRedis = {
    url: `redis://127.0.0.1:${port}`,
    port,
    async start() {
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
      await waitFor(true);
    },
    async stop() {
      if (!child) return;
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
      child = undefined;
      await waitFor(false);
    },
  };
  return handle;
}
