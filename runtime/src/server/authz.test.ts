import { describe, expect, test } from 'vitest';
import { isToolError } from '../errors/index.js';
import type { AuthIdentity, Manifest } from './contract.js';
import { checkScopeWindows, createAuthz, describeWindow, inWindow, localIdentity } from './authz.js';

// 2026-11-25 is a Wednesday.
const at = (iso: string) => new Date(iso);

const manifest: Manifest = {
  name: 'm',
  version: '1.0.0',
  layout: 'dev',
  transports: ['http'],
  tools: {
    read: { name: 'read', description: 'r', inputSchema: { type: 'object' }, scopes: ['n:read'] },
    write: { name: 'write', description: 'w', inputSchema: { type: 'object' }, scopes: ['n:write'] },
    open: { name: 'open', description: 'o', inputSchema: { type: 'object' } },
  },
  resources: {},
  prompts: {},
  auth: { mode: 'jwt', scopeWindows: { 'n:write': { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00', timezone: 'Europe/Paris' } } },
};

const caller = (scopes: string[]): AuthIdentity => ({ subject: 's', scopes, anonymous: false, method: 'jwt' });

describe('inWindow', () => {
  test('weekday office hours in a time zone (Paris is UTC+1 in November)', () => {
    const window = { days: ['wed' as const], from: '09:00', to: '17:00', timezone: 'Europe/Paris' };
    expect(inWindow(window, at('2026-11-25T08:30:00Z'))).toBe(true); // 09:30 Paris
    expect(inWindow(window, at('2026-11-25T07:59:00Z'))).toBe(false); // 08:59 Paris
    expect(inWindow(window, at('2026-11-25T16:00:00Z'))).toBe(false); // 17:00 Paris, `to` is exclusive
    expect(inWindow(window, at('2026-11-26T08:30:00Z'))).toBe(false); // Thursday
  });
  test('an overnight window belongs to the day it starts', () => {
    const window = { days: ['fri' as const], from: '22:00', to: '06:00' };
    expect(inWindow(window, at('2026-11-27T23:00:00Z'))).toBe(true); // Friday night
    expect(inWindow(window, at('2026-11-28T05:59:00Z'))).toBe(true); // Saturday early, Friday's window
    expect(inWindow(window, at('2026-11-28T23:00:00Z'))).toBe(false); // Saturday night
    expect(inWindow(window, at('2026-11-27T05:00:00Z'))).toBe(false); // Friday early = Thursday's window
  });
  test('defaults: every day, whole day, UTC', () => {
    expect(inWindow({}, at('2026-11-25T23:59:00Z'))).toBe(true);
    expect(describeWindow({})).toBe('every day 00:00-24:00 UTC');
  });
});

describe('checkScopeWindows', () => {
  test('bad time and time zone are reported', () => {
    expect(checkScopeWindows({ a: { from: '25:00', timezone: 'Mars/Olympus' } })).toEqual([
      'auth.scopeWindows["a"].from="25:00": use HH:MM (00:00 to 24:00)',
      'auth.scopeWindows["a"].timezone="Mars/Olympus": not a time zone this Node knows (use an IANA name such as Europe/Paris)',
    ]);
    expect(checkScopeWindows(undefined)).toEqual([]);
  });
});

describe('createAuthz', () => {
  const authz = createAuthz(manifest);

  test('missing scopes and the SDK scope challenge', async () => {
    expect(authz.missing(['n:read', 'n:write'], caller(['n:read']))).toEqual(['n:write']);
    const challenge = authz.scopeChallenge(['n:write'])!;
    const info = (scopes: string[]) => ({ token: 'x', clientId: 'c', scopes, extra: { identity: caller(scopes) } });
    const request = { jsonrpc: '2.0' as const, id: 1, method: 'tools/call', params: { name: 'write' } };
    expect(await challenge({ request, authInfo: info(['n:read']) })).toEqual({ scopes: ['n:write'], errorDescription: 'Missing scope: n:write' });
    expect(await challenge({ request, authInfo: info(['n:write']) })).toBeUndefined();
    // No identity (stdio): left alone.
    expect(await challenge({ request })).toBeUndefined();
    expect(authz.scopeChallenge(undefined)).toBeUndefined();
  });

  test('assertAllowed: missing scope, outside the window, inside it, the local caller', () => {
    const error = (fn: () => void) => {
      try {
        fn();
      } catch (e) {
        return isToolError(e) ? `${e.code}: ${e.message}` : String(e);
      }
      return 'allowed';
    };
    expect(error(() => authz.assertAllowed(['n:write'], caller(['n:read'])))).toBe('insufficient_scope: Missing scope: n:write');
    expect(error(() => authz.assertAllowed(['n:write'], caller(['n:write']), at('2026-11-25T20:00:00Z')))).toBe(
      'scope_outside_window: Scope "n:write" is usable only mon, tue, wed, thu, fri 09:00-17:00 Europe/Paris; try again then',
    );
    expect(error(() => authz.assertAllowed(['n:write'], caller(['n:write']), at('2026-11-25T10:00:00Z')))).toBe('allowed');
    expect(error(() => authz.assertAllowed(['n:write'], localIdentity(manifest), at('2026-11-25T20:00:00Z')))).toBe('allowed');
  });

  test('onDenied fires once per refusal (challenge, missing scope, outside window), never for allowed calls', async () => {
    let denied = 0;
    const counted = createAuthz(manifest, { onDenied: () => denied++ });
    const info = (scopes: string[]) => ({ token: 'x', clientId: 'c', scopes, extra: { identity: caller(scopes) } });
    const request = { jsonrpc: '2.0' as const, id: 1, method: 'tools/call', params: { name: 'write' } };
    await counted.scopeChallenge(['n:write'])!({ request, authInfo: info(['n:read']) });
    expect(denied).toBe(1);
    await counted.scopeChallenge(['n:write'])!({ request, authInfo: info(['n:write']) });
    expect(() => counted.assertAllowed(['n:write'], caller(['n:read']))).toThrow();
    expect(() => counted.assertAllowed(['n:write'], caller(['n:write']), at('2026-11-25T20:00:00Z'))).toThrow();
    expect(denied).toBe(3);
    counted.assertAllowed(['n:write'], caller(['n:write']), at('2026-11-25T10:00:00Z'));
    counted.assertAllowed(['n:write'], localIdentity(manifest), at('2026-11-25T20:00:00Z'));
    expect(denied).toBe(3);
  });

  test('mode none checks nothing', () => {
    const off = createAuthz({ ...manifest, auth: { mode: 'none' } });
    expect(off.enabled).toBe(false);
    expect(off.scopeChallenge(['n:write'])).toBeUndefined();
    expect(() => off.assertAllowed(['n:write'], caller([]))).not.toThrow();
  });
});
