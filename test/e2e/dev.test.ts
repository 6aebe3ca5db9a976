/**
 * `mcpforge dev` for real: a copy of examples/notes (node_modules linked), the dev loop as a child
 * process, the official SDK client against the server it runs. Spec edits, a broken and a fixed
 * handler, then SIGINT. Also checks `npm run inspect`'s pinned Inspector against the built server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/client';
import { CLI, TOOLKIT_ROOT } from '../helpers/toolkit.js';
import { exampleProject } from '../production/lib/project.js';
import { callTool, connectClient } from '../production/lib/server.js';

let dir: string;
let dev: ChildProcess;
let stdout = '';
let stderr = '';
let url: URL;
const exited = () => new Promise<number | null>((resolve) => (dev.exitCode !== null ? resolve(dev.exitCode) : dev.once('exit', (code) => resolve(code))));

/** Resolves with the first status line after `from` (an offset into stdout) that matches `pattern`. */
function waitForLine(pattern: RegExp, from: number, timeoutMs = 120_000): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const match = pattern.exec(stdout.slice(from));
      if (!match) return false;
      clearTimeout(timer);
      dev.stdout!.off('data', check);
      resolve(match);
      return true;
    };
    const timer = setTimeout(() => reject(new Error(`no line matching ${pattern} within ${timeoutMs / 1000} s; dev printed:\n${stdout}`)), timeoutMs);
    dev.stdout!.on('data', check);
    check();
  });
}

async function withClient<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = await connectClient(url, 'dev-test');
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

/** Processes whose working folder is the project (the dev loop's server children). */
function processesIn(folder: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/cwd`) === folder && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('dist/server.js')) pids.push(Number(entry));
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return pids;
}

beforeAll(async () => {
  dir = await exampleProject('notes');
  // The server keeps its default SQLite file under the project (data/notes.db).
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn' };
  delete env.DATABASE_URL;
  dev = spawn(process.execPath, [CLI, 'dev', '--port', '0', '--debounce', '100'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env });
  dev.stdout!.setEncoding('utf8');
  dev.stdout!.on('data', (chunk: string) => (stdout += chunk));
  dev.stderr!.setEncoding('utf8');
  dev.stderr!.on('data', (chunk: string) => (stderr += chunk));
  const [, served] = await waitForLine(/start → .* → built \(.*\) → serving on (http:\/\/\S+)/, 0);
  url = new URL(served!);
});

afterAll(() => {
  if (dev && dev.exitCode === null) dev.kill('SIGKILL');
  for (const pid of dir ? processesIn(dir) : []) process.kill(pid, 'SIGKILL');
});

describe('mcpforge dev', () => {
  it('serves the project over HTTP on the port it printed', async () => {
    expect(url.port).not.toBe('0');
    const tools = await withClient(async (client) => (await client.listTools()).tools.map((t) => t.name));
    expect(tools).toContain('create_note');
    expect(tools).not.toContain('count_notes');
  });

  it('a spec edit regenerates, rebuilds and restarts: the reconnected client sees the new tool', async () => {
    const from = stdout.length;
    const spec = readFileSync(join(dir, 'mcpforge.yaml'), 'utf8');
    const added = spec.replace(
      /^resources:/m,
      ['  count_notes:', '    description: Count the notes (added while dev was running).', '    input: schemas/list_notes.input.json', 'resources:'].join('\n'),
    );
    expect(added).not.toBe(spec);
    writeFileSync(join(dir, 'mcpforge.yaml'), added);
    const [line] = await waitForLine(/\[dev \d\d:\d\d:\d\d\] mcpforge\.yaml changed → generated \(\d+ files?\) → built \([\d.]+ s\) → restarted on (\S+)\n/, from);
    expect(line).toContain(url.href);
    const tool = await withClient(async (client) => (await client.listTools()).tools.find((t) => t.name === 'count_notes'));
    expect(tool?.description).toBe('Count the notes (added while dev was running).');
    // The handler stub generate created is the dev loop's own write: it does not start another cycle.
    expect(readFileSync(join(dir, 'src', 'tools', 'count_notes.ts'), 'utf8')).toContain("defineTool('count_notes'");
  });

  it('a broken handler shows the build error and the old server keeps answering; the fix restarts it', async () => {
    // Settle: no cycle may still be pending from the previous edit.
    await new Promise((resolve) => setTimeout(resolve, 500));
    // The stub the spec edit created was written by the cycle itself: it started no cycle of its own.
    expect(stdout).not.toMatch(/count_notes\.ts changed/);
    const file = join(dir, 'src', 'tools', 'create_note.ts');
    const good = readFileSync(file, 'utf8');
    let from = stdout.length;
    appendFileSync(file, '\nexport const broken: number = "not a number";\n');
    const [failed] = await waitForLine(/src\/tools\/create_note\.ts changed → up to date → build failed: (src\/tools\/create_note\.ts\(\d+,\d+\): error TS2322[^\n]*)\n/, from);
    expect(failed).toContain('still serving');
    const note = await withClient((client) => callTool<{ id: number; title: string }>(client, 'create_note', { title: 'while broken' }));
    expect(note.title).toBe('while broken');

    from = stdout.length;
    writeFileSync(file, good);
    await waitForLine(/src\/tools\/create_note\.ts changed → up to date → built \([\d.]+ s\) → restarted on /, from);
    const listed = await withClient((client) => callTool<{ notes: Array<{ title: string }> }>(client, 'list_notes', {}));
    expect(listed.notes.map((n) => n.title)).toContain('while broken');
  });

  it('a warning that stays is printed once, not on every cycle', async () => {
    const name = 'count_notes_under_a_name_long_enough_for_the_name_length_warning';
    const spec = readFileSync(join(dir, 'mcpforge.yaml'), 'utf8');
    const withLong = (description: string) =>
      spec.replace(/^resources:/m, [`  ${name}:`, `    description: ${description}`, '    input: schemas/list_notes.input.json', 'resources:'].join('\n'));
    let from = stdout.length;
    writeFileSync(join(dir, 'mcpforge.yaml'), withLong('Count the notes.'));
    await waitForLine(/\] mcpforge\.yaml changed → generated \(\d+ files?\) → built \([\d.]+ s\) → restarted on /, from);
    const warned = (text: string) => text.split('\n').filter((line) => line.startsWith('warning:') && line.includes(`tool name "${name}"`)).length;
    expect(warned(stderr)).toBe(1);
    from = stdout.length;
    writeFileSync(join(dir, 'mcpforge.yaml'), withLong('Count every note.'));
    // Only the spec: the handler stub the last cycle wrote is its own write, not a change.
    await waitForLine(/\] mcpforge\.yaml changed → generated \(\d+ files?\) → built \([\d.]+ s\) → restarted on /, from);
    expect(warned(stderr)).toBe(1);
  }, 300_000);

  it('SIGINT stops the server and exits 0, leaving no child behind', async () => {
    expect(processesIn(dir).length).toBe(1);
    dev.kill('SIGINT');
    expect(await exited()).toBe(0);
    expect(stdout).toMatch(/\[dev \d\d:\d\d:\d\d\] stopped\n$/);
    expect(processesIn(dir)).toEqual([]);
    await expect(fetch(new URL('/healthz', url))).rejects.toThrow();
  });
});

describe('npm run inspect', () => {
  it("pins the Inspector version the toolkit tests with, and that Inspector's CLI lists the built server's tools", async () => {
    const script = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.inspect!;
    const match = /@modelcontextprotocol\/inspector@(\S+) (.*)$/.exec(script);
    expect(match, script).not.toBeNull();
    const installed = (JSON.parse(readFileSync(join(TOOLKIT_ROOT, 'node_modules', '@modelcontextprotocol', 'inspector', 'package.json'), 'utf8')) as { version: string }).version;
    expect(match![1]).toBe(installed);
    // The same server command the script gives the web UI, through the Inspector's CLI mode.
    const result = await execa(join(TOOLKIT_ROOT, 'node_modules', '.bin', 'mcp-inspector'), ['--cli', ...match![2]!.split(' '), '--method', 'tools/list'], {
      cwd: dir,
      all: true,
      reject: false,
    });
    expect(result.exitCode, result.all).toBe(0);
    expect((JSON.parse(result.stdout) as { tools: Array<{ name: string }> }).tools.map((t) => t.name)).toContain('count_notes');
  });
});
