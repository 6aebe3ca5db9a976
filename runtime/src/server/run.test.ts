/**
 * End-to-end: `runServer` in a real child process (the way a generated `src/server.ts` runs it),
 * driven by the real SDK client over stdio and over HTTP. The runtime and the notes fixture are
 * compiled once into a private folder so the child runs plain JavaScript.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/client/stdio';
import { makeMigrations } from '../__fixtures__/notes.js';

const runtimeDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const buildDir = join(runtimeDir, '.tmp', `e2e-${process.pid}`);
let entry: string;

beforeAll(() => {
  mkdirSync(buildDir, { recursive: true });
  const tsconfig = join(buildDir, 'tsconfig.json');
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: '../../tsconfig.json',
      compilerOptions: { rootDir: '../../src', outDir: './out', declaration: false, sourceMap: false },
      include: ['../../src/**/*.ts'],
      exclude: ['../../src/**/*.test.ts'],
    }),
  );
  execFileSync(process.execPath, [join(runtimeDir, '..', 'node_modules', 'typescript', 'bin', 'tsc'), '-p', tsconfig], { stdio: 'inherit' });
  entry = join(buildDir, 'out', 'server.mjs');
  writeFileSync(
    entry,
    [
      "import { runServer } from './server/run.js';",
      "import { manifest, makeModules } from './__fixtures__/notes.js';",
      'await runServer({ manifest, modules: makeModules(), projectRoot: new URL(process.env.PROJECT_ROOT) });',
    ].join('\n'),
  );
}, 120_000);

afterAll(() => {
  rmSync(buildDir, { recursive: true, force: true });
});

function makeProject(): string {
  const root = mkdtempSync(join(tmpdir(), 'mcpforge-project-'));
  mkdirSync(join(root, 'migrations'));
  const source = makeMigrations();
  writeFileSync(join(root, 'migrations', '0001_notes.sql'), readFileSync(join(source, '0001_notes.sql')));
  return root;
}

function spawnServer(root: string, args: string[], env: Record<string, string> = {}): ChildProcess & { stderrText: () => string } {
  const child = spawn(process.execPath, [entry, ...args], {
    env: { ...getDefaultEnvironment(), PROJECT_ROOT: pathToFileURL(root + '/').href, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  return Object.assign(child, { stderrText: () => stderr });
}

const exitOf = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));

async function waitForLine(child: ReturnType<typeof spawnServer>, pattern: RegExp): Promise<RegExpExecArray> {
  for (let i = 0; i < 200; i++) {
    const match = pattern.exec(child.stderrText());
    if (match) return match;
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no line matching ${pattern} on stderr; got:\n${child.stderrText()}`);
}

describe('runServer', () => {
  it('serves stdio by default, stores data under <project>/data and exits 0 when stdin ends', async () => {
    const root = makeProject();
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [entry],
      env: { ...getDefaultEnvironment(), PROJECT_ROOT: pathToFileURL(root + '/').href, LOG_LEVEL: 'warn' },
      stderr: 'pipe',
    });
    const client = new Client({ name: 'e2e', version: '1.0.0' });
    await client.connect(transport);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toContain('create_note');
    const result = await client.callTool({ name: 'create_note', arguments: { title: 'over stdio' } });
    expect(result.structuredContent).toEqual({ id: 1, title: 'over stdio' });
    await client.close();
    expect(existsSync(join(root, 'data', 'notes.db'))).toBe(true);

    const child = spawnServer(root, []);
    child.stdin!.end();
    expect(await exitOf(child)).toBe(0);
  });

  it('serves HTTP, announces one "listening on" line and shuts down on SIGTERM after in-flight calls', async () => {
    const root = makeProject();
    const child = spawnServer(root, ['--transport', 'http', '--port', '0'], { DATABASE_URL: 'sqlite::memory:', LOG_LEVEL: 'warn' });
    try {
      const [, url] = await waitForLine(child, /^listening on (http:\/\/127\.0\.0\.1:\d+\/mcp)$/m);
      expect(child.stderrText().split('\n').filter((l) => l.startsWith('listening on'))).toHaveLength(1);
      expect(child.stderrText()).not.toContain('responseMode');
      const client = new Client({ name: 'e2e', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
      await client.connect(new StreamableHTTPClientTransport(new URL(url!)));
      const ok = await client.callTool({ name: 'echo', arguments: { text: 'hi' } });
      expect(ok.content).toEqual([{ type: 'text', text: 'hi (as anonymous)' }]);
      const ready = await fetch(url!.replace('/mcp', '/readyz'));
      expect(ready.status).toBe(200);

      const slow = client.callTool({ name: 'explode', arguments: { mode: 'slow' } });
      await new Promise((r) => setTimeout(r, 80));
      child.kill('SIGTERM');
      const result = await slow;
      expect((result.content as Array<{ text: string }>)[0]!.text).toBe('slow done, aborted=false');
      expect(await exitOf(child)).toBe(0);
      await client.close().catch(() => {});
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('exits 1 with a clear message on bad configuration', async () => {
    const child = spawnServer(makeProject(), ['--transport', 'http'], { MCP_PORT: 'abc' });
    expect(await exitOf(child)).toBe(1);
    expect(child.stderrText()).toContain('MCP_PORT=abc: must be an integer from 0 to 65535');
  });

  it('exits 1 naming the file when a migration fails', async () => {
    const root = makeProject();
    writeFileSync(join(root, 'migrations', '0002_bad.sql'), 'this is not sql;');
    const child = spawnServer(root, [], { DATABASE_URL: 'sqlite::memory:' });
    expect(await exitOf(child)).toBe(1);
    expect(child.stderrText()).toMatch(/notes failed to start: Migration 0002_bad\.sql failed and was rolled back/);
  });

  it('the root export loads no native driver', () => {
    const out = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "import { createRequire } from 'node:module'; await import('./index.js'); const cache = Object.keys(createRequire(import.meta.url).cache); console.log(JSON.stringify({ sqlite: cache.some((k) => k.includes('better-sqlite3')), ajv: cache.some((k) => k.includes('/ajv/')) }));",
      ],
      { cwd: join(buildDir, 'out') },
    ).toString();
    expect(JSON.parse(out)).toEqual({ sqlite: false, ajv: false });
  });

  it('an HTTP server with API keys loads neither ws (WebSocket off) nor jose (no JWT mode), and with WebSocket on still serves it', async () => {
    // Every ES module the child loads is logged by a loader hook (ws is reached through its ESM
    // wrapper, jose is ESM): the lazy imports are RSS at start, which the peak RSS target counts.
    const out = join(buildDir, 'out');
    writeFileSync(join(out, 'loads-hook.mjs'), "import { appendFileSync } from 'node:fs';\nexport async function load(url, context, next) { appendFileSync(process.env.LOADED_LOG, url + '\\n'); return next(url, context); }\n");
    writeFileSync(
      join(out, 'server-loads.mjs'),
      [
        "import { register } from 'node:module';",
        "register('./loads-hook.mjs', import.meta.url);",
        "const { runServer } = await import('./server/run.js');",
        "const { manifest, makeModules } = await import('./__fixtures__/notes.js');",
        "await runServer({ manifest: { ...manifest, auth: { mode: 'apiKey' }, transports: ['stdio', 'http', 'websocket'] }, modules: makeModules(), projectRoot: new URL(process.env.PROJECT_ROOT) });",
      ].join('\n'),
    );
    const loadedWith = async (env: Record<string, string>): Promise<string> => {
      const log = join(buildDir, `loaded-${Object.keys(env).length}.txt`);
      writeFileSync(log, '');
      const child = spawn(process.execPath, [join(out, 'server-loads.mjs'), '--transport', 'http', '--port', '0'], {
        env: { ...getDefaultEnvironment(), PROJECT_ROOT: pathToFileURL(makeProject() + '/').href, DATABASE_URL: 'sqlite::memory:', LOADED_LOG: log, ...env },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
      try {
        // The server writes `websocket on` right after `listening on`, in a second write: the two
        // can arrive in two reads, so wait for the last line expected, not the first.
        const last = env.MCP_WEBSOCKET ? /^websocket on ws:/m : /^listening on /m;
        for (let i = 0; i < 200 && !last.test(stderr) && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 50));
        expect(stderr).toMatch(/^listening on /m);
        expect(stderr).toMatch(last);
      } finally {
        child.kill('SIGTERM');
        await exitOf(child as ReturnType<typeof spawnServer>);
      }
      return readFileSync(log, 'utf8');
    };
    const plain = await loadedWith({});
    expect(plain).toContain('/auth/api-keys.js');
    expect(plain).not.toMatch(/\/node_modules\/(ws|jose)\//);
    expect(await loadedWith({ MCP_WEBSOCKET: 'on' })).toMatch(/\/node_modules\/ws\//);
  });

  it('--help prints usage and exits 0', async () => {
    const child = spawnServer(makeProject(), ['--help']);
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    expect(await exitOf(child)).toBe(0);
    expect(out).toContain('Usage: notes [options]');
  });
});

describe('runServer shutdown on stdio', () => {
  /** Starts a stdio server, completes the MCP handshake and one tool call over raw JSON-RPC lines. */
  async function serveOneCall(root: string, env: Record<string, string>): Promise<ChildProcess> {
    const child = spawn(process.execPath, [entry], {
      env: { ...getDefaultEnvironment(), PROJECT_ROOT: pathToFileURL(root + '/').href, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    // stderr piped and read, as a desktop app does; an EPIPE on our side must not fail the test.
    child.stderr!.on('data', () => {});
    for (const stream of [child.stdin!, child.stdout!, child.stderr!]) stream.on('error', () => {});
    let buffered = '';
    const replies = new Map<number, (line: unknown) => void>();
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      let end: number;
      while ((end = buffered.indexOf('\n')) >= 0) {
        const message = JSON.parse(buffered.slice(0, end)) as { id?: number };
        buffered = buffered.slice(end + 1);
        if (typeof message.id === 'number') replies.get(message.id)?.(message);
      }
    });
    const request = (id: number, method: string, params: unknown) =>
      new Promise<unknown>((resolve, reject) => {
        replies.set(id, resolve);
        child.once('exit', () => reject(new Error(`server exited before answering ${method}`)));
        child.stdin!.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
      });
    await request(1, 'initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'quitting-app', version: '1.0.0' } });
    child.stdin!.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
    const reply = (await request(2, 'tools/call', { name: 'create_note', arguments: { title: 'last call' } })) as { result?: unknown };
    expect(reply.result).toBeDefined();
    return child;
  }

  /** Resolves the exit code, or 'hung' when the process is still alive after `graceMs`. */
  async function exitWithin(child: ChildProcess, graceMs: number): Promise<number | string | null> {
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      exitOf(child).then((code) => code ?? child.signalCode),
      new Promise<string>((resolve) => (timer = setTimeout(() => resolve('hung'), graceMs))),
    ]);
    clearTimeout(timer);
    if (outcome === 'hung') child.kill('SIGKILL');
    return outcome;
  }

  it('always exits when SIGTERM follows a tool reply and the client quits, dropping its pipes (regression: orphan in a futex wait)', async () => {
    // The race hit 4 of 8 tries at the default log level: 12 tries catch it with near certainty.
    const root = makeProject();
    const outcomes: Array<number | string | null> = [];
    for (let i = 0; i < 12; i++) {
      const child = await serveOneCall(root, { MCP_SHUTDOWN_TIMEOUT_MS: '1000' });
      expect(child.exitCode).toBeNull();
      // How an app quits: signal the server, then die, closing its ends of the three pipes.
      child.kill('SIGTERM');
      child.stdin!.destroy();
      child.stdout!.destroy();
      child.stderr!.destroy();
      // Far above the 1 s drain deadline: a process alive after this is stuck, not slow.
      outcomes.push(await exitWithin(child, 15_000));
    }
    expect(outcomes.filter((o) => o === 'hung')).toEqual([]);
    // And each one shut down gracefully (database closed, exit 0), not by the deadline's exit 1.
    expect(outcomes).toEqual(outcomes.map(() => 0));
  }, 240_000);
});
