import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createIdentitySigner, gatewayIdentityAuthenticator, IDENTITY_HEADER } from './identity.js';

const KEY = 'k'.repeat(40);
const request = (headers: Record<string, string | string[]>) => ({ headers }) as unknown as IncomingMessage;
const alice = { subject: 'alice', scopes: ['notes:read'], anonymous: false, clientId: 'app-1' };

describe('gateway identity header', () => {
  it('turns a token signed with the shared key back into the identity', async () => {
    const token = await createIdentitySigner(KEY).sign(alice, 'notes');
    const outcome = await gatewayIdentityAuthenticator({ key: KEY, service: 'notes' })(request({ [IDENTITY_HEADER]: token }));
    expect(outcome).toMatchObject({ ok: true, identity: { subject: 'alice', scopes: ['notes:read'], anonymous: false, method: 'gateway', clientId: 'app-1' } });
  });

  it('refuses the header on a server without the key, even when the token is genuine', async () => {
    const token = await createIdentitySigner(KEY).sign(alice, 'notes');
    const outcome = await gatewayIdentityAuthenticator({ key: undefined, service: 'notes' })(request({ [IDENTITY_HEADER]: token }));
    expect(outcome).toMatchObject({ ok: false, rejection: { status: 401, error: 'invalid_token' } });
    expect(outcome.ok ? '' : outcome.rejection.description).toMatch(/does not trust a gateway.*MCP_GATEWAY_IDENTITY_KEY/);
  });

  it('refuses another key, another audience, two headers; without a header the inner authenticator decides', async () => {
    const authenticate = gatewayIdentityAuthenticator({ key: KEY, service: 'notes', inner: async () => ({ ok: false, rejection: { status: 401, description: 'inner', presented: false } }) });
    const other = await createIdentitySigner('o'.repeat(40)).sign(alice, 'notes');
    const weather = await createIdentitySigner(KEY).sign(alice, 'weather');
    expect((await authenticate(request({ [IDENTITY_HEADER]: other }))).ok).toBe(false);
    expect((await authenticate(request({ [IDENTITY_HEADER]: weather }))).ok).toBe(false);
    expect((await authenticate(request({ [IDENTITY_HEADER]: [weather, weather] }))).ok).toBe(false);
    const none = await authenticate(request({}));
    expect(none.ok ? '' : none.rejection.description).toBe('inner');
  });

  it('refuses a short key at construction', () => {
    expect(() => createIdentitySigner('short')).toThrow(/at least 32 characters/);
  });
});
