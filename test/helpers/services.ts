/**
 * What a test needs from the machine (nginx, its stream module, PostgreSQL, Redis), checked one way
 * for every suite: in CI (CI=true) a missing service fails the suite with a message naming what to
 * install; elsewhere the suite is skipped, loudly, with the same message. `npm run test:all`
 * (scripts/test-services.sh) installs and starts all of them on a Debian machine.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

export type Service = 'nginx' | 'nginx-stream' | 'postgres' | 'redis' | 'postgres-binaries' | 'redis-binaries' | 'promtool' | 'etcd';

const DEBIAN_STREAM_MODULE = '/usr/lib/nginx/modules/ngx_stream_module.so';
const PROVIDER = '`npm run test:all` installs and starts it (scripts/test-services.sh, Debian)';

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(':').some((dir) => dir !== '' && existsSync(join(dir, command)));
}

function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(2000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function hasStreamModule(): boolean {
  if (existsSync(DEBIAN_STREAM_MODULE)) return true;
  try {
    // `nginx -V` prints its configure flags on stderr; a built-in stream module shows as --with-stream.
    execFileSync('nginx', ['-V'], { stdio: ['ignore', 'pipe', 'pipe'] });
    return false;
  } catch (error) {
    return /--with-stream(\s|$)/.test(String((error as { stderr?: Buffer }).stderr ?? ''));
  }
}

function hasPostgresBinaries(): boolean {
  const root = '/usr/lib/postgresql';
  return existsSync(root) && readdirSync(root).some((v) => existsSync(join(root, v, 'bin', 'initdb')));
}

/** The problem with one service, naming what to install or start, or undefined when it is there. */
export async function serviceProblem(service: Service): Promise<string | undefined> {
  switch (service) {
    case 'nginx':
      return onPath('nginx') ? undefined : 'nginx is not installed (Debian: apt-get install nginx-light)';
    case 'nginx-stream':
      if (!onPath('nginx')) return 'nginx is not installed (Debian: apt-get install nginx-light libnginx-mod-stream)';
      return hasStreamModule() ? undefined : "nginx has no stream module (Debian: apt-get install libnginx-mod-stream)";
    case 'postgres':
      return (await reachable(5432))
        ? undefined
        : 'PostgreSQL is not reachable on 127.0.0.1:5432 (start it, user postgres, database test, trust auth on loopback; Debian: apt-get install postgresql)';
    case 'redis':
      return (await reachable(6379)) ? undefined : 'Redis is not reachable on 127.0.0.1:6379 (start it; Debian: apt-get install redis-server)';
    case 'postgres-binaries':
      return hasPostgresBinaries() ? undefined : 'PostgreSQL server binaries are not installed (Debian: apt-get install postgresql)';
    case 'redis-binaries':
      return onPath('redis-server') ? undefined : 'redis-server is not installed (Debian: apt-get install redis-server)';
    case 'promtool':
      return onPath('promtool') ? undefined : 'promtool is not installed (Debian: apt-get install prometheus)';
    case 'etcd':
      return onPath('etcd') ? undefined : 'etcd is not installed (Debian: apt-get install etcd-server)';
  }
}

/**
 * True when every service `suite` needs is there. Otherwise: in CI throws (the suite fails, naming
 * what to install); elsewhere prints a loud SKIPPING banner and returns false, for `describe.skipIf`.
 */
export async function servicesFor(suite: string, needs: readonly Service[]): Promise<boolean> {
  const problems = (await Promise.all(needs.map(serviceProblem))).filter((p): p is string => p !== undefined);
  if (problems.length === 0) return true;
  const what = `${problems.join('; ')}. ${PROVIDER}.`;
  if (process.env.CI) throw new Error(`${suite} cannot run (CI=true fails instead of skipping): ${what}`);
  process.stderr.write(`\n!!!!!!!!!! SKIPPING ${suite}: ${what} !!!!!!!!!!\n\n`);
  return false;
}
