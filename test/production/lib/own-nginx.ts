/**
 * A real nginx running the generated deploy/nginx.conf in front of loopback upstreams: the template
 * is rendered with those upstreams, and only what ties it to a container is changed (listen port,
 * pid and access log paths). Each change is asserted, so a template edit cannot silently bypass it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderProductionTemplates } from '../../../generators/upgrade/templates.js';
import { freePort } from '../../../runtime/src/__fixtures__/services.js';
import { TOOLKIT_ROOT } from '../../helpers/toolkit.js';

export interface OwnNginx {
  readonly url: URL;
  readonly conf: string;
  stop(): Promise<void>;
}

/** Replaces `from` in a rendered deploy/nginx.conf, which must contain it exactly once. */
export function replaceOnce(text: string, from: string, to: string): string {
  if (text.split(from).length !== 2) throw new Error(`deploy/nginx.conf must contain ${JSON.stringify(from)} exactly once: update the test that adapts it`);
  return text.replace(from, to);
}

/** A fresh folder for one nginx (with the `logs/` it insists on). */
export function nginxDir(prefix = 'mcpforge-nginx-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(join(dir, 'logs'));
  return dir;
}

/** Ties a rendered deploy/nginx.conf to this machine: a loopback listen port, pid and access log paths. */
export function localConf(conf: string, dir: string, port: number): string {
  let local = replaceOnce(conf, 'listen 80;', `listen 127.0.0.1:${port};`);
  local = replaceOnce(local, 'pid /tmp/nginx.pid;', `pid ${join(dir, 'nginx.pid')};`);
  return replaceOnce(local, 'access_log /var/log/nginx/access.log;', 'access_log off;');
}

/**
 * Runs nginx in the foreground on `dir/nginx.conf` (written from `conf`) and resolves once
 * `port` accepts connections; `stop()` ends it and removes `dir`.
 */
export async function runNginx(dir: string, conf: string, port: number): Promise<{ stop(): Promise<void> }> {
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const child: ChildProcess = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', 'stderr', '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (let i = 0; ; i++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) break;
    if (i > 100 || child.exitCode !== null) throw new Error(`nginx did not start:\n${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** nginx on a free loopback port running `conf` (a rendered deploy/nginx.conf). */
export async function nginxWithConf(conf: string): Promise<OwnNginx> {
  const dir = nginxDir();
  const port = await freePort();
  const local = localConf(conf, dir, port);
  const running = await runNginx(dir, local, port);
  return { url: new URL(`http://127.0.0.1:${port}/mcp`), conf: local, stop: running.stop };
}

export async function ownNginx(name: string, upstreams: string[]): Promise<OwnNginx> {
  const rendered = await renderProductionTemplates(TOOLKIT_ROOT, { name, replicas: upstreams.length, upstreams });
  return nginxWithConf(rendered.deployment.get('deploy/nginx.conf')!);
}
