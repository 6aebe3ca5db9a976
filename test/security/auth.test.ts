/**
 * API-key authentication and scope authorization against a running generated server over HTTP:
 * the notes example with scopes (see auth-project.ts), keys made and revoked with the real CLI,
 * raw HTTP for exact statuses and headers, the official SDK client for MCP-level behaviour.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Client } from '@modelcontextprotocol/client';
import type { ServerProcess } from '../production/lib/server.js';
import { authProject } from './auth-project.js';
import { bearer, cli, clientWith, createKey, rpc, serve, METRICS_TOKEN } from './auth-lib.js';

let dir: string;
let server: ServerProcess;
const keys: Record<string, string> = {};

beforeAll(async () => {
  dir = await authProject('apiKey');
  keys.reader = await createKey(dir, 'reader', ['notes:read']);
  keys.writer = await createKey(dir, 'writer', ['notes:read', 'notes:write']);
  keys.admin = await createKey(dir, 'admin', ['notes:read', 'notes:write', 'notes:admin']);
  keys.nobody = await createKey(dir, 'nobody', []);
  keys.temp = await createKey(dir, 'temp', ['notes:read']);
  const roled = await cli(dir, 'keys', 'create', '--name', 'editor-key', '--role', 'editor');
  if (roled.exitCode !== 0) throw new Error(roled.all);
  keys.editor = roled.stdout.trim();
  server = await serve(dir, {});
});

afterAll(async () => {
  await server?.stop();
});

const WHOAMI = { name: 'whoami', arguments: { nonce: 'n1' } };

describe('authentication (apiKey)', () => {
  test('missing credentials: 401 with a Bearer challenge and no MCP handling', async () => {
    const reply = await rpc(server.url, 'tools/list', {});
    expect(reply.status).toBe(401);
    expect(reply.headers.get('www-authenticate')).toBe('Bearer realm="mcp"');
    expect(reply.body).toEqual({ error: 'unauthorized', error_description: 'Authentication required: send Authorization: Bearer <API key> (or X-API-Key)' });
  });

  test('malformed Authorization header: 400 invalid_request', async () => {
    const reply = await rpc(server.url, 'tools/list', {}, { authorization: 'Bearer' });
    expect(reply.status).toBe(400);
    expect(reply.headers.get('www-authenticate')).toBe('Bearer error="invalid_request", error_description="Malformed Authorization header: expected \\"Bearer <token>\\""');
  });

  test('another scheme (Basic) counts as no credentials: 401 without an error code', async () => {
    const reply = await rpc(server.url, 'tools/list', {}, { authorization: 'Basic dXNlcjpwYXNz' });
    expect(reply.status).toBe(401);
    expect(reply.headers.get('www-authenticate')).toBe('Bearer realm="mcp"');
  });

  test('unknown API key (well-formed, never issued): 401 invalid_token', async () => {
    const forged = `mcpk_${randomBytes(6).toString('hex')}_${randomBytes(32).toString('base64url')}`;
    const reply = await rpc(server.url, 'tools/list', {}, bearer(forged));
    expect(reply.status).toBe(401);
    expect(reply.headers.get('www-authenticate')).toBe('Bearer error="invalid_token", error_description="Unknown API key"');
    expect(reply.body.error).toBe('invalid_token');
  });

  test('a real key id with a wrong secret is refused like an unknown key', async () => {
    const [, id] = /^mcpk_([0-9a-f]{12})_/.exec(keys.reader!)!;
    const reply = await rpc(server.url, 'tools/list', {}, bearer(`mcpk_${id}_${randomBytes(32).toString('base64url')}`));
    expect(reply.status).toBe(401);
    expect(reply.body.error_description).toBe('Unknown API key');
  });

  test('a key created with --role editor: the role\'s scopes list and allow its tools; others stay denied', async () => {
    const who = await rpc(server.url, 'tools/call', WHOAMI, bearer(keys.editor!));
    expect(who.body.result.structuredContent).toMatchObject({ subject: 'apikey:editor-key', roles: ['editor'], scopes: ['notes:read', 'notes:write'] });
    const listed = (await rpc(server.url, 'tools/list', {}, bearer(keys.editor!))).body.result.tools.map((t: { name: string }) => t.name);
    expect(listed).toEqual(expect.arrayContaining(['create_note', 'list_notes']));
    expect(listed).not.toContain('delete_note');
    const created = await rpc(server.url, 'tools/call', { name: 'create_note', arguments: { title: 'by role' } }, bearer(keys.editor!));
    expect(created.body.result.isError).toBeFalsy();
    expect((await rpc(server.url, 'tools/call', { name: 'delete_note', arguments: { id: 1 } }, bearer(keys.editor!))).status).toBe(403);
  });

  test('valid key in X-API-Key: the handler sees apikey:<name> with its scopes', async () => {
    const reply = await rpc(server.url, 'tools/call', WHOAMI, { 'x-api-key': keys.reader! });
    expect(reply.status).toBe(200);
    expect(reply.body.result.structuredContent).toEqual({
      subject: 'apikey:reader',
      scopes: ['notes:read'],
      roles: [],
      method: 'apiKey',
      authKeys: ['anonymous', 'clientId', 'method', 'roles', 'scopes', 'subject'],
      nonce: 'n1',
    });
  });

  test('valid key through the SDK client (modern protocol, fast path): identity reaches ctx.auth, no token in it', async () => {
    const client = await clientWith(server.url, bearer(keys.writer!));
    try {
      const result = await client.callTool({ name: 'whoami', arguments: { nonce: 'sdk' } });
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toMatchObject({ subject: 'apikey:writer', scopes: ['notes:read', 'notes:write'], method: 'apiKey', nonce: 'sdk' });
      expect((result.structuredContent as { authKeys: string[] }).authKeys).not.toContain('token');
      expect(JSON.stringify(result)).not.toContain(keys.writer);
    } finally {
      await client.close();
    }
  });

  test('key revoked with the real CLI is refused on the next request', async () => {
    const before = await rpc(server.url, 'tools/call', WHOAMI, bearer(keys.temp!));
    expect(before.status).toBe(200);
    const revoked = await cli(dir, 'keys', 'revoke', 'temp');
    expect(revoked.exitCode).toBe(0);
    expect(revoked.stdout).toMatch(/^Revoked key "temp" \(id [0-9a-f]{12}\)/);
    const after = await rpc(server.url, 'tools/call', WHOAMI, bearer(keys.temp!));
    expect(after.status).toBe(401);
    expect(after.headers.get('www-authenticate')).toBe('Bearer error="invalid_token", error_description="The API key has been revoked"');
    const listed = await cli(dir, 'keys', 'list', '--json');
    const temp = (JSON.parse(listed.stdout) as Array<{ name: string; revokedAt: string | null }>).find((k) => k.name === 'temp');
    expect(temp?.revokedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(listed.stdout).not.toContain('mcpk_');
  });
});

describe('authorization (scopes)', () => {
  test('scope escalation, tool: calling create_note without notes:write is 403 insufficient_scope naming the scope', async () => {
    const reply = await rpc(server.url, 'tools/call', { name: 'create_note', arguments: { title: 't', body: 'b' } }, bearer(keys.reader!));
    expect(reply.status).toBe(403);
    expect(reply.headers.get('www-authenticate')).toBe('Bearer error="insufficient_scope", error_description="Missing scope: notes:write", scope="notes:write"');
    expect(reply.body).toEqual({ error: 'insufficient_scope', error_description: 'Missing scope: notes:write' });
  });

  test('scope escalation, tool via the SDK client: the call fails and nothing is written', async () => {
    const client = await clientWith(server.url, bearer(keys.reader!));
    try {
      await expect(client.callTool({ name: 'create_note', arguments: { title: 'escalated', body: 'b' } })).rejects.toThrow(/403|insufficient_scope|scope/i);
      const listed = await client.callTool({ name: 'list_notes', arguments: {} });
      expect(JSON.stringify(listed.structuredContent)).not.toContain('escalated');
    } finally {
      await client.close();
    }
  });

  test('scope escalation, resource: reading a note without notes:read is 403', async () => {
    const created = await rpc(server.url, 'tools/call', { name: 'create_note', arguments: { title: 'secret plan', body: 'b' } }, bearer(keys.writer!));
    expect(created.status).toBe(200);
    const id = created.body.result.structuredContent.id as string;
    const denied = await rpc(server.url, 'resources/read', { uri: `notes://${id}` }, bearer(keys.nobody!));
    expect(denied.status).toBe(403);
    expect(denied.headers.get('www-authenticate')).toContain('scope="notes:read"');
    expect(denied.text).not.toContain('secret plan');
    const allowed = await rpc(server.url, 'resources/read', { uri: `notes://${id}` }, bearer(keys.reader!));
    expect(allowed.status).toBe(200);
    expect(allowed.body.result.contents[0].text).toContain('secret plan');
  });

  test('scope escalation, prompt: prompts/get without notes:read is 403', async () => {
    const denied = await rpc(server.url, 'prompts/get', { name: 'summarize_notes', arguments: {} }, bearer(keys.nobody!));
    expect(denied.status).toBe(403);
    expect(denied.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    const allowed = await rpc(server.url, 'prompts/get', { name: 'summarize_notes', arguments: {} }, bearer(keys.reader!));
    expect(allowed.status).toBe(200);
    expect(allowed.body.result.messages.length).toBeGreaterThan(0);
  });

  test('tools/list shows only the tools the caller may call', async () => {
    const names = async (key: string) => ((await rpc(server.url, 'tools/list', {}, bearer(key))).body.result.tools as Array<{ name: string }>).map((t) => t.name).sort();
    expect(await names(keys.nobody!)).toEqual(['search_notes', 'whoami']);
    expect(await names(keys.reader!)).toEqual(['list_notes', 'search_notes', 'whoami']);
    expect(await names(keys.admin!)).toEqual(['create_note', 'delete_note', 'list_notes', 'search_notes', 'whoami']);
  });

  test('resource templates and prompts lists are filtered the same way', async () => {
    // The runtime's own template for results cut to their output budget (mcpforge://results/{id})
    // is listed to every caller; reading one is bound to the caller that got it (budgets tests).
    const templates = async (key: string) => {
      const response = await rpc(server.url, 'resources/templates/list', {}, bearer(key));
      response.body.result.resourceTemplates = response.body.result.resourceTemplates.filter((t: { uriTemplate: string }) => !t.uriTemplate.startsWith('mcpforge://'));
      return response;
    };
    const prompts = (key: string) => rpc(server.url, 'prompts/list', {}, bearer(key));
    expect((await templates(keys.nobody!)).body.result.resourceTemplates).toEqual([]);
    expect((await templates(keys.reader!)).body.result.resourceTemplates.map((t: { name: string }) => t.name)).toEqual(['note']);
    expect((await prompts(keys.nobody!)).body.result.prompts).toEqual([]);
    expect((await prompts(keys.reader!)).body.result.prompts.map((p: { name: string }) => p.name)).toEqual(['summarize_notes']);
  });

  test('resources/list: a caller without notes:read is not shown note instances', async () => {
    await rpc(server.url, 'tools/call', { name: 'create_note', arguments: { title: 'listed', body: 'b' } }, bearer(keys.writer!));
    const hidden = await rpc(server.url, 'resources/list', {}, bearer(keys.nobody!));
    expect(hidden.status).toBe(200);
    expect(hidden.body.result.resources).toEqual([]);
    const shown = await rpc(server.url, 'resources/list', {}, bearer(keys.reader!));
    expect(shown.body.result.resources.length).toBeGreaterThan(0);
  });

  test('time window, inside: notes:write (usable around now) lets create_note run', async () => {
    const reply = await rpc(server.url, 'tools/call', { name: 'create_note', arguments: { title: 'in window', body: 'b' } }, bearer(keys.writer!));
    expect(reply.status).toBe(200);
    expect(reply.body.result.isError).toBeUndefined();
    expect(reply.body.result.structuredContent.title).toBe('in window');
  });

  test('time window, outside: notes:admin (usable only later) refuses delete_note with a tool error saying when', async () => {
    const reply = await rpc(server.url, 'tools/call', { name: 'delete_note', arguments: { id: 'whatever' } }, bearer(keys.admin!));
    expect(reply.status).toBe(200);
    expect(reply.body.result.isError).toBe(true);
    expect(reply.body.result.content[0].text).toMatch(/^Scope "notes:admin" is usable only every day \d\d:00-\d\d:00 UTC; try again then$/);
  });

  test('MCP_AUTH_LIST=all lists every tool, while calls stay checked', async () => {
    const all = await serve(dir, { MCP_AUTH_LIST: 'all' });
    try {
      const listed = await rpc(all.url, 'tools/list', {}, bearer(keys.nobody!));
      expect((listed.body.result.tools as Array<{ name: string }>).map((t) => t.name).sort()).toEqual(['create_note', 'delete_note', 'list_notes', 'search_notes', 'whoami']);
      const call = await rpc(all.url, 'tools/call', { name: 'list_notes', arguments: {} }, bearer(keys.nobody!));
      expect(call.status).toBe(403);
    } finally {
      await all.stop();
    }
  });
});

describe('isolation and secrets', () => {
  test('two concurrent clients with different keys never get each other\'s replies', async () => {
    const a = await clientWith(server.url, bearer(keys.reader!), 'client-a');
    const b = await clientWith(server.url, bearer(keys.writer!), 'client-b');
    try {
      const calls: Array<Promise<{ who: string; expected: string; nonce: string; result: Awaited<ReturnType<Client['callTool']>> }>> = [];
      for (let i = 0; i < 60; i++) {
        for (const [client, who] of [
          [a, 'apikey:reader'],
          [b, 'apikey:writer'],
        ] as const) {
          const nonce = `${who}-${i}-${randomBytes(4).toString('hex')}`;
          calls.push(client.callTool({ name: 'whoami', arguments: { nonce } }).then((result) => ({ who, expected: who, nonce, result })));
        }
      }
      const results = await Promise.all(calls);
      expect(results).toHaveLength(120);
      for (const { expected, nonce, result } of results) {
        expect(result.structuredContent).toMatchObject({ subject: expected, nonce });
      }
    } finally {
      await a.close();
      await b.close();
    }
  });

  test('no key, token or Authorization header value appears in the server log', async () => {
    await rpc(server.url, 'tools/call', WHOAMI, bearer(keys.admin!));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const log = server.stderr();
    expect(log).toContain('"event":"auth_failure"');
    for (const key of Object.values(keys)) expect(log).not.toContain(key);
    expect(log).not.toContain('mcpk_');
  });
});

describe('security events on /metrics', () => {
  const securityEvents = async (): Promise<Record<string, number>> => {
    const text = await (await fetch(new URL('/metrics', server.url), { headers: bearer(METRICS_TOKEN) })).text();
    const counts: Record<string, number> = {};
    for (const [, type, value] of text.matchAll(/^mcp_security_events_total\{type="([a-z_]+)"\} (\d+)$/gm)) counts[type!] = Number(value);
    return counts;
  };

  test('every event type is exported (at 0 or more) before any refusal of its kind', async () => {
    expect(Object.keys(await securityEvents()).sort()).toEqual(['auth_failure', 'limit_exceeded', 'rate_limited', 'sandbox_denied', 'scope_denied']);
  });

  test('a bad key and a malformed header each count one auth_failure; an accepted key counts none', async () => {
    const before = await securityEvents();
    expect((await rpc(server.url, 'tools/list', {}, bearer(`mcpk_${'0'.repeat(12)}_${randomBytes(32).toString('base64url')}`))).status).toBe(401);
    expect((await rpc(server.url, 'tools/list', {}, { authorization: 'Bearer' })).status).toBe(400);
    expect((await rpc(server.url, 'tools/list', {}, bearer(keys.reader!))).status).toBe(200);
    const after = await securityEvents();
    expect(after.auth_failure! - before.auth_failure!).toBe(2);
    expect(after.scope_denied).toBe(before.scope_denied);
  });

  test('a 403 scope challenge and a time-window refusal each count one scope_denied', async () => {
    const before = await securityEvents();
    expect((await rpc(server.url, 'tools/call', { name: 'create_note', arguments: { title: 't', body: 'b' } }, bearer(keys.reader!))).status).toBe(403);
    const outside = await rpc(server.url, 'tools/call', { name: 'delete_note', arguments: { id: 'whatever' } }, bearer(keys.admin!));
    expect(outside.body.result.isError).toBe(true);
    expect((await rpc(server.url, 'tools/call', WHOAMI, bearer(keys.reader!))).status).toBe(200);
    const after = await securityEvents();
    expect(after.scope_denied! - before.scope_denied!).toBe(2);
    expect(after.auth_failure).toBe(before.auth_failure);
  });
});
