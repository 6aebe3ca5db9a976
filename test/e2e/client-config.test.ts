import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { parse as parseJsonc, type ParseError } from 'jsonc-parser';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, TOOLKIT_ROOT } from '../helpers/toolkit.js';

const workdir = mkdtempSync(join(tmpdir(), 'mcpforge-client-config-'));
afterAll(() => rmSync(workdir, { recursive: true, force: true }));
const project = join(TOOLKIT_ROOT, 'examples', 'notes');
const run = (args: string[], cwd = project) => execa(process.execPath, [CLI, 'client-config', ...args], { cwd, reject: false, all: true });

/** A project folder whose spec has `auth.mode` (client-config reads only the name and the mode). */
function authProject(name: string, mode: string): string {
  const dir = join(workdir, `${name}-${mode}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'mcpforge.yaml'), `name: ${name}\nauth:\n  mode: ${mode}\ntools: {}\n`);
  return dir;
}

/** Parses an emitted file as the apps do (JSON with comments and trailing commas), failing on any error. */
function parseConfig(text: string): any {
  const errors: ParseError[] = [];
  const value = parseJsonc(text, errors, { allowTrailingComma: true });
  expect(errors).toEqual([]);
  return value;
}

describe('mcpforge client-config', () => {
  it('prints a stdio entry that starts the built server with the absolute node path', async () => {
    const result = await run(['--client', 'claude-desktop']);
    expect(result.exitCode, result.all).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ mcpServers: { notes: { command: process.execPath, args: [join(project, 'dist', 'server.js')] } } });
    expect(process.execPath).toMatch(/^\//);
  });

  it('apiKey over http: each app gets an Authorization header in the form it expands, never the key itself', async () => {
    const dir = authProject('vault', 'apiKey');
    const url = 'https://mcp.example.com/mcp';
    const out = async (client: string, ...extra: string[]) => {
      const result = await run(['--client', client, '--transport', 'http', '--url', url, ...extra], dir);
      expect(result.exitCode, result.all).toBe(0);
      return { json: parseConfig(result.stdout), stderr: result.stderr };
    };

    const vscode = await out('vscode');
    expect(vscode.json.servers.vault).toEqual({ type: 'http', url, headers: { Authorization: 'Bearer ${input:vault-token}' } });
    expect(vscode.json.inputs).toEqual([{ type: 'promptString', id: 'vault-token', description: 'API key for the vault MCP server', password: true }]);
    const vscodeEnv = await out('vscode', '--token-env', 'VAULT_KEY');
    expect(vscodeEnv.json.servers.vault.headers).toEqual({ Authorization: 'Bearer ${env:VAULT_KEY}' });
    expect(vscodeEnv.json.inputs).toBeUndefined();

    const cursor = await out('cursor');
    expect(cursor.json.mcpServers.vault).toEqual({ url, headers: { Authorization: 'Bearer ${env:VAULT_API_KEY}' } });
    expect(cursor.stderr).toContain('set VAULT_API_KEY');

    const claudeCode = await out('claude-code');
    expect(claudeCode.json.mcpServers.vault).toEqual({ type: 'http', url, headers: { Authorization: 'Bearer ${VAULT_API_KEY}' } });

    const desktop = await out('claude-desktop');
    const entry = desktop.json.mcpServers.vault;
    expect(entry.args).toEqual(['-y', 'mcp-remote', url, '--header', 'Authorization:${MCP_AUTHORIZATION}']);
    expect(entry.env.MCP_AUTHORIZATION).toBe('Bearer <the API key: the value of VAULT_API_KEY>');
    expect(desktop.stderr).toMatch(/replace .* or run again with --token/);

    // Only --token writes the credential itself, with a warning.
    const clear = await out('claude-desktop', '--token', 'mcp_secret_123');
    expect(clear.json.mcpServers.vault.env).toEqual({ MCP_AUTHORIZATION: 'Bearer mcp_secret_123' });
    expect(clear.stderr).toMatch(/in clear/);
    for (const printed of [vscode, cursor, claudeCode, desktop]) expect(JSON.stringify(printed.json)).not.toContain('mcp_secret_123');
  });

  it('jwt uses <NAME>_TOKEN; stdio entries and auth-less projects carry no header', async () => {
    const jwt = await run(['--client', 'claude-code', '--transport', 'http'], authProject('my-api', 'jwt'));
    expect(parseConfig(jwt.stdout).mcpServers['my-api'].headers).toEqual({ Authorization: 'Bearer ${MY_API_TOKEN}' });
    const stdio = await run(['--client', 'claude-code'], authProject('my-api', 'jwt'));
    expect(parseConfig(stdio.stdout).mcpServers['my-api'].headers).toBeUndefined();
    const none = await run(['--client', 'vscode', '--transport', 'http']);
    expect(parseConfig(none.stdout)).toEqual({ servers: { notes: { type: 'http', url: 'http://127.0.0.1:3000/mcp' } } });
    const oauth = await run(['--client', 'vscode', '--transport', 'http'], authProject('o', 'oauth'));
    expect(oauth.stderr).toMatch(/auth.mode is oauth: the app discovers/);
  });

  it('mcp-remote gets --allow-http for plain http to another host only', async () => {
    const args = async (url: string) => parseConfig((await run(['--client', 'claude-desktop', '--transport', 'http', '--url', url])).stdout).mcpServers.notes.args as string[];
    const remote = await run(['--client', 'claude-desktop', '--transport', 'http', '--url', 'http://10.0.0.5:3000/mcp']);
    expect(parseConfig(remote.stdout).mcpServers.notes.args).toEqual(['-y', 'mcp-remote', 'http://10.0.0.5:3000/mcp', '--allow-http']);
    expect(remote.stderr).toMatch(/unencrypted/);
    expect(await args('http://127.0.0.1:3000/mcp')).not.toContain('--allow-http');
    expect(await args('http://localhost:3000/mcp')).not.toContain('--allow-http');
    expect(await args('https://mcp.example.com/mcp')).not.toContain('--allow-http');
  });

  it('--write merges into an existing config without losing other servers or keys', async () => {
    const file = join(workdir, 'mcp.json');
    writeFileSync(file, JSON.stringify({ servers: { other: { type: 'stdio', command: 'other-server' } }, inputs: [{ id: 'token' }] }));
    const result = await run(['--client', 'vscode', '--transport', 'http', '--url', 'http://127.0.0.1:4000/mcp', '--write', '--file', file]);
    expect(result.exitCode, result.all).toBe(0);
    expect(parseConfig(readFileSync(file, 'utf8'))).toEqual({
      servers: { other: { type: 'stdio', command: 'other-server' }, notes: { type: 'http', url: 'http://127.0.0.1:4000/mcp' } },
      inputs: [{ id: 'token' }],
    });
    // Writing again replaces our entry, still keeping the others.
    await run(['--client', 'vscode', '--write', '--file', file]);
    expect(Object.keys(parseConfig(readFileSync(file, 'utf8')).servers)).toEqual(['other', 'notes']);
  });

  it('--write edits a VS Code mcp.json with comments in place: comments, trailing commas and other entries stay', async () => {
    const dir = authProject('vault', 'apiKey');
    const file = join(workdir, 'commented.json');
    const original = [
      '{',
      '  // my servers',
      '  "servers": {',
      '    // keep me',
      '    "other": {',
      '      "type": "stdio",',
      '      "command": "other-server", // and me',
      '    },',
      '  },',
      '  /* prompts */',
      '  "inputs": [],',
      '}',
      '',
    ].join('\n');
    writeFileSync(file, original);
    const write = () => run(['--client', 'vscode', '--transport', 'http', '--url', 'https://mcp.example.com/mcp', '--write', '--file', file], dir);
    expect((await write()).exitCode).toBe(0);
    const text = readFileSync(file, 'utf8');
    // Only the new entry and input are written: every line before them is there as it was.
    const otherBlock = original.slice(0, original.indexOf('    },') + '    },'.length);
    expect(text.startsWith(otherBlock), text).toBe(true);
    for (const kept of ['/* prompts */', '// and me']) expect(text).toContain(kept);
    const doc = parseConfig(text);
    expect(Object.keys(doc.servers)).toEqual(['other', 'vault']);
    expect(doc.servers.vault.headers.Authorization).toBe('Bearer ${input:vault-token}');
    expect(doc.inputs.map((i: { id: string }) => i.id)).toEqual(['vault-token']);
    // Idempotent: a second write adds no second input and changes nothing.
    expect((await write()).exitCode).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(text);
  });

  it('refuses to overwrite a config it cannot parse, naming where, and names the client choices on a typo', async () => {
    const file = join(workdir, 'broken.json');
    writeFileSync(file, '{ // comment\n  "servers": { ,\n}');
    const broken = await run(['--client', 'cursor', '--write', '--file', file]);
    expect(broken.exitCode).toBe(1);
    expect(broken.stderr).toMatch(/not valid JSON or JSONC \(line 2, column \d+: \w+\).*nothing was written/);
    expect(readFileSync(file, 'utf8')).toBe('{ // comment\n  "servers": { ,\n}');
    const typo = await run(['--client', 'claude']);
    expect(typo.exitCode).toBe(1);
    expect(typo.stderr).toMatch(/claude-desktop, claude-code, vscode, cursor/);
  });
});
