/**
 * A private nginx running the generated deploy/nginx.conf rendered with `upgrade --tls ...`, in
 * front of loopback replicas. Only what ties the file to a container changes (listen addresses,
 * certificate paths, pid and log paths); each change is asserted so a template edit cannot
 * silently bypass it. Debian's nginx ships the stream module as a loadable module; the official
 * image the compose file uses has it built in, so the load line is added here only.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { renderProductionTemplates, type TlsLayout } from '../../../generators/upgrade/templates.js';
import { freePort } from '../../../runtime/src/__fixtures__/services.js';
import { TOOLKIT_ROOT } from '../../helpers/toolkit.js';

const DEBIAN_STREAM_MODULE = '/usr/lib/nginx/modules/ngx_stream_module.so';

export interface TlsNginx {
  /** https://127.0.0.1:PORT/mcp */
  readonly httpsUrl: URL;
  /** http://127.0.0.1:PORT (the redirecting listener) */
  readonly httpUrl: URL;
  readonly conf: string;
  /** `nginx -t` output. */
  readonly test: string;
  stop(): Promise<void>;
}

function replaceOnce(text: string, from: string, to: string): string {
  if (text.split(from).length !== 2) throw new Error(`deploy/nginx.conf must contain ${JSON.stringify(from)} exactly once: update test/tls/lib/tls-nginx.ts`);
  return text.replace(from, to);
}

/** What is missing to run the passthrough layout here, or undefined. */
export function streamModuleProblem(): string | undefined {
  let version = '';
  try {
    version = execFileSync('nginx', ['-V'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    version = String((error as { stderr?: string }).stderr ?? '');
  }
  if (/--with-stream(\s|$)/.test(version) || existsSync(DEBIAN_STREAM_MODULE)) return undefined;
  return 'nginx has no stream module (Debian: apt-get install libnginx-mod-stream)';
}

export async function tlsNginx(name: string, upstreams: string[], tls: TlsLayout, files: { cert: string; key: string }): Promise<TlsNginx> {
  const dir = mkdtempSync(join(tmpdir(), 'mcpforge-tls-nginx-'));
  mkdirSync(join(dir, 'logs'));
  const httpsPort = await freePort();
  const httpPort = await freePort();
  const rendered = await renderProductionTemplates(TOOLKIT_ROOT, { name, replicas: upstreams.length, upstreams, tls });
  let conf = rendered.deployment.get('deploy/nginx.conf')!;
  conf = replaceOnce(conf, 'listen 80;', `listen 127.0.0.1:${httpPort};`);
  conf = replaceOnce(conf, 'pid /tmp/nginx.pid;', `pid ${join(dir, 'nginx.pid')};`);
  conf = replaceOnce(conf, 'access_log /var/log/nginx/access.log;', 'access_log off;');
  if (tls === 'terminate') {
    conf = replaceOnce(conf, 'listen 443 ssl;', `listen 127.0.0.1:${httpsPort} ssl;`);
    conf = replaceOnce(conf, 'ssl_certificate /etc/nginx/tls/tls.crt;', `ssl_certificate ${files.cert};`);
    conf = replaceOnce(conf, 'ssl_certificate_key /etc/nginx/tls/tls.key;', `ssl_certificate_key ${files.key};`);
  } else {
    conf = replaceOnce(conf, 'listen 443;', `listen 127.0.0.1:${httpsPort};`);
    if (existsSync(DEBIAN_STREAM_MODULE)) conf = `load_module ${DEBIAN_STREAM_MODULE};\n${conf}`;
  }
  const confFile = join(dir, 'nginx.conf');
  writeFileSync(confFile, conf);
  const checked = await execa('nginx', ['-t', '-p', dir, '-c', confFile, '-e', 'stderr'], { reject: false, all: true });
  if (checked.exitCode !== 0) throw new Error(`nginx -t refused the generated config:\n${checked.all}\n${conf}`);

  const child: ChildProcess = spawn('nginx', ['-p', dir, '-c', confFile, '-e', 'stderr', '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (let i = 0; ; i++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(httpsPort, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) break;
    if (i > 100 || child.exitCode !== null) throw new Error(`nginx did not start:\n${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    httpsUrl: new URL(`https://127.0.0.1:${httpsPort}/mcp`),
    httpUrl: new URL(`http://127.0.0.1:${httpPort}`),
    conf,
    test: checked.all ?? '',
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
