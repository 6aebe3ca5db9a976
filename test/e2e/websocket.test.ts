/**
 * The WebSocket transport in a generated project: examples/notes with `websocket` added to the
 * spec's transports, regenerated and built, served with `--transport websocket`; the official SDK
 * client connects through the runtime's WebSocketClientTransport.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/client';
import { WebSocketClientTransport } from '@mcpforge/runtime/transports';
import { buildProject, exampleProject, mcpforge } from '../production/lib/project.js';
import { makeCertificates } from '../tls/lib/certs.js';
import { callTool, connectClient, startServer, type ServerProcess } from '../production/lib/server.js';

let dir: string;
let server: ServerProcess | undefined;
const env = () => {
  const vars: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn' };
  delete vars.DATABASE_URL;
  return vars;
};

beforeAll(async () => {
  dir = await exampleProject('notes');
  await buildProject(dir);
});

afterAll(async () => {
  await server?.stop();
});

describe('WebSocket transport in a generated server', () => {
  it('is refused while the spec does not offer it, naming the fix', async () => {
    const result = await execa(process.execPath, ['dist/server.js', '--transport', 'websocket', '--port', '0'], { cwd: dir, env: env(), reject: false, all: true });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('add websocket to `transports` in mcpforge.yaml');
  });

  it('serves MCP at /ws beside /mcp on one listener once the spec offers it', async () => {
    const specPath = join(dir, 'mcpforge.yaml');
    writeFileSync(specPath, readFileSync(specPath, 'utf8').replace(/^transports:\n/m, 'transports:\n  - websocket\n'));
    const generated = await mcpforge(dir, 'generate');
    expect(generated.exitCode, generated.all).toBe(0);
    expect(readFileSync(join(dir, 'src', 'generated', 'manifest.ts'), 'utf8')).toContain('websocket');
    await buildProject(dir);

    server = await startServer(['node', 'dist/server.js', '--transport', 'websocket', '--port', '0'], dir, env());
    const wsUrl = `ws://127.0.0.1:${server.url.port}/ws`;

    const client = new Client({ name: 'ws-e2e', version: '1.0.0' });
    await client.connect(new WebSocketClientTransport(wsUrl));
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['create_note', 'delete_note', 'list_notes', 'search_notes']);
    // Written right after the "listening on" line.
    expect(server.stderr()).toContain(`websocket on ${wsUrl}`);
    const note = await callTool<{ id: number; title: string }>(client, 'create_note', { title: 'sent over a WebSocket', tags: ['ws'] });
    expect(note.title).toBe('sent over a WebSocket');
    const invalid = await client.callTool({ name: 'create_note', arguments: { title: '' } });
    expect(invalid.isError).toBe(true);

    // The same database through Streamable HTTP on the same port.
    const http = await connectClient(server.url, 'ws-e2e-http');
    const found = await callTool<{ notes: Array<{ id: number }> }>(http, 'search_notes', { query: 'WebSocket' });
    expect(found.notes.map((n) => n.id)).toContain(note.id);
    await http.close();

    // SIGTERM with the socket still open: the server closes it and exits 0.
    const closed = new Promise<void>((resolve) => {
      client.onclose = () => resolve();
    });
    expect(await server.stop()).toBe(0);
    await closed;
    server = undefined;
  });

  it('is WSS with the same certificate when served over HTTPS', async () => {
    const certs = makeCertificates([]);
    server = await startServer(
      ['node', 'dist/server.js', '--transport', 'websocket', '--port', '0', '--host', '127.0.0.1', '--tls-cert', certs.serverCert, '--tls-key', certs.serverKey],
      dir,
      env(),
    );
    const wssUrl = `wss://localhost:${server.url.port}/ws`;
    const client = new Client({ name: 'wss-e2e', version: '1.0.0' });
    await client.connect(new WebSocketClientTransport(wssUrl, { ws: { ca: readFileSync(certs.ca) } }));
    expect((await client.listTools()).tools.length).toBe(4);
    await client.close();
    // Not trusting the dev CA: the TLS handshake fails, nothing is served.
    await expect(new WebSocketClientTransport(wssUrl).start()).rejects.toThrow(/certificate/i);
    expect(await server.stop()).toBe(0);
    server = undefined;
  });
});
