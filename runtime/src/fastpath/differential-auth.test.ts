/**
 * The fast path on/off differential test with the policy stage in play: authenticated callers,
 * missing credentials, scope denials, rate limits (429 + Retry-After) and input-required answers
 * must get the same status, headers that matter and body with `MCP_FAST_PATH` on and off.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modernRequest, runs, startPipeline, tokenTable, type HttpAnswer, type Pipeline } from '../__fixtures__/pipeline.js';

const { tokens, authenticate } = tokenTable({});
let fast: Pipeline;
let sdk: Pipeline;
beforeAll(async () => {
  fast = await startPipeline({ authenticate });
  sdk = await startPipeline({ authenticate, fastPath: false });
});
afterAll(async () => {
  await fast?.close();
  await sdk?.close();
});

/** What must match: status, the Retry-After and WWW-Authenticate headers, and the body (request ids masked). */
function comparable(answer: HttpAnswer) {
  const body = JSON.stringify(answer.message ?? null)
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<id>')
    // Signed request state: each server has its own key.
    .replace(/"requestState":"v1\.[^"]*"/g, '"requestState":"<state>"')
    // Seconds left in the rate-limit window: the two servers answer at different instants.
    .replace(/retry in \d+ s/g, 'retry in <n> s')
    .replace(/"retryAfterSeconds":\d+/g, '"retryAfterSeconds":<n>');
  return { status: answer.status, retryAfter: answer.headers.get('retry-after') !== null, challenge: answer.headers.get('www-authenticate'), body };
}

let n = 0;
/** A fresh caller per case and per server (each server keeps its own rate-limit counts). */
function caller(scopes: string[]): string {
  const token = `diff${++n}`;
  tokens.set(token, { subject: `d${Math.ceil(n / 2)}`, scopes });
  return token;
}

const ALL = ['notes:admin', 'help:read', 'vault:read'];
type Case = [label: string, run: (url: string, token: string | undefined) => Promise<HttpAnswer>, scopes: string[] | 'none'];
const call = (name: string, args: Record<string, unknown>, caps: Record<string, unknown> = {}) => (url: string, token: string | undefined) => modernRequest(url, 'tools/call', { name, arguments: args }, token, 1, caps);
const cases: Case[] = [
  ['no credential', call('whoami', {}), 'none'],
  ['authenticated, fast-path eligible tool', call('whoami', {}), ALL],
  ['authenticated, invalid input', call('secret_echo', { text: 5 }), ALL],
  ['missing scope (403 challenge)', call('secret_echo', { text: 'x' }), []],
  ['scoped tool with the scope', call('secret_echo', { text: 'x' }), ALL],
  [
    'rate limited on the third call (429)',
    async (url, token) => {
      // Fixed one-minute windows: three calls that straddle a minute boundary count in two windows,
      // so such a run is repeated (its caller's count then starts in the new window).
      for (;;) {
        const minute = Math.floor(Date.now() / 60_000);
        await call('whoami', {})(url, token);
        await call('whoami', {})(url, token);
        const third = await call('whoami', {})(url, token);
        if (Math.floor(Date.now() / 60_000) === minute) return third;
      }
    },
    ALL,
  ],
  ['input required', call('ask', {}, { elicitation: { form: {} } }), ALL],
  ['input required, capability missing', call('ask', {}), ALL],
  ['handler throws', call('explode', { mode: 'internal' }), ALL],
];

describe('fast path on/off with auth, scopes, limits and input-required', () => {
  it.each(cases)('%s: same answer on both paths', async (_label, run, scopes) => {
    const tokenFor = () => (scopes === 'none' ? undefined : caller(scopes));
    const expected = comparable(await run(sdk.http.url, tokenFor()));
    const actual = comparable(await run(fast.http.url, tokenFor()));
    expect(actual).toEqual(expected);
  });

  it('answers 429 with Retry-After on the fast path itself', async () => {
    const token = caller(ALL);
    const before = runs.get('whoami') ?? 0;
    const instances = () => fast.factory.stats.built + fast.factory.stats.reused;
    const used = instances();
    for (let i = 0; i < 2; i++) expect((await call('whoami', {})(fast.http.url, token)).status).toBe(200);
    const limited = await call('whoami', {})(fast.http.url, token);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((runs.get('whoami') ?? 0) - before).toBe(2);
    // Served by the fast path: no SDK server instance was taken for any of the three.
    expect(instances()).toBe(used);
  });
});
