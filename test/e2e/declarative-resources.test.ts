/**
 * Declarative resources (spec `kind: files | sql | http | memory`) served by a real process (the
 * built runtime's runServer, test/fixtures/declarative/server.mjs, no resource handler) to the
 * official SDK client over stdio, HTTP with 2025 stateful sessions, HTTP with 2026-07-28 and WebSocket: each
 * kind listed, read and (where the protocol era has resources/subscribe) subscribed to; the security suite's path attacks applied to `files`, its
 * SQL metacharacters to `sql` (SQLite; PostgreSQL in declarative-resources-services.test.ts), and
 * the `http` kind's allow list, redirect, size and time limits against a local upstream.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../runtime/src/__fixtures__/services.js';
import { WebSocketClientTransport } from '../../runtime/src/transports/index.js';
import { startServer, type ServerProcess } from '../production/lib/server.js';
import { pathAttacks, SQL_NUL_PAYLOAD, SQL_PAYLOADS } from '../security/lib/attack-cases.js';
import { DECLARATIVE_SERVER, declarativeProject, SECRET, startUpstream } from '../fixtures/declarative/project.js';

type Contents = Array<{ uri: string; mimeType?: string; text?: string; blob?: string }>;
const textOf = (contents: Contents) => contents.map((c) => c.text ?? '').join('');

/** Waits until `seen` holds `uri` (a notification arrived), or fails after `ms`. */
async function notified(seen: string[], uri: string, ms = 5_000): Promise<void> {
  const until = Date.now() + ms;
  while (!seen.includes(uri)) {
    if (Date.now() > until) throw new Error(`no notifications/resources/updated for ${uri} within ${ms} ms (got ${JSON.stringify(seen)})`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

let base: string;
let upstream: Awaited<ReturnType<typeof startUpstream>>;
let http: ServerProcess;
const clients: Client[] = [];
const env = () => ({
  PATH: process.env.PATH!,
  DECL_ROOT: base,
  DECL_UPSTREAM: upstream.origin,
  DATABASE_URL: `sqlite:${join(base, 'db.sqlite')}`,
  LOG_LEVEL: 'warn',
  MCP_AUDIT_LOG: 'off',
});

beforeAll(async () => {
  base = declarativeProject();
  upstream = await startUpstream();
  // One server for both HTTP eras: 2025 clients get sessions (their subscriptions' stream), 2026 clients stay stateless.
  http = await startServer(['node', DECLARATIVE_SERVER, '--transport', 'http', '--port', String(await freePort())], base, { ...env(), MCP_HTTP_SESSIONS: 'stateful', MCP_WEBSOCKET: 'on' });
}, 60_000);

afterAll(async () => {
  for (const client of clients) await client.close().catch(() => {});
  await http?.stop(3_000);
  if (http) expect(http.stderr()).not.toContain(SECRET);
  await new Promise((resolve) => upstream?.server.close(resolve));
  if (base) rmSync(base, { recursive: true, force: true });
});

const TRANSPORTS = [
  ['stdio', true],
  ['HTTP 2025 stateful session', true],
  ['HTTP 2026-07-28 stateless', false],
  ['WebSocket', true],
] as const;

async function connect(transport: (typeof TRANSPORTS)[number][0]): Promise<Client> {
  if (transport === 'stdio') {
    const client = new Client({ name: 'declarative-stdio', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [DECLARATIVE_SERVER], env: { ...env(), MCP_TRANSPORT: 'stdio' }, cwd: base, stderr: 'pipe' }));
    clients.push(client);
    return client;
  }
  if (transport === 'WebSocket') {
    const client = new Client({ name: 'declarative-ws', version: '1.0.0' });
    await client.connect(new WebSocketClientTransport(new URL(http.url.href.replace('http:', 'ws:').replace(/\/mcp$/, '/ws'))));
    clients.push(client);
    return client;
  }
  const mode = transport === 'HTTP 2025 stateful session' ? 'legacy' : 'auto';
  const client = new Client({ name: `declarative-${mode}`, version: '1.0.0' }, { versionNegotiation: { mode } });
  await client.connect(new StreamableHTTPClientTransport(http.url));
  clients.push(client);
  return client;
}

describe.each(TRANSPORTS)('%s', (transport, streams) => {
  let client: Client;
  const label = transport.replace(/\W+/g, '-');
  beforeAll(async () => {
    client = await connect(transport);
  }, 30_000);

  it('lists every kind: the glob-matched files (no symlinks, nothing outside), the listQuery rows, the memory keys, the templates', async () => {
    expect((await client.callTool({ name: 'remember', arguments: { key: `k-${label}`, text: 'kept' } })).isError ?? false).toBe(false);
    const { resources } = await client.listResources();
    const uris = resources.map((r) => r.uri);
    for (const uri of ['docs://files/readme.txt', 'docs://files/sub/inner.txt', 'docs://files/data.json', 'docs://files/pixel.png', 'db://items/1', 'db://items/2', 'db://items/4', `memory://notes/k-${label}`]) {
      expect(uris).toContain(uri);
    }
    expect(uris.filter((u) => /excluded|link|secret|hidden|db:\/\/items\/3/.test(u))).toEqual([]);
    expect(resources.find((r) => r.uri === 'docs://files/pixel.png')?.mimeType).toBe('image/png');
    expect(resources.find((r) => r.uri === 'db://items/4')?.name).toBe("O'Brien's note");
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate).sort()).toEqual(['db://items-by-name/{name}', 'db://items/{id}', 'docs://files/{+path}', 'mcpforge://results/{id}', 'memory://notes/{key}', 'weather://forecast/{city}']);
  });

  it('reads every kind', async () => {
    const readme = (await client.readResource({ uri: 'docs://files/readme.txt' })).contents as Contents;
    expect(readme).toEqual([{ uri: 'docs://files/readme.txt', mimeType: 'text/plain', text: 'hello from inside the sandbox\n' }]);
    expect(((await client.readResource({ uri: 'docs://files/data.json' })).contents as Contents)[0]?.mimeType).toBe('application/json');
    const png = ((await client.readResource({ uri: 'docs://files/pixel.png' })).contents as Contents)[0]!;
    expect(png.mimeType).toBe('image/png');
    expect(Buffer.from(png.blob!, 'base64')[1]).toBe(0x50);

    expect(JSON.parse(textOf((await client.readResource({ uri: 'db://items/2' })).contents as Contents))).toEqual([{ id: 2, name: 'beta' }]);
    expect(JSON.parse(textOf((await client.readResource({ uri: 'db://items/3' })).contents as Contents))).toEqual([]);

    const forecast = (await client.readResource({ uri: `weather://forecast/${label}` })).contents as Contents;
    expect(forecast[0]?.mimeType).toBe('application/json');
    expect(JSON.parse(textOf(forecast)).city).toBe(label);
    // Cached by the cache module: a second read does not reach the upstream again.
    const hits = upstream.paths.filter((p) => p === `/forecast/${label}`).length;
    await client.readResource({ uri: `weather://forecast/${label}` });
    expect(upstream.paths.filter((p) => p === `/forecast/${label}`).length).toBe(hits);

    await client.callTool({ name: 'remember', arguments: { key: `r-${label}`, text: 'read me' } });
    expect(JSON.parse(textOf((await client.readResource({ uri: `memory://notes/r-${label}` })).contents as Contents))).toMatchObject({ text: 'read me' });
    await expect(client.readResource({ uri: 'memory://notes/never-written' })).rejects.toThrow(/No key "never-written"/);
  });

  // 2026-07-28 replaces resources/subscribe with subscriptions/listen, which the runtime does not
  // serve yet (no transport does): a stateless client reads again and sees each change at once.
  it.runIf(!streams)('re-reads see each change at once (no stale copy of files or memory)', async () => {
    const file = `fresh-${label}.txt`;
    writeFileSync(join(base, 'data', file), 'v1\n');
    expect(textOf((await client.readResource({ uri: `docs://files/${file}` })).contents as Contents)).toBe('v1\n');
    writeFileSync(join(base, 'data', file), 'v2\n');
    expect(textOf((await client.readResource({ uri: `docs://files/${file}` })).contents as Contents)).toBe('v2\n');
    for (const text of ['one', 'two']) {
      await client.callTool({ name: 'remember', arguments: { key: `f-${label}`, text } });
      expect(JSON.parse(textOf((await client.readResource({ uri: `memory://notes/f-${label}` })).contents as Contents)).text).toBe(text);
    }
  });

  it.runIf(streams)('subscribes: a file written and a memory key set reach the subscriber as notifications/resources/updated', async () => {
    const seen: string[] = [];
    client.setNotificationHandler('notifications/resources/updated', (n) => void seen.push(n.params.uri));
    const file = `watched-${label}.txt`;
    writeFileSync(join(base, 'data', file), 'v1\n');
    for (const uri of [`docs://files/${file}`, `memory://notes/w-${label}`, 'db://items/1', `weather://forecast/${label}`]) await client.subscribeResource({ uri });
    writeFileSync(join(base, 'data', file), 'v2\n');
    await notified(seen, `docs://files/${file}`);
    await client.callTool({ name: 'remember', arguments: { key: `w-${label}`, text: 'changed' } });
    await notified(seen, `memory://notes/w-${label}`);
    expect(seen).not.toContain(`memory://notes/k-${label}`);
    // Unsubscribed: later writes are not announced.
    await client.unsubscribeResource({ uri: `memory://notes/w-${label}` });
    seen.length = 0;
    await client.callTool({ name: 'remember', arguments: { key: `w-${label}`, forget: true } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(seen).not.toContain(`memory://notes/w-${label}`);
  });
});

describe('kind files refuses every path attack of the sandbox suite (stdio and HTTP)', () => {
  const attacks = pathAttacks(() => base);
  let stdio: Client;
  let modern: Client;
  beforeAll(async () => {
    stdio = await connect('stdio');
    modern = await connect('HTTP 2026-07-28 stateless');
  }, 30_000);
  it.each(attacks)('%s', async (_name, path) => {
    for (const client of [stdio, modern]) {
      for (const uri of [`docs://files/${path()}`, `docs://files/${encodeURIComponent(path())}`]) {
        const outcome = await client.readResource({ uri }).then(
          (result) => `read: ${JSON.stringify(result)}`,
          (error: Error) => error.message,
        );
        expect(outcome).not.toMatch(/^read:/);
        expect(outcome).not.toContain(SECRET);
      }
    }
  });
  it('refuses a file the glob does not match, even inside the root', async () => {
    await expect(stdio.readResource({ uri: 'docs://files/excluded.bin' })).rejects.toThrow(/No file "excluded.bin"/);
  });
});

describe('kind sql binds URI values as parameters (the SQL suite payloads, SQLite)', () => {
  let client: Client;
  beforeAll(async () => {
    client = await connect('stdio');
  }, 30_000);
  const rowsFor = async (name: string) => JSON.parse(textOf((await client.readResource({ uri: `db://items-by-name/${encodeURIComponent(name)}` })).contents as Contents)) as unknown[];

  it.each([...SQL_PAYLOADS, SQL_NUL_PAYLOAD])('%s', async (_name, payload) => {
    const rows = await rowsFor(payload);
    // Bound as a value: matched only by an item with exactly that name, never by a rewritten WHERE.
    expect(rows).toEqual(payload === "O'Brien's note" ? [{ id: 4, name: payload }] : []);
    expect(JSON.stringify(rows)).not.toContain('hidden-row');
    // The table is intact.
    expect((await client.listResources()).resources.filter((r) => r.uri.startsWith('db://items/')).map((r) => r.uri)).toEqual(['db://items/1', 'db://items/2', 'db://items/4']);
  });

  it('refuses a value that is not of the declared type before the database sees it', async () => {
    for (const id of ['1 OR 1=1', '1;DROP TABLE items', '0x10', '1e3', '']) {
      await expect(client.readResource({ uri: `db://items/${encodeURIComponent(id)}` })).rejects.toThrow(/must be an integer|not found/i);
    }
  });
});

describe('kind http fetches only from its allow list, within its limits', () => {
  let client: Client;
  beforeAll(async () => {
    client = await connect('stdio');
  }, 30_000);
  it('follows a redirect on the list and refuses one off it', async () => {
    expect(JSON.parse(textOf((await client.readResource({ uri: 'weather://forecast/on-list' })).contents as Contents)).city).toBe('paris');
    await expect(client.readResource({ uri: 'weather://forecast/off-list' })).rejects.toThrow(/may not fetch from localhost:\d+: the host is not in its allow list/);
  });
  it('refuses an answer over maxBytes and an upstream slower than timeoutMs', async () => {
    await expect(client.readResource({ uri: 'weather://forecast/huge' })).rejects.toThrow(/larger than its limit of 4096 bytes/);
    const started = Date.now();
    await expect(client.readResource({ uri: 'weather://forecast/slow' })).rejects.toThrow(/did not answer within 1000 ms/);
    expect(Date.now() - started).toBeLessThan(2_500);
  });
  it('percent-encodes URI values into the upstream path: no traversal, no query, no host change', async () => {
    await client.readResource({ uri: `weather://forecast/${encodeURIComponent('../admin?x=1#y')}` }).catch(() => undefined);
    await client.readResource({ uri: 'weather://forecast/..%2F..%2Fadmin' }).catch(() => undefined);
    expect(upstream.paths.filter((p) => !p.startsWith('/forecast/'))).toEqual([]);
    expect(upstream.paths).toContain('/forecast/..%2Fadmin%3Fx%3D1%23y');
  });
});
