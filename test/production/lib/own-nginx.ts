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

function replaceOnce(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`deploy/nginx.conf no longer contains ${JSON.stringify(from)}: update test/production/lib/own-nginx.ts`);
  return text.replace(from, to);
}

export async function ownNginx(name: string, upstreams: string[]): Promise<OwnNginx> {
  const dir = mkdtempSync(join(tmpdir(), 'mcpforge-nginx-'));
  mkdirSync(join(dir, 'logs'));
  const port = await freePort();
  const rendered = await renderProductionTemplates(TOOLKIT_ROOT, { name, replicas: upstreams.length, upstreams });
  let conf = rendered.deployment.get('deploy/nginx.conf')!;
  conf = replaceOnce(conf, 'listen 80;', `listen 127.0.0.1:${port};`);
  conf = replaceOnce(conf, 'pid /tmp/nginx.pid;', `pid ${join(dir, 'nginx.pid')};`);
  conf = replaceOnce(conf, 'access_log /var/log/nginx/access.log;', 'access_log off;');
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
    url: new URL(`http://127.0.0.1:${port}/mcp`),
    conf,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
