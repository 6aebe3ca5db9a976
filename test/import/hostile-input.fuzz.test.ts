/**
 * Hostile descriptions never become code. fast-check builds strings out of everything that can
 * end a comment or a literal (`*\/`, line terminators, quotes, backticks, `${`, NUL, lone
 * surrogates, very long text) around a payload, and puts them in every string field of an
 * OpenAPI description and of mcpforge.yaml. Each generated project must type-check, and loading
 * every generated module must run none of the payload (a global marker and a marker file).
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { execa } from 'execa';
import fc from 'fast-check';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { wellFormed } from '../../generators/shared/codegen/escape.js';
import { generateProject } from '../../generators/shared/codegen/index.js';
import { loadSpec } from '../../generators/shared/spec/index.js';
import { ProjectTypeChecker } from '../helpers/typecheck.js';
import { TOOLKIT_ROOT } from '../helpers/toolkit.js';
import { importInMemory, writeProject } from './import-project.js';

const ROOT = join(TOOLKIT_ROOT, '.tmp', 'import-hostile');
const MARKER_FILE = join(ROOT, 'project', 'PWNED');
/** What a successful injection would do: set a global and write a file. */
const PAYLOAD = "globalThis.PWNED=1;require('fs').writeFileSync('PWNED','x');";
const TOKENS = ['*/', '/*', '/**', '//', '\n', '\r', '\r\n', '\u2028', '\u2029', '`', '${', '}', '{', "'", '"', '\\', '\0', '\u0007', '\ud800', '\udfff', '🙂', '</script>', '-->', '@type {x}', '#', '?', '%2e', '..', ' ', PAYLOAD, `*/${PAYLOAD}/*`, `\n${PAYLOAD}//`, `'+${PAYLOAD}+'`, `\`+${PAYLOAD}+\``, '${' + PAYLOAD + '}'];

/** A hostile string: tokens around the payload, sometimes very long. */
const hostile = fc
  .tuple(fc.array(fc.constantFrom(...TOKENS), { minLength: 1, maxLength: 8 }), fc.nat({ max: 9 }))
  .map(([parts, n]) => {
    const text = parts.join('') + PAYLOAD + parts.reverse().join('');
    return n === 0 ? text.repeat(Math.ceil(6000 / text.length)) : text;
  });
/** A property name clients accept (the importer sanitises the rest; these reach the code as keys). */
const hostileKey = fc.constantFrom('__proto__', 'constructor', 'a.b', 'x-y', '0abc', 'class', 'a', 'toString');

const checker = new ProjectTypeChecker(join(ROOT, 'project'));
let projects = 0;
let strings = 0;

afterAll(() => {
  process.stdout.write(`hostile-input fuzz: ${projects} projects, ${strings} hostile strings, type-checked and loaded\n`);
});

/** An OpenAPI document with a hostile string in every string field the importer reads. */
function hostileDocument(s: string[], key: string): string {
  let i = 0;
  const h = () => s[i++ % s.length]!;
  const schema = () => ({
    type: 'object',
    title: h(),
    description: h(),
    required: ['label'],
    properties: {
      label: { type: 'string', description: h(), enum: [h(), h()], default: h(), example: h(), pattern: '^[a-z]*$', format: h() },
      [key]: { type: 'string', description: h(), examples: [h()] },
      // Keys are well-formed: ajv cannot compile a property name holding a lone surrogate (a clear
      // error, tested elsewhere); in values they are fuzzed like everything else.
      [wellFormed(h())]: { type: 'integer', title: h(), description: h() },
      nested: { type: 'array', items: { type: 'string', const: h() }, description: h() },
    },
  });
  const operation = (id: string) => ({
    operationId: id,
    summary: h(),
    description: h(),
    tags: [h()],
    parameters: [
      { name: 'id', in: 'path', required: true, description: h(), schema: { type: 'string', default: h() } },
      { name: h(), in: 'query', description: h(), schema: { type: 'string', enum: [h()] }, example: h() },
      { name: h(), in: 'header', schema: { type: 'string' } },
    ],
    requestBody: { description: h(), content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } } },
    responses: { '200': { description: h(), content: { 'application/json': { schema: schema() } } }, default: { description: h() } },
    security: [{ [h()]: [] }],
  });
  const clean = (p: string) => p.replace(/[{}]/g, '');
  const doc = {
    openapi: '3.1.0',
    info: { title: h(), description: h(), version: h() },
    servers: [{ url: `https://example.com/${clean(h())}`, description: h() }],
    tags: [{ name: h(), description: h() }],
    paths: {
      [`/${clean(h())}/{id}`]: { summary: h(), post: operation(h()), get: operation('get' + h()) },
      [`/x/${clean(h())}/{id}`]: { put: operation(h()) },
    },
    components: {
      schemas: { Thing: schema(), [h().replace(/[^A-Za-z0-9._-]/g, '') || 'Other']: schema() },
      securitySchemes: { [h()]: { type: 'apiKey', in: 'header', name: h(), description: h() } },
    },
  };
  return JSON.stringify(doc);
}

/** A spec with hostile titles, descriptions and schema strings (names stay in the allowed set). */
function hostileSpec(s: string[]): string {
  let i = 0;
  const h = () => JSON.stringify(s[i++ % s.length]!);
  const k = () => JSON.stringify(wellFormed(s[i++ % s.length]!));
  const schema = () => `{ type: object, title: ${h()}, description: ${h()}, properties: { a: { type: string, description: ${h()}, enum: [${h()}, ${h()}], default: ${h()}, examples: [${h()}] }, ${k()}: { type: integer, description: ${h()} } } }`;
  return [
    'name: hostile',
    'version: 0.1.0',
    `description: ${h()}`,
    'tools:',
    `  __proto__:\n    title: ${h()}\n    description: ${h()}\n    input: ${schema()}\n    output: ${schema()}`,
    `  3d.render-x:\n    description: ${h()}\n    input: ${schema()}`,
    'resources:',
    `  doc:\n    uri: "docs://{id}"\n    description: ${h()}\n    title: ${h()}\n    mimeType: application/json\n    schema: ${schema()}`,
    'prompts:',
    `  greet:\n    description: ${h()}\n    arguments: { type: object, properties: { who: { type: string, description: ${h()} } } }`,
    '',
  ].join('\n');
}

/** Type-checks, then transpiles every module and imports each one in a fresh Node process. */
async function assertInert(files: Map<string, string>): Promise<void> {
  checker.setFiles(files);
  expect(checker.check()).toEqual([]);
  const dir = join(ROOT, 'project');
  writeProject(dir, files);
  const modules: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') && e.name !== 'server.ts') {
        const out = ts.transpileModule(files.get(relative(dir, p))!, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
        writeFileSync(p.replace(/\.ts$/, '.js'), out.outputText);
        modules.push(p.replace(/\.ts$/, '.js'));
      } else if (e.name.endsWith('.js') && p.includes('/validators/')) modules.push(p);
    }
  };
  walk(join(dir, 'src'));
  const script = `for (const m of ${JSON.stringify(modules)}) { const mod = await import(m); for (const v of Object.values(mod)) void v; } process.stdout.write('loaded ' + ${modules.length} + (globalThis.PWNED ? ' PWNED' : ''));`;
  const run = await execa(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, reject: false, all: true });
  expect(run.all).toBe(`loaded ${modules.length}`);
  expect(existsSync(MARKER_FILE)).toBe(false);
}

describe('hostile input never becomes code', () => {
  it('in every string field of an OpenAPI description', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(hostile, { minLength: 6, maxLength: 12 }), hostileKey, async (s, key) => {
        const imported = await importInMemory(join(ROOT, 'project'), hostileDocument(s, key));
        expect(imported.conflicts).toEqual([]);
        expect(imported.report.tools).toHaveLength(3);
        await assertInert(imported.files);
        projects++;
        strings += s.length;
      }),
      { numRuns: 6, seed: 1515, endOnFailure: true },
    );
  }, 600_000);

  it('in every string field of mcpforge.yaml', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(hostile, { minLength: 6, maxLength: 12 }), async (s) => {
        const specPath = join(ROOT, 'project', 'mcpforge.yaml');
        const spec = await loadSpec(specPath, { files: new Map([[specPath, hostileSpec(s)]]) });
        const generated = await generateProject(spec);
        await assertInert(new Map([...generated.files, ...generated.userFiles]));
        projects++;
        strings += s.length;
      }),
      { numRuns: 4, seed: 1516, endOnFailure: true },
    );
  }, 600_000);
});
