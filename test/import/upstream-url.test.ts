/**
 * Path parameters and path templates can never take a request out of the API's base URL. The
 * imported handlers call `callUpstream` (templates/openapi/client.ts, copied into every project);
 * here it calls a real HTTP server on 127.0.0.1 that records what arrives.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { callUpstream, defineApi, type Operation } from '../../templates/openapi/client.js';

let upstream: Server;
let origin: string;
const seen: string[] = [];

beforeAll(async () => {
  upstream = createServer((req, res) => {
    seen.push(req.url ?? '');
    res.setHeader('content-type', 'application/json');
    res.end('{"ok":true}');
  });
  await new Promise<void>((done) => upstream.listen(0, '127.0.0.1', done));
  origin = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((done) => upstream.close(done)));
beforeEach(() => void seen.splice(0));

const api = () => defineApi({ title: 'Files', baseUrlEnv: 'FILES_TEST_BASE_URL_UNSET', defaultBaseUrl: `${origin}/api/v1/`, timeoutEnv: 'FILES_TEST_TIMEOUT_UNSET', defaultTimeoutMs: 5000, securitySchemes: {} });
const ctx = () => ({ signal: new AbortController().signal });
const deleteFile: Operation = {
  method: 'DELETE',
  path: '/projects/{project}/files/{file}',
  params: [
    { in: 'path', name: 'project' },
    { in: 'path', name: 'file' },
    { in: 'query', name: 'force' },
  ],
  output: 'json',
};

/** Calls delete_file; returns the recorded request URL, or the tool error's code. */
async function call(file: string, op: Operation = deleteFile): Promise<{ url?: string; refused?: string }> {
  try {
    await callUpstream(api(), ctx(), { project: 'acme', file, force: 'no' }, op);
    expect(seen).toHaveLength(1);
    return { url: seen.pop() };
  } catch (error) {
    expect(seen).toHaveLength(0);
    return { refused: (error as { code?: string }).code };
  }
}

describe('upstream URL safety', () => {
  it.each(['..', '.', '%2E%2E', '%2e', '.%2E', ''])('refuses the dot segment / empty value %j, sends percent signs as literal text', async (file) => {
    // "%2E%2E" as a VALUE is encoded to %252E%252E (a literal name), so it is sent, not refused.
    const result = await call(file);
    if (file.includes('%')) expect(result.url).toBe(`/api/v1/projects/acme/files/${encodeURIComponent(file)}?force=no`);
    else expect(result.refused).toBe('invalid_input');
  });

  it.each([
    ['../../admin', '/api/v1/projects/acme/files/..%2F..%2Fadmin?force=no'],
    ['a/b', '/api/v1/projects/acme/files/a%2Fb?force=no'],
    ['x?force=yes', '/api/v1/projects/acme/files/x%3Fforce%3Dyes?force=no'],
    ['x#frag', '/api/v1/projects/acme/files/x%23frag?force=no'],
    ['...', '/api/v1/projects/acme/files/...?force=no'],
    ['report.pdf', '/api/v1/projects/acme/files/report.pdf?force=no'],
  ])('keeps %j inside one path segment', async (file, expected) => {
    expect(await call(file)).toEqual({ url: expected });
  });

  it('never leaves the base path, whatever the value (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ unit: 'grapheme-ascii' }), fc.constantFrom('..', '.', '/', '?', '#', '%2e%2e', '..\\', '\\..')), async (file) => {
        const result = await call(file);
        if (result.refused) {
          expect(['', '.', '..']).toContain(file);
          return;
        }
        const url = new URL(result.url!, origin);
        expect(url.pathname.startsWith('/api/v1/projects/acme/files/')).toBe(true);
        // The last segment decodes back to exactly the value: no segment added or removed.
        expect(decodeURIComponent(url.pathname.slice('/api/v1/projects/acme/files/'.length))).toBe(file);
        expect([...url.searchParams]).toEqual([['force', 'no']]);
      }),
      { numRuns: 300, seed: 15 },
    );
  });

  it('refuses a path template that would leave the base path or origin', async () => {
    for (const path of ['/../../admin', '/%2e%2e/admin', '/./../x', '/a/../../../x']) {
      expect(await call('f', { method: 'GET', path, output: 'json' })).toEqual({ refused: 'invalid_input' });
    }
    // A doubled slash stays a path under the base on the same origin (never a new authority).
    expect(await call('f', { method: 'GET', path: '//evil.example/x', output: 'json' })).toEqual({ url: '/api/v1//evil.example/x' });
  });

  it('turns a header value with a line break into a tool error, not a crash', async () => {
    const op: Operation = { method: 'GET', path: '/x', params: [{ in: 'header', name: 'x-trace' }], output: 'json' };
    await expect(callUpstream(api(), ctx(), { 'x-trace': 'a\r\nx-admin: 1' }, op)).rejects.toMatchObject({ code: 'invalid_input' });
    expect(seen).toHaveLength(0);
  });
});

describe('security schemes that act on the signed-in user\'s behalf (upstream: true, auth.mode oauth-proxy)', () => {
  const headersSeen: Array<string | undefined> = [];
  let provider: Server;
  let providerOrigin: string;
  beforeAll(async () => {
    provider = createServer((req, res) => {
      headersSeen.push(req.headers.authorization);
      res.setHeader('content-type', 'application/json');
      res.end('{"login":"alice"}');
    });
    await new Promise<void>((done) => provider.listen(0, '127.0.0.1', done));
    providerOrigin = `http://127.0.0.1:${(provider.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((done) => provider.close(done)));

  const userApi = () =>
    defineApi({
      title: 'Provider',
      baseUrlEnv: 'PROVIDER_TEST_BASE_URL_UNSET',
      defaultBaseUrl: providerOrigin,
      timeoutEnv: 'PROVIDER_TEST_TIMEOUT_UNSET',
      defaultTimeoutMs: 5000,
      securitySchemes: { user: { type: 'bearer', env: 'PROVIDER_TEST_TOKEN_UNSET', upstream: true } },
    });
  const me: Operation = { method: 'GET', path: '/user', security: [['user']], output: 'json' };

  it("sends the user's provider token from ctx.auth.upstreamToken(), not an environment variable", async () => {
    const ctx = { signal: new AbortController().signal, auth: { upstreamToken: async () => 'gho_user_token' } };
    expect(await callUpstream(userApi(), ctx, {}, me)).toEqual({ login: 'alice' });
    expect(headersSeen.at(-1)).toBe('Bearer gho_user_token');
  });

  it('without a signed-in user (another auth mode) the call is refused before anything is sent', async () => {
    const before = headersSeen.length;
    await expect(callUpstream(userApi(), ctx(), {}, me)).rejects.toMatchObject({ code: 'upstream_credentials', message: expect.stringContaining("signed-in user's behalf") });
    expect(headersSeen).toHaveLength(before);
  });
});

