/**
 * Degrade per construct, never per document: constructs that used to abort a whole import
 * (a pattern invalid under the `u` flag, draft-04 boolean bounds in 3.1, `$dynamicRef`
 * recursion, `$ref` into a component's own `$defs`, an operation that cannot be mapped) are
 * translated, relaxed for that schema only (reported, and said in the tool's description) or
 * skipped for that operation only; `--strict` keeps all-or-nothing.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ProjectTypeChecker } from '../helpers/typecheck.js';
import { TOOLKIT_ROOT } from '../helpers/toolkit.js';
import { importInMemory, writeProject } from './import-project.js';

const ROOT = join(TOOLKIT_ROOT, '.tmp', 'import-degrade');
const ok = { '200': { description: 'ok', content: { 'application/json': { schema: { type: 'object' } } } } };
const query = (name: string, schema: unknown) => [{ name, in: 'query', required: true, schema }];

const DOC = JSON.stringify({
  openapi: '3.1.0',
  jsonSchemaDialect: 'http://json-schema.org/draft-04/schema#',
  info: { title: 'Degrade', version: '1' },
  paths: {
    '/translated': { get: { operationId: 'translated', parameters: query('handle', { type: 'string', pattern: '^[\\w\\-.]+\\@[a-z]+\\:\\d+$' }), responses: ok } },
    '/dropped': { get: { operationId: 'dropped', parameters: query('code', { type: 'string', pattern: '^[\\p{Lx}]+$', maxLength: 5 }), responses: ok } },
    '/bounds': { get: { operationId: 'bounds', parameters: query('n', { type: 'integer', maximum: 10, exclusiveMaximum: true, minimum: 0, exclusiveMinimum: false }), responses: ok } },
    '/tree': { post: { operationId: 'tree', requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/Tree' } } } }, responses: ok } },
    '/wrapper': { post: { operationId: 'wrapper', requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/Wrapper' } } } }, responses: ok } },
    '/leaf': { post: { operationId: 'leaf', requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/Wrapper/$defs/Leaf' } } } }, responses: ok } },
    '/broken/{id}': { get: { operationId: 'broken', responses: ok } },
  },
  components: {
    schemas: {
      Tree: { $dynamicAnchor: 'node', type: 'object', required: ['label'], properties: { label: { type: 'string' }, children: { type: 'array', items: { $dynamicRef: '#node' } } } },
      Wrapper: { type: 'object', required: ['leaf'], properties: { leaf: { $ref: '#/$defs/Leaf' } }, $defs: { Leaf: { type: 'object', required: ['size'], properties: { size: { type: 'integer', minimum: 1 } } } } },
    },
  },
});

type Validator = ((data: unknown) => boolean) & { errors?: unknown };
const validators = async (dir: string, tool: string): Promise<Validator> =>
  ((await import(pathToFileURL(join(dir, `src/generated/validators/${tool}.input.js`)).href)) as { default: Validator }).default;

describe('import openapi: degrade per construct', () => {
  it('imports every tool that can be made safe, relaxing only what cannot compile', async () => {
    const dir = join(ROOT, 'project');
    const imported = await importInMemory(dir, DOC);
    expect(imported.report.tools.map((t) => t.name)).toEqual(['translated', 'dropped', 'bounds', 'tree', 'wrapper', 'leaf']);
    expect(imported.report.skipped).toEqual([{ operation: 'GET /broken/{id} (broken)', reason: expect.stringContaining('path parameter "id" of /broken/{id} is not declared') }]);
    expect(imported.report.degraded).toEqual([expect.stringMatching(/^dropped: \/paths\/~1dropped\/get\/parameters\/0\/schema\/pattern: pattern "\^\[\\\\p\{Lx\}\]\+\$" is not a valid JavaScript \(unicode\) regular expression: not checked$/)]);
    const spec = imported.files.get('mcpforge.yaml')!;
    expect(spec).toMatch(/Note: this server cannot check one constraint of the API's schema \(pattern/);
    const checker = new ProjectTypeChecker(dir);
    checker.setFiles(imported.files);
    expect(checker.check()).toEqual([]);

    writeProject(dir, imported.files);
    const translated = await validators(dir, 'translated');
    expect(translated({ handle: 'a-b.c@host:80' })).toBe(true);
    expect(translated({ handle: 'a b@host:80' })).toBe(false);
    const dropped = await validators(dir, 'dropped');
    expect(dropped({ code: 'anything' })).toBe(false); // maxLength still enforced
    expect(dropped({ code: 'any' })).toBe(true);
    const bounds = await validators(dir, 'bounds');
    expect([bounds({ n: 9 }), bounds({ n: 10 }), bounds({ n: 0 })]).toEqual([true, false, true]);
    const tree = await validators(dir, 'tree');
    expect(tree({ label: 'a', children: [{ label: 'b', children: [{ label: 'c' }] }] })).toBe(true);
    expect(tree({ label: 'a', children: [{ children: [] }] })).toBe(false);
    const wrapper = await validators(dir, 'wrapper');
    expect([wrapper({ leaf: { size: 2 } }), wrapper({ leaf: { size: 0 } })]).toEqual([true, false]);
    const leaf = await validators(dir, 'leaf');
    expect([leaf({ size: 2 }), leaf({ size: 0 })]).toEqual([true, false]);
  }, 300_000);

  it('--strict keeps all-or-nothing', async () => {
    await expect(importInMemory(join(ROOT, 'strict'), DOC, { strict: true })).rejects.toThrow(/path parameter "id" of \/broken\/\{id\} is not declared/);
    const withoutBroken = JSON.parse(DOC) as { paths: Record<string, unknown> };
    delete withoutBroken.paths['/broken/{id}'];
    await expect(importInMemory(join(ROOT, 'strict'), JSON.stringify(withoutBroken), { strict: true })).rejects.toThrow(/--strict: 1 schema constructs cannot be compiled/);
  });
});
