/**
 * Path traversal and symlink escape through the files example's tools (read_file, list_files,
 * search_files), against a running server over HTTP and stdio. FILES_ROOT is a temp folder with
 * escape hatches planted around it: a secret file beside it, a sibling folder named like the root
 * plus a suffix (the prefix trick), and symlinks inside it pointing out. Every attempt must be a
 * tool error naming the path, and no reply — of any case — may ever contain a secret.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../production/lib/server.js';
import { expectHttpServes, expectStdioServes } from './lib/checks.js';
import { callLegacy, callModern, toolText } from './lib/http.js';
import { builtExample, startHttp, startStdio } from './lib/servers.js';
import type { JsonRpcReply, StdioDriver } from './lib/stdio.js';
import { pathAttacks } from './lib/attack-cases.js';

const SECRET = `TOP-SECRET-${randomUUID()}`;
let base: string;
let http: ServerProcess;
let stdio: StdioDriver;
/** Every reply any case received, checked for the secret at the end. */
const seen: string[] = [];

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'mcpforge-sandbox-'));
  const root = join(base, 'data');
  mkdirSync(join(root, 'sub'), { recursive: true });
  writeFileSync(join(root, 'readme.txt'), 'hello from inside the sandbox\n');
  writeFileSync(join(root, 'sub', 'inner.txt'), 'inner file\n');
  writeFileSync(join(base, 'secret.txt'), `${SECRET} outside file\n`);
  mkdirSync(join(base, 'data2'));
  writeFileSync(join(base, 'data2', 'secret.txt'), `${SECRET} prefix-trick sibling\n`);
  mkdirSync(join(base, 'outside'));
  writeFileSync(join(base, 'outside', 'secret.txt'), `${SECRET} outside folder\n`);
  symlinkSync(join(base, 'secret.txt'), join(root, 'link-file'));
  symlinkSync(join(base, 'outside'), join(root, 'link-dir'));
  symlinkSync('../secret.txt', join(root, 'sub', 'relative-link'));
  const dir = await builtExample('files');
  http = await startHttp(dir, { FILES_ROOT: root });
  stdio = startStdio(dir, { FILES_ROOT: root });
  await stdio.initialize();
});

afterAll(async () => {
  await http?.stop();
  await stdio?.stop();
  // The secret appears in no log line either.
  if (http) expect(http.stderr()).not.toContain(SECRET);
  if (stdio) expect(stdio.stderr()).not.toContain(SECRET);
  expect(seen.join('\n')).not.toContain(SECRET);
  if (base) rmSync(base, { recursive: true, force: true });
});

const record = (reply: JsonRpcReply): JsonRpcReply => {
  seen.push(JSON.stringify(reply));
  return reply;
};

/** The tool error names the path the client gave (JSON-escaped when it holds control characters). */
function expectRefusal(reply: JsonRpcReply, path: string): void {
  expect(reply.error, JSON.stringify(reply.error)).toBeUndefined();
  expect(reply.result?.isError, toolText(reply)).toBe(true);
  const text = toolText(reply);
  const named = text.includes(path) || text.includes(JSON.stringify(path).slice(1, -1));
  expect(named, `"${text}" should name ${JSON.stringify(path)}`).toBe(true);
  expect(text).not.toContain(SECRET);
}

const absolute = () => join(base, 'secret.txt');
/** Each attack: the path given (shared with the `kind: files` resource suite). */
const ATTACKS = pathAttacks(() => base);

describe('read_file refuses every escape (HTTP, 2025 era)', () => {
  it.each(ATTACKS)('%s', async (_name, path) => {
    const reply = record(await callLegacy(http.url, 'read_file', { path: path() }));
    expectRefusal(reply, path());
  });
});

describe('list_files and search_files refuse escapes (HTTP, 2026 era / fast path)', () => {
  it.each([
    ['list_files ..', 'list_files', { path: '..' }, '..'],
    ['list_files absolute folder outside', 'list_files', { path: '/tmp' }, '/tmp'],
    ['list_files through a symlink to a folder outside', 'list_files', { path: 'link-dir' }, 'link-dir'],
    ['list_files prefix-trick sibling', 'list_files', { path: '../data2' }, '../data2'],
    ['list_files NUL byte', 'list_files', { path: 'sub\u0000/..' }, 'sub\u0000/..'],
    ['search_files under ..', 'search_files', { query: 'SECRET', path: '..' }, '..'],
    ['search_files through a symlink to a folder outside', 'search_files', { query: 'SECRET', path: 'link-dir' }, 'link-dir'],
    ['search_files with backslash dot-dot', 'search_files', { query: 'SECRET', path: '..\\' }, '..\\'],
  ] as Array<[string, string, Record<string, unknown>, string]>)('%s', async (_name, tool, args, path) => {
    const reply = record(await callModern(http.url, tool, args));
    expectRefusal(reply, path);
  });

  it('search_files from the root does not follow symlinks out: the secret is not among the matches', async () => {
    const reply = record(await callModern(http.url, 'search_files', { query: 'SECRET' }));
    expect(reply.result?.isError ?? false).toBe(false);
    expect(reply.result?.structuredContent).toEqual({ matches: [], truncated: false });
  });

  it('list_files of the root shows the links by name only (no target, no content)', async () => {
    const reply = record(await callModern(http.url, 'list_files', {}));
    const entries = (reply.result?.structuredContent as { entries: Array<{ name: string; type: string }> }).entries;
    expect(entries.map((entry) => entry.name)).toEqual(['link-dir', 'link-file', 'readme.txt', 'sub']);
    expect(JSON.stringify(entries)).not.toContain(base);
  });

  it('legitimate paths still work: ./readme.txt, sub/inner.txt, sub/./inner.txt', async () => {
    for (const path of ['./readme.txt', 'sub/inner.txt', 'sub/./inner.txt']) {
      const reply = record(await callModern(http.url, 'read_file', { path }));
      expect(reply.result?.isError ?? false, toolText(reply)).toBe(false);
      expect(toolText(reply)).toMatch(/hello from inside the sandbox|inner file/);
    }
  });

  it('the server is alive and serves afterwards', () => expectHttpServes(http, 'list_files', {}));
});

describe('the same escapes over stdio', () => {
  it.each([
    ['read_file ../secret.txt', 'read_file', '../secret.txt'],
    ['read_file absolute', 'read_file', 'ABS'],
    ['read_file symlink to a file outside', 'read_file', 'link-file'],
    ['read_file NUL byte', 'read_file', 'readme.txt\u0000'],
    ['read_file prefix trick', 'read_file', '../data2/secret.txt'],
    ['list_files symlink to a folder outside', 'list_files', 'link-dir'],
  ])('%s', async (_name, tool, given) => {
    const path = given === 'ABS' ? absolute() : given;
    const reply = record(await stdio.callTool(tool, { path }));
    expectRefusal(reply, path);
  });

  it('the stdio server is alive and serves afterwards', () => expectStdioServes(stdio, 'list_files', {}));
});
