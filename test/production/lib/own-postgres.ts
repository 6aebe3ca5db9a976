/**
 * A private PostgreSQL from Debian's binaries (/usr/lib/postgresql/<version>/bin): a temp data folder,
 * a free loopback port, its socket in the same folder, trust auth. Tests may crash and restart it.
 * initdb and postgres refuse to run as root, so as root they run as the `postgres` user (runuser).
 */
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { freePort } from '../../../runtime/src/__fixtures__/services.js';

export interface OwnPostgres {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  start(): Promise<void>;
  /** `immediate` is a crash (no checkpoint, sessions cut); `fast` a clean shutdown. */
  stop(mode?: 'immediate' | 'fast'): Promise<void>;
  /** Stops (crash-like by default) and starts again; resolves when it accepts connections. */
  restart(mode?: 'immediate' | 'fast'): Promise<void>;
  destroy(): Promise<void>;
}

/** The newest Debian PostgreSQL bin folder, or undefined when none is installed. */
export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')) && existsSync(join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(root, versions[0], 'bin');
}

export async function ownPostgres(): Promise<OwnPostgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql/*/bin (apt-get install postgresql)');
  const dir = mkdtempSync(join(tmpdir(), 'mcpforge-pg-'));
  const data = join(dir, 'data');
  const asRoot = userInfo().uid === 0;
  if (asRoot) {
    const { stdout } = await execa('id', ['-u', 'postgres']);
    const { stdout: gid } = await execa('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout), Number(gid));
  }
  const run = (tool: string, args: string[]) => {
    const argv = [join(bin, tool), ...args];
    return asRoot ? execa('runuser', ['-u', 'postgres', '--', ...argv], { all: true }) : execa(argv[0]!, argv.slice(1), { all: true });
  };
  await run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-locale', '--no-sync']);
  const port = await freePort();
  // fsync off: a killed server loses nothing the OS already has (only an OS crash would); it keeps the test fast.
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  const handle: OwnPostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dir,
    async start() {
      await run('pg_ctl', ['-D', data, '-l', join(dir, 'postgres.log'), '-o', options, '-w', '-t', '30', 'start']);
    },
    async stop(mode = 'immediate') {
      await run('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '30', 'stop']);
    },
    async restart(mode = 'immediate') {
      await handle.stop(mode);
      await handle.start();
    },
    async destroy() {
      await handle.stop('immediate').catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return handle;
}
