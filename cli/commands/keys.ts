/**
 * `mcpforge keys create|list|revoke`: API keys of a project whose spec says `auth.mode: apiKey`.
 *
 * Works on the project's own database (DATABASE_URL, or the default SQLite file the server uses),
 * so a key created here is accepted by the running server on its next request, and a revoked one
 * refused on its next request: the server reads the key's row on every request.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { UserError } from '../output.js';
import { importRuntime } from '../runtime-import.js';

export interface KeysOptions {
  spec?: string;
  databaseUrl?: string;
  json?: boolean;
}

interface Project {
  name: string;
  mode: string;
  databaseUrl: string;
  /** Names under `auth.roles` (a key's roles are checked against them). */
  roles: string[];
}

function readProject(options: KeysOptions): Project {
  const specPath = resolve(options.spec ?? 'mcpforge.yaml');
  if (!existsSync(specPath)) throw new UserError(`${specPath} not found: run \`mcpforge keys\` in the project folder (or pass --spec <file>)`);
  let doc: { name?: unknown; auth?: { mode?: unknown; roles?: unknown } } | null;
  try {
    doc = parse(readFileSync(specPath, 'utf8')) as typeof doc;
  } catch (error) {
    throw new UserError(`${specPath}: not valid YAML (${(error as Error).message}); fix it and run again`);
  }
  const name = typeof doc?.name === 'string' ? doc.name : undefined;
  if (!name) throw new UserError(`${specPath}: the spec has no name; \`mcpforge generate\` reports what is wrong`);
  const mode = typeof doc?.auth?.mode === 'string' ? doc.auth.mode : 'none';
  const fromEnv = process.env.DATABASE_URL;
  const databaseUrl = options.databaseUrl ?? (fromEnv ? fromEnv : `sqlite:${join(dirname(specPath), 'data', `${name}.db`)}`);
  const roles = doc?.auth?.roles && typeof doc.auth.roles === 'object' ? Object.keys(doc.auth.roles) : [];
  return { name, mode, databaseUrl, roles };
}

async function withStore<T>(options: KeysOptions, fn: (store: import('@mcpforge/runtime/auth').ApiKeyStore, project: Project) => Promise<T>): Promise<T> {
  const project = readProject(options);
  const projectDir = dirname(resolve(options.spec ?? 'mcpforge.yaml'));
  const [{ createDatabase }, { createApiKeyStore, migrateApiKeyTable }] = await Promise.all([importRuntime('storage', projectDir), importRuntime('auth', projectDir)]);
  // The project's own runtime (used when this mcpforge has none) may predate the key table's migrations.
  if (typeof migrateApiKeyTable !== 'function') throw new UserError(`the @mcpforge/runtime installed in ${projectDir} is older than this mcpforge (no API key migrations): update it there, then run again`);
  let storage;
  try {
    storage = await createDatabase(project.databaseUrl);
  } catch (error) {
    throw new UserError(`cannot open the project's database: ${(error as Error).message}`);
  }
  try {
    try {
      // The runtime's own migrations of the key table (recorded, so the server's start skips them).
      await migrateApiKeyTable(storage as never);
    } catch (error) {
      throw new UserError(`cannot prepare the API key table: ${(error as Error).message}`);
    }
    return await fn(createApiKeyStore(storage.db as never), project);
  } finally {
    await storage.close();
  }
}

function warnMode(project: Project): void {
  if (project.mode !== 'apiKey') {
    process.stderr.write(`note: mcpforge.yaml has auth.mode: ${project.mode}; the server checks API keys only with auth.mode: apiKey (\`mcpforge upgrade --auth apiKey\`)\n`);
  }
}

export async function keysCreateCommand(options: KeysOptions & { name: string; scopes?: string; role?: string[] }): Promise<void> {
  const scopes = (options.scopes ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const roles = options.role ?? [];
  await withStore(options, async (store, project) => {
    warnMode(project);
    // A role the spec does not declare would grant nothing: refuse it now rather than at the first call.
    const unknown = roles.filter((role) => !project.roles.includes(role));
    if (unknown.length > 0) {
      throw new UserError(
        `role${unknown.length === 1 ? '' : 's'} ${unknown.map((r) => `"${r}"`).join(', ')} not declared under auth.roles in mcpforge.yaml${project.roles.length > 0 ? ` (declared: ${project.roles.join(', ')})` : ''}; add ${unknown.length === 1 ? 'it' : 'them'} there (role name: list of scopes) or use --scopes`,
      );
    }
    let created;
    try {
      created = await store.create(options.name, scopes, roles);
    } catch (error) {
      throw new UserError((error as Error).message);
    }
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ ...created.record, key: created.key })}\n`);
      return;
    }
    process.stderr.write(`Created key "${created.record.name}" (id ${created.record.id}, scopes: ${created.record.scopes.join(' ') || '(none)'}${rolesText(created.record.roles, ', ')}).\n`);
    process.stderr.write('This is the only time the key is shown; store it now (clients send it as Authorization: Bearer <key>):\n');
    process.stdout.write(`${created.key}\n`);
  });
}

export async function keysListCommand(options: KeysOptions): Promise<void> {
  await withStore(options, async (store) => {
    const keys = await store.list();
    if (options.json) {
      process.stdout.write(`${JSON.stringify(keys)}\n`);
      return;
    }
    if (keys.length === 0) {
      process.stdout.write('No API keys. Create one with `mcpforge keys create --name <name> --scopes a,b`.\n');
      return;
    }
    for (const key of keys) {
      const state = key.revokedAt ? `revoked ${key.revokedAt}` : 'active';
      process.stdout.write(`${key.id}  ${key.name}  ${state}  created ${key.createdAt}  scopes: ${key.scopes.join(' ') || '(none)'}${rolesText(key.roles, '  ')}\n`);
    }
  });
}

export async function keysRevokeCommand(idOrName: string, options: KeysOptions): Promise<void> {
  await withStore(options, async (store) => {
    const revoked = await store.revoke(idOrName);
    if (!revoked) throw new UserError(`no API key with id or name "${idOrName}"; \`mcpforge keys list\` shows them`);
    process.stdout.write(`Revoked key "${revoked.name}" (id ${revoked.id}) at ${revoked.revokedAt}; the server refuses it from the next request.\n`);
  });
}

/** Roles are shown only for keys that have some (the output of keys without roles stays as it was). */
function rolesText(roles: readonly string[], separator: string): string {
  return roles.length > 0 ? `${separator}roles: ${roles.join(' ')}` : '';
}
