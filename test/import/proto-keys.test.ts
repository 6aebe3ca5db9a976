/**
 * A key named `__proto__` (a property, a body field, a security scheme) in a spec or an API
 * description stays a key all the way: JSON.parse and YAML make it an own property, and an
 * assignment in a copy would set the copy's prototype instead, dropping the property while
 * `required` still names it (a tool no input could satisfy, a type without the member).
 * As a tool's top-level argument it still cannot arrive (the SDK's request parsing drops that
 * name on every transport): lint says so.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lintSpec, loadSpec, type JsonSchemaObject } from '../../generators/shared/spec/index.js';
import { generateProject } from '../../generators/shared/codegen/index.js';
import { toolContractCases } from '../../generators/shared/codegen/contract-cases.js';
import { callUpstream, defineApi, type Operation } from '../../templates/openapi/client.js';
import { importValidator } from '../unit/codegen/import-validator.js';
import { ProjectTypeChecker } from '../helpers/typecheck.js';
import { startRecordingUpstream, type RecordingUpstream } from '../helpers/recording-upstream.js';
import { TOOLKIT_ROOT } from '../helpers/toolkit.js';
import { importInMemory } from './import-project.js';

const ROOT = join(TOOLKIT_ROOT, '.tmp', 'proto-keys');

/** Own keys of `node`, and that its prototype is still Object.prototype (nothing set it). */
function ownKeys(node: unknown): string[] {
  expect(Object.getPrototypeOf(node)).toBe(Object.prototype);
  return Object.keys(node as object);
}

describe('a key named __proto__', () => {
  const specDir = join(ROOT, 'spec');
  beforeAll(() => {
    rmSync(specDir, { recursive: true, force: true });
    mkdirSync(join(specDir, 'schemas'), { recursive: true });
    writeFileSync(
      join(specDir, 'mcpforge.yaml'),
      [
        'name: proto',
        'tools:',
        '  echo:',
        '    description: Echoes.',
        '    input:',
        '      type: object',
        '      required: [__proto__]',
        '      additionalProperties: false',
        '      examples: [{ __proto__: hello }]',
        '      properties:',
        '        __proto__: { type: string }',
        '        thing: { $ref: "schemas/thing.json" }',
        '',
      ].join('\n'),
    );
    writeFileSync(join(specDir, 'schemas', 'thing.json'), '{ "type": "object", "required": ["__proto__"], "properties": { "__proto__": { "type": "integer" }, "x": { "type": "string" } } }\n');
  });

  it('stays a property through the loader (inline and in a bundled file)', async () => {
    const spec = await loadSpec(join(specDir, 'mcpforge.yaml'));
    const schema = spec.tools[0]!.input!.schema;
    expect(ownKeys(schema.properties)).toEqual(['__proto__', 'thing']);
    const thing = (schema.$defs as Record<string, JsonSchemaObject>).thing!;
    expect(ownKeys(thing.properties)).toEqual(['__proto__', 'x']);
  });

  it('is flagged by lint where it is an argument: the SDK drops that argument name on every transport', async () => {
    const spec = await loadSpec(join(specDir, 'mcpforge.yaml'));
    const found = lintSpec(spec).warnings.filter((w) => w.rule === 'argument-name');
    // Only the top-level property: the nested one (in `thing`) arrives as sent.
    expect(found.map((w) => w.location.pointer)).toEqual(['/tools/echo/input/properties/__proto__']);
    expect(found[0]!.message).toContain('never reaches the handler');
  });

  it('is a member of the type and checked by the validator', async () => {
    const { files } = await generateProject(await loadSpec(join(specDir, 'mcpforge.yaml')));
    const types = files.get('src/generated/types/echo.ts')!;
    expect(types).toMatch(/__proto__['"]?: string;/);
    expect(types).toMatch(/__proto__['"]?: number;/);
    const validate = await importValidator(files.get('src/generated/validators/echo.input.js')!);
    // Arguments arrive through JSON.parse, which makes `__proto__` an own property.
    expect(validate(JSON.parse('{"__proto__": "x", "thing": {"__proto__": 1}}'))).toBe(true);
    expect(validate(JSON.parse('{}'))).toBe(false);
    expect(validate(JSON.parse('{"__proto__": 5}'))).toBe(false);
    expect(validate.errors!.map((e) => `${e.instancePath} ${e.keyword}`)).toEqual(['/__proto__ type']);
    expect(validate(JSON.parse('{"__proto__": "x", "thing": {"__proto__": "one"}}'))).toBe(false);
    expect(validate.errors!.map((e) => `${e.instancePath} ${e.keyword}`)).toEqual(['/thing/__proto__ type']);
    // Declared, so not an additional property; an undeclared one still is.
    expect(validate(JSON.parse('{"__proto__": "x", "extra": 1}'))).toBe(false);
    expect(validate.errors!.map((e) => `${e.instancePath} ${e.keyword} ${JSON.stringify(e.params)}`)).toEqual([' additionalProperties {"additionalProperty":"extra"}']);
  });

  it('gets contract cases the validator agrees with', async () => {
    const spec = await loadSpec(join(specDir, 'mcpforge.yaml'));
    const { files } = await generateProject(spec);
    const validate = await importValidator(files.get('src/generated/validators/echo.input.js')!);
    // A schema text no earlier compile has seen: the cases compile their own checker (as on a
    // regeneration that reuses the validator modules) instead of reusing the generator's.
    const tool = spec.tools[0]!;
    const cases = toolContractCases({ ...tool, input: { ...tool.input, schema: { ...tool.input.schema, description: 'Cases only.' } } });
    // The example makes the cases go through ajv (examples are vetted), not the sampler alone.
    expect(cases.source).toBe('examples');
    expect(cases.valid).toEqual([JSON.parse('{"__proto__": "hello"}')]);
    for (const input of cases.valid) {
      expect(Object.hasOwn(input, '__proto__'), JSON.stringify(input)).toBe(true);
      expect(validate(input), JSON.stringify(input)).toBe(true);
    }
    // Among them a wrong type at /__proto__, which only a checked property can refuse.
    expect(cases.invalid.map((c) => c.pointer)).toContain('/__proto__');
    for (const { input, pointer } of cases.invalid) expect(validate(input), `${pointer}: ${JSON.stringify(input)}`).toBe(false);
  });

  describe('in an OpenAPI description', () => {
    let upstream: RecordingUpstream;
    beforeAll(async () => {
      upstream = await startRecordingUpstream();
    });
    afterAll(() => upstream.close());

    // Computed `['__proto__']` keys: a literal `__proto__:` would set the prototype, not a key.
    const DOC = JSON.stringify({
      openapi: '3.0.3',
      info: { title: 'Proto', version: '1' },
      components: {
        schemas: { Thing: { type: 'object', required: ['__proto__'], properties: { ['__proto__']: { type: 'integer' }, name: { type: 'string' } } } },
        securitySchemes: { ['__proto__']: { type: 'apiKey', in: 'header', name: 'X-Key' } },
      },
      security: [{ ['__proto__']: [] }],
      paths: {
        '/things': {
          post: {
            operationId: 'makeThing',
            requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['__proto__'], properties: { ['__proto__']: { type: 'string' }, thing: { $ref: '#/components/schemas/Thing' } } } } } },
            responses: { '200': { description: 'ok' } },
          },
        },
      },
    });

    it('imports into schemas that keep it, and a project that type-checks', async () => {
      const imported = await importInMemory(join(ROOT, 'project'), DOC);
      const input = JSON.parse(imported.files.get('schemas/proto/makeThing.input.json')!) as JsonSchemaObject;
      // The body field becomes the input property `proto` (input names are sanitised) and is sent as `__proto__`.
      expect(input.required).toContain('proto');
      expect(imported.files.get('src/tools/makeThing.ts')!.replace(/\s+/g, ' ')).toContain("fields: { proto: '__proto__', thing: 'thing' }");
      const components = [...imported.files].find(([path]) => /^schemas\/proto\/.*components.*\.json$/.test(path));
      expect(components, [...imported.files.keys()].join('\n')).toBeDefined();
      const defs = (JSON.parse(components![1]) as { $defs: Record<string, JsonSchemaObject> }).$defs;
      const thing = Object.entries(defs).find(([name]) => name.startsWith('Thing'))![1];
      expect(ownKeys(thing.properties)).toEqual(['__proto__', 'name']);
      expect(thing.required).toEqual(['__proto__']);
      // The security scheme keeps its name, written as a computed key (a plain one would set the prototype).
      expect(imported.files.get('src/upstream/proto.ts')!.replace(/\s+/g, ' ')).toContain("securitySchemes: { ['__proto__']: { type: 'apiKey', in: 'header', name: 'X-Key'");
      const checker = new ProjectTypeChecker(join(ROOT, 'project'));
      checker.setFiles(imported.files);
      expect(checker.check()).toEqual([]);
    }, 300_000);

    it('is sent as the body field it names', async () => {
      upstream.seen.length = 0;
      const api = defineApi({ title: 'Proto', baseUrlEnv: 'UNSET_PROTO_URL', defaultBaseUrl: upstream.origin, timeoutEnv: 'UNSET_PROTO_TIMEOUT', defaultTimeoutMs: 5000, securitySchemes: {} });
      const op: Operation = { method: 'POST', path: '/things', body: { kind: 'json', contentType: 'application/json', fields: { proto: '__proto__', thing: 'thing' } }, output: 'text' };
      await callUpstream(api, { signal: new AbortController().signal }, JSON.parse('{"proto": "p", "thing": {"__proto__": 1}}') as Record<string, unknown>, op);
      expect(upstream.seen.map((r) => r.body.toString())).toEqual(['{"__proto__":"p","thing":{"__proto__":1}}']);
    });
  });
});
