/**
 * The auth commands with the real CLI: `mcpforge keys create|list|revoke`, `mcpforge upgrade
 * --auth`, `mcpforge new --auth`, and the pure helpers behind them.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseAuthMode, withAuthEnv, withAuthMode } from '../../generators/upgrade/auth.js';
import { exampleProject } from '../production/lib/project.js';
import { cli } from './auth-lib.js';
import { createApiKeyAuthenticator, createApiKeyStore, expandRoles } from '../../runtime/src/auth/index.js';
import { createDatabase } from '../../runtime/src/storage/index.js';

describe('mcpforge keys', () => {
  test('create prints the key once on stdout; list never shows it; revoke by id; errors name the fix', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpforge-keys-'));
    writeFileSync(join(dir, 'mcpforge.yaml'), 'name: keyed\nauth:\n  mode: apiKey\n');
    const created = await cli(dir, 'keys', 'create', '--name', 'ci', '--scopes', 'notes:read, notes:write');
    expect(created.exitCode).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^mcpk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toMatch(/^Created key "ci" \(id [0-9a-f]{12}, scopes: notes:read notes:write\)\.\nThis is the only time the key is shown/);
    expect(existsSync(join(dir, 'data', 'keyed.db'))).toBe(true);

    const listed = await cli(dir, 'keys', 'list');
    expect(listed.stdout).toMatch(/^[0-9a-f]{12} {2}ci {2}active {2}created \S+ {2}scopes: notes:read notes:write$/);
    expect(listed.stdout).not.toContain(key);

    const duplicate = await cli(dir, 'keys', 'create', '--name', 'ci');
    expect(duplicate.exitCode).toBe(1);
    expect(duplicate.stderr).toMatch(/a key named "ci" already exists \(id [0-9a-f]{12}\); choose another name/);

    const badScope = await cli(dir, 'keys', 'create', '--name', 'x', '--scopes', 'a"b');
    expect(badScope.exitCode).toBe(1);
    expect(badScope.stderr).toContain('scope "a"b" is not valid');

    const id = /^mcpk_([0-9a-f]{12})_/.exec(key)![1]!;
    const revoked = await cli(dir, 'keys', 'revoke', id);
    expect(revoked.exitCode).toBe(0);
    expect(revoked.stdout).toContain(`Revoked key "ci" (id ${id})`);
    expect((await cli(dir, 'keys', 'list')).stdout).toMatch(/ {2}ci {2}revoked \d{4}-/);

    const unknown = await cli(dir, 'keys', 'revoke', 'nope');
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toContain('no API key with id or name "nope"; `mcpforge keys list` shows them');
  });

  test('create --role (repeatable) stores the roles with the key in the project database; the server gate turns them into scopes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpforge-keys-'));
    writeFileSync(
      join(dir, 'mcpforge.yaml'),
      'name: roled\nauth:\n  mode: apiKey\n  roles:\n    editor: [notes:write]\n    reader: [notes:read]\ntools:\n  w:\n    description: w\n    input: { type: object }\n    scopes: [notes:write, notes:read]\n',
    );
    const created = await cli(dir, 'keys', 'create', '--name', 'ed', '--scopes', 'extra', '--role', 'editor', '--role', 'reader');
    expect(created.exitCode, created.all).toBe(0);
    expect(created.stderr).toMatch(/^Created key "ed" \(id [0-9a-f]{12}, scopes: extra, roles: editor reader\)\./);
    expect((await cli(dir, 'keys', 'list')).stdout).toMatch(/ {2}ed {2}active {2}created \S+ {2}scopes: extra {2}roles: editor reader$/);
    const undeclared = await cli(dir, 'keys', 'create', '--name', 'x', '--role', 'edtor');
    expect(undeclared.exitCode).toBe(1);
    expect(undeclared.stderr).toContain('role "edtor" not declared under auth.roles in mcpforge.yaml (declared: editor, reader)');
    // What the server does with the key: the runtime's store and the gate's role expansion, on the file the CLI wrote.
    const storage = await createDatabase(`sqlite:${join(dir, 'data', 'roled.db')}`);
    try {
      const gate = expandRoles(createApiKeyAuthenticator(createApiKeyStore(storage.db)), { editor: ['notes:write'], reader: ['notes:read'] });
      expect(await gate({ headers: { authorization: `Bearer ${created.stdout.trim()}` } } as never)).toMatchObject({
        ok: true,
        identity: { subject: 'apikey:ed', roles: ['editor', 'reader'], scopes: ['extra', 'notes:write', 'notes:read'] },
      });
    } finally {
      await storage.close();
    }
  });

  test('outside a project the command says where to run it; a non-apiKey project gets a note', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'mcpforge-keys-'));
    const outside = await cli(empty, 'keys', 'list');
    expect(outside.exitCode).toBe(1);
    expect(outside.stderr).toContain('mcpforge.yaml not found: run `mcpforge keys` in the project folder (or pass --spec <file>)');
    writeFileSync(join(empty, 'mcpforge.yaml'), 'name: plain\n');
    const note = await cli(empty, 'keys', 'create', '--name', 'k');
    expect(note.exitCode).toBe(0);
    expect(note.stderr).toContain('note: mcpforge.yaml has auth.mode: none; the server checks API keys only with auth.mode: apiKey');
  });

  test('--help lists the subcommands', async () => {
    const help = await cli(tmpdir(), 'keys', '--help');
    expect(help.stdout).toMatch(/create \[options\]\s+create a key and print it once/);
    expect(help.stdout).toMatch(/list \[options\]/);
    expect(help.stdout).toMatch(/revoke \[options\] <key>/);
  });
});

describe('mcpforge upgrade --auth', () => {
  test('sets auth.mode keeping comments, documents the variables once, regenerates the manifest', async () => {
    const dir = await exampleProject('notes');
    const first = await cli(dir, 'upgrade', '--auth', 'apiKey');
    expect(first.exitCode, first.all).toBe(0);
    const spec = readFileSync(join(dir, 'mcpforge.yaml'), 'utf8');
    expect(spec).toContain('# The source of truth for this MCP server');
    expect(spec).toMatch(/\nauth:\n {2}mode: apiKey\n/);
    expect(readFileSync(join(dir, 'src', 'generated', 'manifest.ts'), 'utf8')).toMatch(/auth: \{\s+mode: 'apiKey',?\s+\}/);
    expect(readFileSync(join(dir, '.env.example'), 'utf8')).toContain('# --- auth: apiKey');

    const second = await cli(dir, 'upgrade', '--auth', 'oauth');
    expect(second.exitCode, second.all).toBe(0);
    const env = readFileSync(join(dir, '.env.example'), 'utf8');
    expect(env.match(/# --- auth:/g)).toHaveLength(1);
    expect(env).toContain('# MCP_RESOURCE_URL=https://mcp.example.com/mcp');
    expect(env).toContain('LOG_LEVEL=info');

    const third = await cli(dir, 'upgrade', '--auth', 'oauth-proxy');
    expect(third.exitCode, third.all).toBe(0);
    expect(readFileSync(join(dir, 'mcpforge.yaml'), 'utf8')).toMatch(/\nauth:\n {2}mode: oauth-proxy\n/);
    expect(readFileSync(join(dir, 'src', 'generated', 'manifest.ts'), 'utf8')).toMatch(/auth: \{\s+mode: 'oauth-proxy',?\s+\}/);
    const proxyEnv = readFileSync(join(dir, '.env.example'), 'utf8');
    expect(proxyEnv.match(/# --- auth:/g)).toHaveLength(1);
    expect(proxyEnv).toContain('# MCP_OAUTH_UPSTREAM=keycloak');
    expect(proxyEnv).toContain('# MCP_OAUTH_ENCRYPTION_KEY=');
  });

  test('an unknown mode is refused before anything is written', async () => {
    const dir = await exampleProject('notes');
    const before = readFileSync(join(dir, 'mcpforge.yaml'), 'utf8');
    const run = await cli(dir, 'upgrade', '--auth', 'kerberos');
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('--auth kerberos: unknown auth mode. Choose one of: none, apiKey, jwt, oauth');
    expect(readFileSync(join(dir, 'mcpforge.yaml'), 'utf8')).toBe(before);
  });
});

describe('mcpforge new --auth', () => {
  test('writes auth.mode into the spec, the saved answers and .env.example', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'mcpforge-new-auth-'));
    const run = await cli(parent, 'new', 'svc', '--yes', '--example', 'notes', '--auth', 'jwt', '--skip-install');
    expect(run.exitCode, run.all).toBe(0);
    const dir = join(parent, 'svc');
    expect(readFileSync(join(dir, 'mcpforge.yaml'), 'utf8')).toMatch(/\nauth:\n {2}mode: jwt\n/);
    expect(JSON.parse(readFileSync(join(dir, '.mcpforge', 'answers.json'), 'utf8')).auth).toBe('jwt');
    expect(readFileSync(join(dir, '.env.example'), 'utf8')).toContain('# MCP_JWT_AUDIENCE=https://mcp.example.com/mcp');
  });

  test('a bad --auth value is rejected by the flag parser', async () => {
    const run = await cli(tmpdir(), 'new', 'x', '--auth', 'basic');
    expect(run.exitCode).not.toBe(0);
    expect(run.stderr).toContain('--auth basic: unknown auth mode. Choose one of: none, apiKey, jwt, oauth');
  });
});

describe('auth helpers', () => {
  test('withAuthMode adds or replaces auth.mode and keeps other auth keys', () => {
    expect(withAuthMode('# c\nname: x\n', 'jwt')).toBe('# c\nname: x\nauth:\n  mode: jwt\n');
    expect(withAuthMode('name: x\nauth:\n  mode: none\n  list: all\n', 'oauth')).toBe('name: x\nauth:\n  mode: oauth\n  list: all\n');
    expect(() => withAuthMode('name: [x\n', 'jwt')).toThrow('mcpforge.yaml is not valid YAML');
  });
  test('withAuthEnv replaces an earlier block and removes it for none', () => {
    const once = withAuthEnv('A=1', 'apiKey');
    expect(once.startsWith('A=1\n# --- auth: apiKey')).toBe(true);
    expect(withAuthEnv(once, 'none')).toBe('A=1\n');
    expect(parseAuthMode('oauth')).toBe('oauth');
  });
});
