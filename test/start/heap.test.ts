/**
 * The V8 heap sizing `startServer` sets (runtime/src/start/heap.ts), in a real process started as
 * generated projects start. A probe preloaded into the server, on SIGUSR2: first a server-like
 * load (event-loop turns that each allocate and keep a little for a few turns: V8 grows the young
 * generation step by step), then one synchronous stretch with a high survival rate (what makes V8
 * grow it to 2 × 16 MiB at once). It reports the semi-space's usable size after each, and the new
 * space's size after both: with the compact sizing the young generation grows to 2 MiB semi-spaces
 * and stays there; with V8's own (`MCP_V8_HEAP=v8`, stdio, or a heap flag of the operator's in
 * NODE_OPTIONS) it grows past.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPACT_HEAP_FLAGS, heapFlagsFor, semiSpaceGrowthFactorFor } from '../../runtime/src/start/heap.js';
import { writeStartServer } from '../helpers/start-server-script.js';

const root = mkdtempSync(join(tmpdir(), 'mcpforge-heap-'));

beforeAll(() => {
  const manifest = { name: 'heap', version: '1.0.0', description: 'heap sizing', layout: 'dev', transports: ['http', 'stdio'], tools: {}, resources: {}, prompts: {} };
  writeStartServer(root, manifest, { modules: 'async () => ({ tools: {}, resources: {}, prompts: {} })' });
  writeFileSync(
    join(root, 'probe.mjs'),
    [
      "import v8 from 'node:v8';",
      "const newSpace = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');",
      'const semiSpace = () => newSpace().space_used_size + newSpace().space_available_size;',
      "process.on('SIGUSR2', () => {",
      '  let live = [];',
      '  const until = Date.now() + 1500;',
      '  const turn = () => {',
      "    for (let i = 0; i < 300; i++) live.push({ i, s: 'x' + i, a: [i, i + 1] });",
      '    if (live.length > 6000) live = live.slice(3000);',
      '    if (Date.now() < until) return setImmediate(turn);',
      '    const afterLoad = semiSpace();',
      '    let keep = [];',
      "    for (let i = 0; i < 2e6; i++) { keep.push({ i, s: 'x' + i }); if (keep.length > 200000) keep = []; }",
      '    process.stderr.write(`NEW_SPACE ${afterLoad} ${semiSpace()} ${newSpace().space_size}\\n`);',
      '  };',
      '  turn();',
      '});',
    ].join('\n'),
  );
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface YoungGeneration {
  /** The semi-space's usable MiB after the server-like load. */
  semiAfterLoad: number;
  /** The same after the synchronous stretch. */
  semiAfterBurst: number;
  /** The new space's MiB (both semi-spaces) after both. */
  newSpace: number;
}

/** Starts the server, churns the heap once it serves, returns the young generation's sizes. */
async function youngGeneration(args: string[], env: Record<string, string> = {}): Promise<YoungGeneration> {
  const child = spawn(process.execPath, ['--import', pathToFileURL(join(root, 'probe.mjs')).href, join(root, 'server.mjs'), ...args], {
    env: { ...process.env, NODE_OPTIONS: '', MCP_V8_HEAP: '', DATABASE_URL: 'sqlite::memory:', LOG_LEVEL: 'warn', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  try {
    return await new Promise<YoungGeneration>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`server exited (${code}):\n${stderr}`)));
      child.stderr!.on('data', (chunk: Buffer) => {
        const before = stderr;
        stderr += chunk.toString();
        // HTTP: serving once it prints its listening line.
        if (!before.includes('listening on') && stderr.includes('listening on')) child.kill('SIGUSR2');
        const sizes = /NEW_SPACE (\d+) (\d+) (\d+)/.exec(stderr);
        if (sizes) {
          const [semiAfterLoad, semiAfterBurst, newSpace] = sizes.slice(1).map((bytes) => Number(bytes) / 1048576) as [number, number, number];
          resolve({ semiAfterLoad, semiAfterBurst, newSpace });
        }
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
  it("grows an HTTP server's young generation to 2 MiB semi-spaces and no further", async () => {
    const young = await youngGeneration(HTTP);
    // Grown from V8's initial 1 MiB (the governor lets it double once)...
    expect(young.semiAfterLoad).toBeGreaterThan(1.5);
    // ...and kept there under the load and through a burst that grows V8's own to 16 MiB.
    expect(young.semiAfterLoad).toBeLessThanOrEqual(2);
    expect(young.semiAfterBurst).toBeLessThanOrEqual(2);
    expect(young.newSpace).toBeLessThanOrEqual(4);
  }, 60_000);

  it('leaves V8 its own sizing with MCP_V8_HEAP=v8, over stdio, and when NODE_OPTIONS sizes the heap', async () => {
    expect((await youngGeneration(HTTP, { MCP_V8_HEAP: 'v8' })).newSpace).toBeGreaterThanOrEqual(8);
    expect((await youngGeneration(HTTP, { NODE_OPTIONS: '--max-semi-space-size=8' })).newSpace).toBeGreaterThanOrEqual(8);
    expect((await youngGeneration(['--transport', 'stdio'])).newSpace).toBeGreaterThanOrEqual(8);
  }, 120_000);

  it('applies to stdio when asked (MCP_V8_HEAP=compact)', async () => {
    const young = await youngGeneration(['--transport', 'stdio'], { MCP_V8_HEAP: 'compact' });
    expect(young.semiAfterLoad).toBeGreaterThan(1.5);
    expect(young.semiAfterBurst).toBeLessThanOrEqual(2);
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
    for (const flag of [
      '--max-old-space-size=96',
      '--max_semi_space_size=4',
      '--min-semi-space-size=2',
      '--semi-space-growth-factor=4',
      '--max-heap-size=200',
      '--initial-heap-size=50',
      '--heap-growing-percent=50',
      '--allocation-site-pretenuring',
      '--no_allocation_site_pretenuring',
    ]) {
      expect(heapFlagsFor({ ...base, setting: 'compact', transport: 'http', execArgv: [flag] }), flag).toEqual([]);
      expect(heapFlagsFor({ ...base, setting: undefined, transport: 'http', nodeOptions: `--enable-source-maps ${flag}` }), flag).toEqual([]);
    }
    expect(heapFlagsFor({ ...base, setting: undefined, transport: 'http', nodeOptions: '--enable-source-maps', execArgv: ['--import', 'x.mjs'] })).toEqual(COMPACT_HEAP_FLAGS);
  });
});

describe('semiSpaceGrowthFactorFor', () => {
  const MiB = 1024 * 1024;
  it('lets a semi-space below the cap double once, and no more at the cap', () => {
    // V8's initial semi-space, as it reports it (usable bytes, a little under 1 MiB).
    expect(semiSpaceGrowthFactorFor(1_030_880, 2 * MiB)).toBe(2);
    // The cap reached (usable bytes of a 2 MiB semi-space), or passed by a synchronous burst.
    expect(semiSpaceGrowthFactorFor(2_061_760, 2 * MiB)).toBe(1);
    expect(semiSpaceGrowthFactorFor(8 * MiB, 2 * MiB)).toBe(1);
  });
});
