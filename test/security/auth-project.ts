/**
 * Fixtures of the auth suites: the notes example copied (node_modules linked), with scopes on its
 * tools, resource and prompt, a `whoami` test tool (returns ctx.auth and echoes a nonce), scope
 * time windows placed around the current hour, and the given auth mode; generated with the real
 * CLI and compiled. The example itself is not changed.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { buildProject, exampleProject, mcpforge } from '../production/lib/project.js';

const hh = (hour: number) => `${String(((hour % 24) + 24) % 24).padStart(2, '0')}:00`;

/**
 * Windows relative to now (UTC): `notes:write` is usable from an hour ago to two hours ahead,
 * `notes:admin` only from two to three hours ahead, so for at least an hour after set-up the
 * first is inside and the second outside its window.
 */
export function windowsAroundNow(now = new Date()) {
  const h = now.getUTCHours();
  return {
    'notes:write': { from: hh(h - 1), to: hh(h + 2), timezone: 'UTC' },
    'notes:admin': { from: hh(h + 2), to: hh(h + 3), timezone: 'UTC' },
  };
}

const WHOAMI = `import { defineTool } from '../generated/registry.js';

// Test tool: the caller as the handler sees it, and the request's nonce (to pair replies with calls).
export default defineTool('whoami', async (input, ctx) => ({
  subject: ctx.auth.subject,
  scopes: [...ctx.auth.scopes],
  // Typed by the generated context: always a string list (compiled by buildProject).
  roles: ctx.auth.roles.map((role) => role satisfies string),
  method: ctx.auth.method ?? 'none',
  authKeys: Object.keys(ctx.auth).sort(),
  nonce: input.nonce ?? '',
}));
`;

export async function authProject(mode: 'apiKey' | 'jwt' | 'oauth', extra: { list?: 'filter' | 'all'; transports?: string[] } = {}): Promise<string> {
  const dir = await exampleProject('notes');
  const specPath = join(dir, 'mcpforge.yaml');
  const spec = parse(readFileSync(specPath, 'utf8')) as Record<string, any>;
  spec.tools.create_note.scopes = ['notes:write'];
  spec.tools.list_notes.scopes = ['notes:read'];
  spec.tools.delete_note.scopes = ['notes:admin'];
  spec.tools.whoami = {
    description: 'Who the server thinks is calling (test tool).',
    input: { type: 'object', properties: { nonce: { type: 'string' } }, additionalProperties: false },
    output: {
      type: 'object',
      properties: {
        subject: { type: 'string' },
        scopes: { type: 'array', items: { type: 'string' } },
        roles: { type: 'array', items: { type: 'string' } },
        method: { type: 'string' },
        authKeys: { type: 'array', items: { type: 'string' } },
        nonce: { type: 'string' },
      },
      required: ['subject', 'scopes', 'method', 'authKeys', 'nonce'],
    },
  };
  spec.resources.note.scopes = ['notes:read'];
  spec.prompts.summarize_notes.scopes = ['notes:read'];
  if (extra.transports) spec.transports = extra.transports;
  // editor: notes:read and notes:write by role (the role tests give it through a key or a token claim).
  spec.auth = { mode, ...(extra.list ? { list: extra.list } : {}), scopeWindows: windowsAroundNow(), roles: { editor: ['notes:read', 'notes:write'] }, jwt: { rolesClaim: 'realm_access.roles' } };
  writeFileSync(specPath, stringify(spec));
  writeFileSync(join(dir, 'src', 'tools', 'whoami.ts'), WHOAMI);
  const generated = await mcpforge(dir, 'generate');
  if (generated.exitCode !== 0) throw new Error(`generate failed:\n${generated.all}`);
  await buildProject(dir);
  return dir;
}
