/**
 * A real process started as generated projects start (`startServer`, handlers loaded lazily),
 * with the SDK held back: a module hook keeps `@modelcontextprotocol/server` from resolving until
 * the test opens a gate. The modern `server/discover` and `tools/list` are answered while it is
 * held (so they cannot have come through the SDK); the `tools/call` sent meanwhile is answered once
 * the runtime has loaded, in order; a 2025 `initialize` waits for the runtime and works as always.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runtimeBundle as bundle, writeStartServer } from '../helpers/start-server-script.js';

const root = mkdtempSync(join(tmpdir(), 'mcpforge-stdio-start-'));
const META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'stdio-start-test', version: '1.0.0' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

beforeAll(() => {
  const manifest = {
    name: 'stdio-start',
    version: '1.0.0',
    description: 'started early',
    layout: 'dev',
    transports: ['stdio'],
    tools: {
      echo: { name: 'echo', description: 'Echoes its input', inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'], additionalProperties: false } },
      hang: { name: 'hang', description: 'Runs until aborted', inputSchema: { type: 'object', properties: {}, additionalProperties: false } },
    },
    resources: {},
    prompts: {},
  };
  writeStartServer(root, manifest, {
    setup: [
      // As a generated project's handlers.ts: each handler and validator module loads on first use.
      'const tools = { echo: {',
      `  handler: async () => { const { createDefineTool } = await import('${bundle('index.js')}'); return { default: createDefineTool()('echo', async (input) => input.text) }; },`,
      `  validateInput: async () => { const { standaloneValidator } = await import('${bundle('testing/index.js')}'); return { default: standaloneValidator(manifest.tools.echo.inputSchema) }; },`,
      '}, hang: {',
      `  handler: async () => { const { createDefineTool } = await import('${bundle('index.js')}'); return { default: createDefineTool()('hang', (_input, ctx) => new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('aborted'))))) }; },`,
      `  validateInput: async () => { const { standaloneValidator } = await import('${bundle('testing/index.js')}'); return { default: standaloneValidator(manifest.tools.hang.inputSchema) }; },`,
      '} };',
    ],
    modules: 'async () => ({ tools, resources: {}, prompts: {} })',
  });
  // The gate: resolving the SDK waits until the file GATE names exists.
  writeFileSync(
    join(root, 'hooks.mjs'),
    [
      "import { existsSync } from 'node:fs';",
      'export async function resolve(specifier, context, next) {',
      "  if (specifier === '@modelcontextprotocol/server' || specifier.startsWith('@modelcontextprotocol/server/')) {",
      '    while (!existsSync(process.env.GATE)) await new Promise((r) => setTimeout(r, 10));',
      '  }',
      '  return next(specifier, context);',
      '}',
    ].join('\n'),
  );
  writeFileSync(join(root, 'register.mjs'), "import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n");
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Started {
  stderr(): string;
  child: ChildProcess;
  next(): Promise<Record<string, unknown>>;
  send(message: object): void;
  gate: string;
  exited: Promise<number | null>;
}

function start(name: string, env: Record<string, string> = {}): Started {
  const gate = join(root, `gate-${name}`);
  const child = spawn(process.execPath, ['--import', pathToFileURL(join(root, 'register.mjs')).href, join(root, 'server.mjs')], {
    env: { ...process.env, GATE: gate, DATABASE_URL: 'sqlite::memory:', LOG_LEVEL: 'warn', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  let buffered = '';
  const lines: string[] = [];
  const waiting: Array<(line: string) => void> = [];
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let newline: number;
    while ((newline = buffered.indexOf('\n')) !== -1) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      const w = waiting.shift();
      if (w) w(line);
      else lines.push(line);
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    stderr: () => stderr,
    child,
    gate,
    exited,
    send: (message) => child.stdin!.write(`${JSON.stringify(message)}\n`),
    next: () =>
      new Promise((resolve, reject) => {
        const take = (line: string) => resolve(JSON.parse(line) as Record<string, unknown>);
        if (lines.length > 0) return take(lines.shift()!);
        waiting.push(take);
        void exited.then((code) => reject(new Error(`server exited (${code}) before answering:\n${stderr}`)));
      }),
  };
}

describe('startServer over stdio', () => {
  it('answers server/discover and tools/list before the SDK loads, then the call through the runtime, and exits 0 when stdin ends', async () => {
    const s = start('modern');
    try {
      s.send({ jsonrpc: '2.0', id: 'discover', method: 'server/discover', params: { _meta: META } });
      s.send({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: META } });
      const discovered = await s.next();
      expect(discovered).toMatchObject({ id: 'discover', result: { supportedVersions: ['2026-07-28'], capabilities: { tools: { listChanged: true } }, instructions: 'started early' } });
      const listed = await s.next();
      expect(listed).toMatchObject({ id: 1, result: { tools: [{ name: 'echo' }, { name: 'hang' }] } });
      // Sent while the SDK is still held back: it waits for the runtime.
      s.send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { text: 'after the gate' }, _meta: META } });
      s.send({ jsonrpc: '2.0', id: 3, method: 'tools/list', params: { _meta: META } });
      writeFileSync(s.gate, '');
      // Answered in either order (the list does not wait for the handler to load).
      const answers = [await s.next(), await s.next()].sort((a, b) => Number(a.id) - Number(b.id));
      expect(answers[0]).toMatchObject({ id: 2, result: { content: [{ type: 'text', text: 'after the gate' }] } });
      // The same list through the SDK path once the runtime serves.
      expect(answers[1]).toEqual({ ...listed, id: 3 });
      // Input validation runs as always.
      s.send({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'echo', arguments: { text: 7 }, _meta: META } });
      expect(await s.next()).toMatchObject({ id: 4, result: { isError: true } });
      s.child.stdin!.end();
      expect(await s.exited).toBe(0);
    } finally {
      s.child.kill('SIGKILL');
    }
  });

  it('leaves a 2025 session to the runtime: initialize, then the list and a call', async () => {
    const s = start('legacy');
    try {
      s.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'legacy', version: '1' } } });
      s.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
      s.send({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} });
      writeFileSync(s.gate, '');
      expect(await s.next()).toMatchObject({ id: 1, result: { protocolVersion: '2025-11-25', serverInfo: { name: 'stdio-start' } } });
      expect(await s.next()).toMatchObject({ id: 2, result: { tools: [{ name: 'echo' }, { name: 'hang' }] } });
      s.send({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'echo', arguments: { text: 'legacy' } } });
      expect(await s.next()).toMatchObject({ id: 3, result: { content: [{ type: 'text', text: 'legacy' }] } });
      s.child.stdin!.end();
      expect(await s.exited).toBe(0);
    } finally {
      s.child.kill('SIGKILL');
    }
  });

  it('answers a line that is not JSON through the runtime’s line guard (-32700), then serves on', async () => {
    const s = start('garbage');
    try {
      s.child.stdin!.write('this is not json\n');
      s.send({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: META } });
      writeFileSync(s.gate, '');
      expect(await s.next()).toMatchObject({ id: null, error: { code: -32700 } });
      expect(await s.next()).toMatchObject({ id: 1, result: { tools: [{ name: 'echo' }, { name: 'hang' }] } });
      s.child.stdin!.end();
      expect(await s.exited).toBe(0);
    } finally {
      s.child.kill('SIGKILL');
    }
  });

  it('answers every request read before stdin ended (the client closed its end right after writing), then exits 0', async () => {
    const s = start('closed-early');
    try {
      s.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'pipe', version: '1' } } });
      s.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
      s.send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { text: 'piped' } } });
      // The whole input, then the end of stdin, all before the runtime has loaded.
      s.child.stdin!.end();
      writeFileSync(s.gate, '');
      expect(await s.next()).toMatchObject({ id: 1, result: { protocolVersion: '2025-11-25' } });
      expect(await s.next()).toMatchObject({ id: 2, result: { content: [{ type: 'text', text: 'piped' }] } });
      expect(await s.exited).toBe(0);
    } finally {
      s.child.kill('SIGKILL');
    }
  });

  it('waits for a running call at the end of stdin no longer than MCP_SHUTDOWN_TIMEOUT_MS, then aborts it and exits', async () => {
    const s = start('hang', { MCP_SHUTDOWN_TIMEOUT_MS: '300' });
    try {
      writeFileSync(s.gate, '');
      s.send({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'hang', arguments: {}, _meta: META } });
      s.send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { text: 'beside it' }, _meta: META } });
      expect(await s.next()).toMatchObject({ id: 2, result: { content: [{ type: 'text', text: 'beside it' }] } });
      s.child.stdin!.end();
      expect(await s.exited).toBe(0);
      expect(s.stderr()).toContain('requests read before stdin ended did not finish in time; aborting them');
    } finally {
      s.child.kill('SIGKILL');
    }
  });

  it('survives a client that stops reading before the early answer is written (EPIPE), and exits 0 when stdin ends', async () => {
    const s = start('gone');
    try {
      s.child.stdout!.destroy();
      s.send({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: META } });
      s.send({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: { _meta: META } });
      writeFileSync(s.gate, '');
      s.child.stdin!.end();
      expect(await s.exited).toBe(0);
    } finally {
      s.child.kill('SIGKILL');
    }
  });
});
