/**
 * The official conformance suite's authorization-server scenarios (`conformance authorization`,
 * newest release: REQUIREMENTS_VERSION) against `auth.mode: oauth-proxy`: the RFC 8414 metadata
 * endpoint and the authorization code grant (PKCE, `resource`, `iss`, token response headers).
 * The suite prints the authorization URL for a human; the test is that human — it signs in at the
 * real IdP (oidc-provider), consents, and the suite's callback listener receives the code.
 * Every scenario must pass; none may be skipped.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, freePort, startIdp, startProxy, type Idp, type ProxyServer } from '../security/oauth-proxy-lib.js';
import { ensureSuite, REQUIREMENTS_VERSION, type Suite } from './lib/suite.js';

let suite: Suite;
let idp: Idp;
let proxy: ProxyServer;

beforeAll(async () => {
  suite = await ensureSuite(REQUIREMENTS_VERSION);
  const port = await freePort();
  idp = await startIdp(`http://127.0.0.1:${port}/oauth/callback`);
  proxy = await startProxy(port, idp);
}, 600_000);

afterAll(async () => {
  await proxy?.server.shutdown();
  await idp?.close();
});

interface Check {
  id: string;
  status: string;
  errorMessage?: string;
}

function readChecks(dir: string): Check[] {
  const out: Check[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(d, entry.name));
      else if (entry.name === 'checks.json') out.push(...(JSON.parse(readFileSync(join(d, entry.name), 'utf8')) as Check[]));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

describe(`conformance ${REQUIREMENTS_VERSION}: authorization-server scenarios against oauth-proxy`, () => {
  it('metadata endpoint and authorization code grant pass with 0 failures', async () => {
    const callbackPort = await freePort();
    const redirect = `http://127.0.0.1:${callbackPort}/callback`;
    const reg = await fetch(`${proxy.issuer}/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'MCP conformance suite', redirect_uris: [redirect], token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'] }),
    });
    const { client_id: clientId } = (await reg.json()) as { client_id: string };
    const outDir = mkdtempSync(join(tmpdir(), 'conformance-authorization-'));
    const run = execa(suite.node, [suite.cli, 'authorization', '--url', proxy.issuer, '--client-id', clientId, '--resource', proxy.url, '-p', String(callbackPort), '-o', outDir], { all: true, reject: false, timeout: 120_000 });
    let output = '';
    const authorizationUrl = new Promise<string>((resolve) => {
      run.all!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /^(https?:\/\/\S+\/oauth\/authorize\?\S+)$/m.exec(output);
        if (match) resolve(match[1]!);
      });
    });
    const url = await Promise.race([authorizationUrl, run.then(() => '')]);
    expect(url, output).not.toBe('');
    const back = await new Browser().run(url, redirect);
    expect((await fetch(back)).status).toBe(200);
    const result = await run;
    const checks = readChecks(outDir);
    console.log(`conformance ${REQUIREMENTS_VERSION} authorization: ${checks.map((c) => `${c.id}=${c.status}`).join(', ')}`);
    // Both scenarios ran: the metadata endpoint's checks (document, CIMD advertised) and the code grant.
    expect(new Set(checks.map((c) => c.id)), result.all).toEqual(new Set(['authorization-server-metadata', 'authorization-server-metadata-cimd', 'authorization-code-grant']));
    expect(result.all).toMatch(/Total: \d+ passed, 0 failed/);
    expect(checks.filter((c) => c.status !== 'SUCCESS'), result.all).toEqual([]);
  }, 180_000);
});
