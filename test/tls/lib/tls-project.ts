/**
 * A TEST-ONLY copy of the `none` example with two extra tools, built once per test file:
 * `whoami` returns `ctx.auth` (so a test sees the identity a handler gets) and `slow` waits before
 * answering (so a test can hold calls in flight across a certificate reload).
 */
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { TOOLKIT_ROOT } from '../../helpers/toolkit.js';
import { buildProject, exampleProject, mcpforge } from '../../production/lib/project.js';

const TOOLS = `  whoami:
    description: Returns the caller identity the handler received (test only).
    input:
      type: object
      additionalProperties: false
    output:
      type: object
      properties:
        subject: { type: string }
        scopes: { type: array, items: { type: string } }
        anonymous: { type: boolean }
        method: { type: string }
      required: [subject, scopes, anonymous]
  slow:
    description: Answers after the given delay (test only).
    input:
      type: object
      properties:
        ms: { type: integer, minimum: 0, maximum: 60000 }
      required: [ms]
      additionalProperties: false
`;

const WHOAMI = `import { defineTool } from '../generated/registry.js';

export default defineTool('whoami', async (_input, ctx) => ({
  subject: ctx.auth.subject,
  scopes: [...ctx.auth.scopes],
  anonymous: ctx.auth.anonymous,
  ...(ctx.auth.method === undefined ? {} : { method: ctx.auth.method }),
}));
`;

const SLOW = `import { defineTool } from '../generated/registry.js';

export default defineTool('slow', async (input, ctx) => {
  // The reload test waits for this line to know the call is in flight.
  ctx.log.info('slow call started');
  await new Promise((resolve) => setTimeout(resolve, input.ms));
  return \`slept \${input.ms} ms\`;
});
`;

/** A tool only callers with the `billing:write` scope may use. */
const CHARGE_SPEC = `  charge:
    description: Needs the billing:write scope (test only).
    scopes: [billing:write]
    input:
      type: object
      additionalProperties: false
`;

const CHARGE = `import { defineTool } from '../generated/registry.js';

export default defineTool('charge', async (_input, ctx) => \`charged by \${ctx.auth.subject}\`);
`;

/**
 * Copies the example, adds the tools (and \`extraSpec\`, appended at the top level, e.g. an
 * \`auth:\` block; with \`scoped\`, the \`charge\` tool too), generates with the real CLI and compiles.
 */
export interface TlsProjectOptions {
  scoped?: boolean;
  websocket?: boolean;
  files?: Record<string, string>;
  /** Create the project with the real `mcpforge new --example none <args>` instead of copying the example. */
  newArgs?: string[];
}

/** `mcpforge new` (no install), with node_modules linked to the toolkit's like `exampleProject`. */
async function newProject(args: string[]): Promise<string> {
  const parent = mkdtempSync(join(tmpdir(), 'mcpforge-new-tls-'));
  const created = await mcpforge(parent, 'new', 'tls-test', '--yes', '--example', 'none', '--skip-install', ...args);
  if (created.exitCode !== 0) throw new Error(`mcpforge new failed:\n${created.all}`);
  const dir = join(parent, 'tls-test');
  symlinkSync(join(TOOLKIT_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

export async function tlsProject(extraSpec = '', options: TlsProjectOptions = {}): Promise<string> {
  const dir = options.newArgs ? await newProject(options.newArgs) : await exampleProject('none');
  const specFile = join(dir, 'mcpforge.yaml');
  // Edited as YAML (not appended text): a spec from \`new\` may end with another block, e.g. \`auth:\`.
  const doc = parseDocument(readFileSync(specFile, 'utf8'));
  if (options.websocket) doc.set('transports', ['stdio', 'http', 'websocket']);
  const tools = parseDocument(`${TOOLS}${options.scoped ? CHARGE_SPEC : ''}`.replace(/^ {2}/gm, '')).toJS() as Record<string, unknown>;
  for (const [name, tool] of Object.entries(tools)) doc.setIn(['tools', name], tool);
  writeFileSync(specFile, `${doc.toString({ lineWidth: 120 })}${extraSpec}`);
  const generated = await mcpforge(dir, 'generate');
  if (generated.exitCode !== 0) throw new Error(`mcpforge generate failed:\n${generated.all}`);
  writeFileSync(join(dir, 'src', 'tools', 'whoami.ts'), WHOAMI);
  writeFileSync(join(dir, 'src', 'tools', 'slow.ts'), SLOW);
  if (options.scoped) writeFileSync(join(dir, 'src', 'tools', 'charge.ts'), CHARGE);
  // Files the test owns (e.g. src/auth.ts of auth.mode custom), written over what generate made.
  for (const [path, text] of Object.entries(options.files ?? {})) writeFileSync(join(dir, path), text);
  await buildProject(dir);
  return dir;
}
