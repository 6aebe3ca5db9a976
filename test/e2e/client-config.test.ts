import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, TOOLKIT_ROOT } from '../helpers/toolkit.js';

const workdir = mkdtempSync(join(tmpdir(), 'mcpforge-client-config-'));
afterAll(() => rmSync(workdir, { recursive: true, force: true }));
const project = join(TOOLKIT_ROOT, 'examples', 'notes');
const run = (args: string[]) => execa(process.execPath, [CLI, 'client-config', ...args], { cwd: project, reject: false, all: true });

describe('mcpforge client-config', () => {
  it('prints a stdio entry that starts the built server', async () => {
    const result = await run(['--client', 'claude-desktop']);
    expect(result.exitCode, result.all).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ mcpServers: { notes: { command: 'node', args: [join(project, 'dist', 'server.js')] } } });
  });

  it('--write merges into an existing config without losing other servers or keys', async () => {
    const file = join(workdir, 'mcp.json');
    writeFileSync(file, JSON.stringify({ servers: { other: { type: 'stdio', command: 'other-server' } }, inputs: [{ id: 'token' }] }));
    const result = await run(['--client', 'vscode', '--transport', 'http', '--url', 'http://127.0.0.1:4000/mcp', '--write', '--file', file]);
    expect(result.exitCode, result.all).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      servers: { other: { type: 'stdio', command: 'other-server' }, notes: { type: 'http', url: 'http://127.0.0.1:4000/mcp' } },
      inputs: [{ id: 'token' }],
    });
    // Writing again replaces our entry, still keeping the others.
    await run(['--client', 'vscode', '--write', '--file', file]);
    expect(Object.keys((JSON.parse(readFileSync(file, 'utf8')) as { servers: object }).servers)).toEqual(['other', 'notes']);
  });

  it('refuses to overwrite a config it cannot parse, and names the client choices on a typo', async () => {
    const file = join(workdir, 'broken.json');
    writeFileSync(file, '{ // comment\n}');
    const broken = await run(['--client', 'cursor', '--write', '--file', file]);
    expect(broken.exitCode).toBe(1);
    expect(broken.stderr).toMatch(/not a JSON object.*nothing was written/);
    expect(readFileSync(file, 'utf8')).toBe('{ // comment\n}');
    const typo = await run(['--client', 'claude']);
    expect(typo.exitCode).toBe(1);
    expect(typo.stderr).toMatch(/claude-desktop, claude-code, vscode, cursor/);
  });
});
