/**
 * End to end, as a user runs it: `mcpforge new --yes` → npm install → build → start over stdio and
 * HTTP → the official SDK client and the Inspector CLI talk to the real server processes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exerciseAllExample } from '../helpers/mcp-suite.js';
import { CLI, TOOLKIT_ROOT } from '../helpers/toolkit.js';
import { startWeatherUpstream, type WeatherUpstream } from '../helpers/weather-upstream.js';

let workdir: string;
let project: string;
let filesRoot: string;
let upstream: WeatherUpstream;
let newOutput: string;

function serverEnv(): Record<string, string> {
  return {
    ...(process.env as Record<string, string>),
    WEATHER_API_URL: upstream.url,
    WEATHER_GEOCODING_URL: upstream.url,
    FILES_ROOT: filesRoot,
    LOG_LEVEL: 'warn',
  };
}

beforeAll(async () => {
  workdir = mkdtempSync(join(tmpdir(), 'mcpforge-e2e-'));
  project = join(workdir, 'e2e-server');
  filesRoot = join(workdir, 'files');
  mkdirSync(join(filesRoot, 'sub'), { recursive: true });
  writeFileSync(join(filesRoot, 'ideas.txt'), 'Ship the walking skeleton first.\n');
  writeFileSync(join(filesRoot, 'sub', 'deep.txt'), 'first line\nsomething deep here\n');
  mkdirSync(join(workdir, 'outside'));
  writeFileSync(join(workdir, 'secret.txt'), 'top secret\n');
  writeFileSync(join(workdir, 'outside', 'secret.txt'), 'top secret\n');
  symlinkSync(join(workdir, 'outside'), join(filesRoot, 'escape'));
  upstream = await startWeatherUpstream();

  const result = await execa(process.execPath, [CLI, 'new', project, '--yes'], { cwd: workdir, all: true, reject: false });
  newOutput = result.all ?? '';
  if (result.exitCode !== 0) throw new Error(`mcpforge new failed (${result.exitCode}):\n${newOutput}`);
}, 900_000);

afterAll(async () => {
  await upstream?.close();
  if (workdir) rmSync(workdir, { recursive: true, force: true });
});

describe('mcpforge new --yes (all examples, dev layout)', () => {
  it('reports each step and prints how to connect a client', () => {
    expect(newOutput).toMatch(/✓ Writing the project/);
    expect(newOutput).toMatch(/✓ Installing dependencies/);
    expect(newOutput).toMatch(/✓ Building/);
    expect(newOutput).toContain('claude_desktop_config.json');
    expect(newOutput).toContain(join(project, 'dist', 'server.js'));
    expect(newOutput).toContain('@modelcontextprotocol/inspector');
  });

  it('serves every example over stdio to the SDK client', async () => {
    const client = new Client({ name: 'e2e', version: '1.0.0' });
    await client.connect(
      new StdioClientTransport({ command: process.execPath, args: ['dist/server.js'], cwd: project, env: serverEnv(), stderr: 'pipe' }),
    );
    try {
      await exerciseAllExample(client, upstream, 'stdio');
    } finally {
      await client.close();
    }
  });

  it('serves every example over Streamable HTTP, survives bad requests and shuts down on SIGTERM', async () => {
    const { child, url } = await startHttp(project, serverEnv());
    try {
      const health = await fetch(new URL('/healthz', url));
      expect(health.status).toBe(200);
      expect((await fetch(new URL('/readyz', url))).status).toBe(200);

      const malformed = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{"jsonrpc":' });
      expect(malformed.status).toBeGreaterThanOrEqual(400);
      expect(malformed.status).toBeLessThan(500);
      // fetch() cannot forge a Host header: DNS-rebinding protection is checked with node:http.
      expect(await postWithHost(url, 'evil.example')).toBe(403);

      const client = new Client({ name: 'e2e', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(url));
      try {
        await exerciseAllExample(client, upstream, 'http');
      } finally {
        await client.close();
      }
      const metrics = await (await fetch(new URL('/metrics', url))).text();
      expect(metrics).toMatch(/tool="create_note"/);
    } finally {
      child.kill('SIGTERM');
    }
    const code = await new Promise<number | null>((done) => child.on('exit', (exitCode) => done(exitCode)));
    expect(code).toBe(0);
  });

  it('answers the Inspector CLI over stdio', async () => {
    const result = await execa(
      join(TOOLKIT_ROOT, 'node_modules', '.bin', 'mcp-inspector'),
      ['--cli', '-e', `FILES_ROOT=${filesRoot}`, 'node', 'dist/server.js', '--method', 'tools/call', '--tool-name', 'read_file', '--tool-arg', 'path=ideas.txt'],
      { cwd: project, all: true, reject: false },
    );
    expect(result.exitCode, result.all).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ content: [{ type: 'text', text: expect.stringContaining('walking skeleton') }] });
  });

  it('answers the Inspector CLI over Streamable HTTP', async () => {
    const { child, url } = await startHttp(project, serverEnv());
    try {
      const inspector = (...args: string[]) =>
        execa(join(TOOLKIT_ROOT, 'node_modules', '.bin', 'mcp-inspector'), ['--cli', url.href, '--transport', 'http', ...args], { cwd: project, all: true, reject: false });
      const listed = await inspector('--method', 'tools/list');
      expect(listed.exitCode, listed.all).toBe(0);
      expect((JSON.parse(listed.stdout) as { tools: Array<{ name: string }> }).tools.map((t) => t.name)).toContain('read_file');
      const called = await inspector('--method', 'tools/call', '--tool-name', 'read_file', '--tool-arg', 'path=ideas.txt');
      expect(called.exitCode, called.all).toBe(0);
      expect(JSON.parse(called.stdout)).toMatchObject({ content: [{ type: 'text', text: expect.stringContaining('walking skeleton') }] });
    } finally {
      child.kill('SIGTERM');
    }
  });

  it("passes the generated project's own tests", async () => {
    const result = await execa('npm', ['test'], { cwd: project, all: true, reject: false });
    expect(result.exitCode, result.all).toBe(0);
    expect(result.all).toMatch(/passed/);
  });
});

export async function startHttp(cwd: string, env: Record<string, string>): Promise<{ child: ChildProcess; url: URL }> {
  const child = spawn(process.execPath, ['dist/server.js', '--transport', 'http', '--port', '0'], { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
  const url = await new Promise<URL>((done, fail) => {
    let stderr = '';
    const timer = setTimeout(() => fail(new Error(`no "listening on" line within 20 s:\n${stderr}`)), 20_000);
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        done(new URL(match[1] as string));
      }
    });
    child.on('exit', (code) => fail(new Error(`server exited with ${code}:\n${stderr}`)));
  });
  return { child, url };
}


function postWithHost(url: URL, host: string): Promise<number> {
  return new Promise((done, fail) => {
    const req = request(url, { method: 'POST', headers: { host, 'content-type': 'application/json', accept: 'application/json, text/event-stream' } }, (res) => {
      res.resume();
      done(res.statusCode ?? 0);
    });
    req.on('error', fail);
    req.end('{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}');
  });
}
