/**
 * The WebSocket transport (/ws) passes the same authentication gate as /mcp, and the identity and
 * scope checks hold on its long-lived connection (no HTTP 403 there: a tool error instead).
 */
import { Client } from '@modelcontextprotocol/client';
import { WebSocketClientTransport, WebSocketUpgradeError } from '@mcpforge/runtime/transports';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ServerProcess } from '../production/lib/server.js';
import { authProject } from './auth-project.js';
import { createKey, serve, METRICS_TOKEN, bearer } from './auth-lib.js';

let server: ServerProcess;
let wsUrl: URL;
const keys: Record<string, string> = {};

beforeAll(async () => {
  const dir = await authProject('apiKey', { transports: ['stdio', 'http', 'websocket'] });
  keys.reader = await createKey(dir, 'reader', ['notes:read']);
  server = await serve(dir, { MCP_WEBSOCKET: 'on' });
  wsUrl = new URL('/ws', server.url.href.replace(/^http/, 'ws'));
});

afterAll(async () => {
  await server?.stop();
});

async function connect(headers: Record<string, string>): Promise<Client> {
  const client = new Client({ name: 'ws-auth', version: '1.0.0' });
  await client.connect(new WebSocketClientTransport(wsUrl, { headers }));
  return client;
}

describe('authentication over WebSocket', () => {
  test('an upgrade without credentials is refused with 401 before the socket opens', async () => {
    const error = await connect({}).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WebSocketUpgradeError);
    expect((error as WebSocketUpgradeError).status).toBe(401);
  });

  test('an unknown key is refused with 401', async () => {
    const error = await connect({ authorization: 'Bearer mcpk_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as WebSocketUpgradeError).status).toBe(401);
    expect((error as WebSocketUpgradeError).body).toContain('Unknown API key');
  });

  test('the key identity reaches ctx.auth, lists are filtered and a call without the scope is refused', async () => {
    const client = await connect({ authorization: `Bearer ${keys.reader}` });
    try {
      const who = await client.callTool({ name: 'whoami', arguments: { nonce: 'ws' } });
      expect(who.structuredContent).toMatchObject({ subject: 'apikey:reader', scopes: ['notes:read'], method: 'apiKey', nonce: 'ws' });
      expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(['list_notes', 'search_notes', 'whoami']);
      const denied = await client.callTool({ name: 'create_note', arguments: { title: 'via ws', body: 'b' } });
      expect(denied.isError).toBe(true);
      expect(denied.content).toEqual([{ type: 'text', text: 'Missing scope: notes:write' }]);
      const listed = await client.callTool({ name: 'list_notes', arguments: {} });
      expect(JSON.stringify(listed.structuredContent)).not.toContain('via ws');
    } finally {
      await client.close();
    }
  });
});

describe('security events from WebSocket', () => {
  const events = async (): Promise<Record<string, number>> => {
    const text = await (await fetch(new URL('/metrics', server.url), { headers: bearer(METRICS_TOKEN) })).text();
    return Object.fromEntries([...text.matchAll(/^mcp_security_events_total\{type="([a-z_]+)"\} (\d+)$/gm)].map(([, type, value]) => [type!, Number(value)]));
  };

  test('a refused upgrade counts auth_failure; a scope refusal on the open socket (assertAllowed) counts scope_denied', async () => {
    const before = await events();
    await connect({ authorization: 'Bearer mcpk_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }).catch(() => undefined);
    const client = await connect({ authorization: `Bearer ${keys.reader}` });
    try {
      expect((await client.callTool({ name: 'create_note', arguments: { title: 'counted', body: 'b' } })).isError).toBe(true);
      expect((await client.callTool({ name: 'whoami', arguments: {} })).isError).toBeFalsy();
    } finally {
      await client.close();
    }
    const after = await events();
    expect(after.auth_failure! - before.auth_failure!).toBe(1);
    expect(after.scope_denied! - before.scope_denied!).toBe(1);
  });
});
