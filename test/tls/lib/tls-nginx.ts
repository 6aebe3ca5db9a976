/**
 * A private nginx running the generated deploy/nginx.conf rendered with `upgrade --tls ...`, in
 * front of loopback replicas. Only what ties the file to a container changes (listen addresses,
 * certificate paths, pid and log paths); each change is asserted so a template edit cannot
 * silently bypass it. Debian's nginx ships the stream module as a loadable module; the official
 * image the compose file uses has it built in, so the load line is added here only.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { renderProductionTemplates, type TlsLayout } from '../../../generators/upgrade/templates.js';
import { freePort } from '../../../runtime/src/__fixtures__/services.js';
import { TOOLKIT_ROOT } from '../../helpers/toolkit.js';
import { localConf, nginxDir, replaceOnce, runNginx } from '../../production/lib/own-nginx.js';

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

export async function tlsNginx(name: string, upstreams: string[], tls: TlsLayout, files: { cert: string; key: string }): Promise<TlsNginx> {
  const dir = nginxDir('mcpforge-tls-nginx-');
  const httpsPort = await freePort();
  const httpPort = await freePort();
  const rendered = await renderProductionTemplates(TOOLKIT_ROOT, { name, replicas: upstreams.length, upstreams, tls });
  let conf = rendered.deployment.get('deploy/nginx.conf')!;
  conf = localConf(conf, dir, httpPort);
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

  const running = await runNginx(dir, conf, httpsPort);
  return {
    httpsUrl: new URL(`https://127.0.0.1:${httpsPort}/mcp`),
    httpUrl: new URL(`http://127.0.0.1:${httpPort}`),
    conf,
    test: checked.all ?? '',
    stop: running.stop,
  };
}
