/**
 * The V8 heap sizing `startServer` sets (runtime/src/start/heap.ts), in a real process started as
 * generated projects start. A probe preloaded into the server churns short-lived objects with a
 * high survival rate on SIGUSR2 — what makes V8 grow its young generation to 2 × 16 MiB — and
 * reports the new space's size: 2 MiB when the compact sizing is on, grown when it is off
 * (`MCP_V8_HEAP=v8`, stdio, or a heap flag of the operator's in NODE_OPTIONS).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPACT_HEAP_FLAGS, heapFlagsFor } from '../../runtime/src/start/heap.js';
import { writeStartServer } from '../helpers/start-server-script.js';

const root = mkdtempSync(join(tmpdir(), 'mcpforge-heap-'));

beforeAll(() => {
  const manifest = { name: 'heap', version: '1.0.0', description: 'heap sizing', layout: 'dev', transports: ['http', 'stdio'], tools: {}, resources: {}, prompts: {} };
  writeStartServer(root, manifest, { modules: 'async () => ({ tools: {}, resources: {}, prompts: {} })' });
  writeFileSync(
    join(root, 'probe.mjs'),
    [
      "import v8 from 'node:v8';",
      "process.on('SIGUSR2', () => {",
      '  let keep = [];',
      "  for (let i = 0; i < 2e6; i++) { keep.push({ i, s: 'x' + i }); if (keep.length > 200000) keep = []; }",
      "  const size = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;",
      '  process.stderr.write(`NEW_SPACE ${size}\\n`);',
      '});',
    ].join('\n'),
  );
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Starts the server, churns the heap once it serves, returns the new space's size in MiB. */
async function newSpaceMiB(args: string[], env: Record<string, string> = {}): Promise<number> {
  const child = spawn(process.execPath, ['--import', pathToFileURL(join(root, 'probe.mjs')).href, join(root, 'server.mjs'), ...args], {
    env: { ...process.env, NODE_OPTIONS: '', MCP_V8_HEAP: '', DATABASE_URL: 'sqlite::memory:', LOG_LEVEL: 'warn', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  try {
    return await new Promise<number>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`server exited (${code}):\n${stderr}`)));
      child.stderr!.on('data', (chunk: Buffer) => {
        const before = stderr;
        stderr += chunk.toString();
        // HTTP: serving once it prints its listening line.
        if (!before.includes('listening on') && stderr.includes('listening on')) child.kill('SIGUSR2');
        const size = /NEW_SPACE (\d+)/.exec(stderr);
        if (size) resolve(Number(size[1]) / 1048576);
      });
      // stdio: serving once it answers `initialize` (the runtime has loaded, after the flags).
      let answered = false;
      child.stdout!.on('data', () => {
        if (!answered) child.kill('SIGUSR2');
        answered = true;
      });
      if (!args.includes('http')) {
        child.stdin!.write(`${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'heap-test', version: '1.0.0' } } })}\n`);
      }
    });
  } finally {
    child.kill('SIGKILL');
  }
}

const HTTP = ['--transport', 'http', '--port', '0'];

describe('the V8 heap sizing of a started server', () => {
  it('keeps an HTTP server\'s young generation at its initial size', async () => {
    expect(await newSpaceMiB(HTTP)).toBeLessThanOrEqual(2);
  }, 60_000);

  it('leaves V8 its own sizing with MCP_V8_HEAP=v8, over stdio, and when NODE_OPTIONS sizes the heap', async () => {
    expect(await newSpaceMiB(HTTP, { MCP_V8_HEAP: 'v8' })).toBeGreaterThanOrEqual(8);
    expect(await newSpaceMiB(HTTP, { NODE_OPTIONS: '--max-semi-space-size=8' })).toBeGreaterThanOrEqual(8);
    expect(await newSpaceMiB(['--transport', 'stdio'])).toBeGreaterThanOrEqual(8);
  }, 120_000);

  it('applies to stdio when asked (MCP_V8_HEAP=compact)', async () => {
    expect(await newSpaceMiB(['--transport', 'stdio'], { MCP_V8_HEAP: 'compact' })).toBeLessThanOrEqual(2);
  }, 60_000);
});

describe('heapFlagsFor', () => {
  const base = { execArgv: [], nodeOptions: undefined } as const;
  it('chooses the compact flags for HTTP unless told otherwise, none for stdio', () => {
    expect(heapFlagsFor({ ...base, setting: undefined, transport: 'http' })).toEqual(COMPACT_HEAP_FLAGS);
    expect(heapFlagsFor({ ...base, setting: undefined, transport: 'stdio' })).toEqual([]);
    expect(heapFlagsFor({ ...base, setting: 'compact', transport: 'stdio' })).toEqual(COMPACT_HEAP_FLAGS);
    expect(heapFlagsFor({ ...base, setting: 'v8', transport: 'http' })).toEqual([]);
  });

  it("leaves the heap to the operator's flags, in either spelling", () => {
    for (const flag of ['--max-old-space-size=96', '--max_semi_space_size=4', '--min-semi-space-size=2', '--semi-space-growth-factor=4', '--max-heap-size=200', '--initial-heap-size=50', '--heap-growing-percent=50']) {
      expect(heapFlagsFor({ ...base, setting: 'compact', transport: 'http', execArgv: [flag] }), flag).toEqual([]);
      expect(heapFlagsFor({ ...base, setting: undefined, transport: 'http', nodeOptions: `--enable-source-maps ${flag}` }), flag).toEqual([]);
    }
    expect(heapFlagsFor({ ...base, setting: undefined, transport: 'http', nodeOptions: '--enable-source-maps', execArgv: ['--import', 'x.mjs'] })).toEqual(COMPACT_HEAP_FLAGS);
  });
});
