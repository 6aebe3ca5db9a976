import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { authenticatorFromHook, customAuthenticatorFor, defineAuthenticator, reject } from './index.js';

const request = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

describe('authenticatorFromHook', () => {
  const hook = defineAuthenticator(async (req) => {
    const user = req.headers['x-user'];
    if (user === 'alice') return { subject: 'alice', scopes: ['notes:write'], clientId: 'cli' };
    if (user === 'mallory') return reject('mallory is banned', 403);
    return reject('send X-User');
  });
  const authenticate = authenticatorFromHook(hook);

  it('turns the identity the hook returns into ctx.auth (method custom, scopes copied)', async () => {
    expect(await authenticate(request({ 'x-user': 'alice' }))).toEqual({
      ok: true,
      identity: { subject: 'alice', scopes: ['notes:write'], anonymous: false, method: 'custom', clientId: 'cli' },
    });
  });

  it('turns reject() into a 401 (nothing presented) or a 403 (known caller)', async () => {
    expect(await authenticate(request({}))).toEqual({ ok: false, rejection: { status: 401, description: 'send X-User', presented: false } });
    expect(await authenticate(request({ 'x-user': 'mallory' }))).toEqual({ ok: false, rejection: { status: 403, description: 'mallory is banned', presented: true } });
  });

  it('throws (a 500, logged) on a malformed answer instead of letting it through', async () => {
    const bad = (value: unknown) => authenticatorFromHook((() => value) as never)(request({}));
    await expect(bad({ subject: '' })).rejects.toThrow(/src\/auth\.ts: the authenticator must return/);
    await expect(bad({ subject: 'x', scopes: 'admin' })).rejects.toThrow(/must return/);
    await expect(bad(undefined)).rejects.toThrow(/must return/);
    await expect(bad({ reject: { status: 500, message: 'x' } })).rejects.toThrow(/reject\(message, 401 \| 403\)/);
  });
});

describe('customAuthenticatorFor', () => {
  it('is undefined for other modes and loads the hook for custom', async () => {
    expect(await customAuthenticatorFor({ auth: { mode: 'jwt' } }, {})).toBeUndefined();
    const authenticate = await customAuthenticatorFor({ auth: { mode: 'custom' } }, { authenticator: async () => ({ default: () => ({ subject: 'svc' }) }) });
    expect(await authenticate!(request({}))).toMatchObject({ ok: true, identity: { subject: 'svc', scopes: [] } });
  });

  it('names the next step when the loader or the default export is missing', async () => {
    await expect(customAuthenticatorFor({ auth: { mode: 'custom' } }, {})).rejects.toThrow(/run `mcpforge generate`/);
    await expect(customAuthenticatorFor({ auth: { mode: 'custom' } }, { authenticator: async () => ({ default: 42 }) })).rejects.toThrow(/export default defineAuthenticator/);
  });
});
