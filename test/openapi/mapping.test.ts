/**
 * The OpenAPI mapping on small descriptions written for the tests: parameters in every location,
 * 3.0 and 3.1, recursive schemas, read/write-only, name collisions, and bad descriptions. Each
 * import is then loaded, linted and generated from memory (validators compile, types emit).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseOpenApi, planOpenApiImport, type ImportOpenApiOptions } from '../../generators/openapi/index.js';
import { planSchemaImport } from '../../generators/import-schema/plan.js';
import { generateProject } from '../../generators/shared/codegen/index.js';
import { loadSpec, SpecError } from '../../generators/shared/spec/index.js';
import { TOOLKIT_ROOT } from '../helpers/toolkit.js';

const FIXTURES = path.join(TOOLKIT_ROOT, 'test/fixtures/openapi');
const ROOT = '/virtual/project';
const SPEC = `# my comment stays\nname: pets-server\nversion: 0.1.0\ntools:\n  hello:\n    description: Says hello.\n    input: { type: object }\n`;
const CLIENT = readFileSync(path.join(TOOLKIT_ROOT, 'templates/openapi/client.ts'), 'utf8');

function plan(fixture: string, options: ImportOpenApiOptions = {}) {
  const file = path.join(FIXTURES, fixture);
  const doc = parseOpenApi(file, readFileSync(file, 'utf8'));
  return planOpenApiImport({ doc, specText: SPEC, readProjectFile: () => undefined, listProjectFiles: () => [], clientSource: CLIENT, options });
}

const json = (p: ReturnType<typeof plan>, file: string) => JSON.parse(p.files.get(file)!) as Record<string, any>;

async function generate(p: ReturnType<typeof plan>) {
  const files = new Map<string, string>([[`${ROOT}/mcpforge.yaml`, p.specText], ...[...p.files].map(([f, t]) => [`${ROOT}/${f}`, t] as [string, string])]);
  const spec = await loadSpec(`${ROOT}/mcpforge.yaml`, { files });
  return { spec, generated: await generateProject(spec, { specFile: 'mcpforge.yaml' }) };
}

describe('import openapi: OpenAPI 3.0 pet store', () => {
  const p = plan('petstore-3.0.yaml', { name: 'pets' });

  it('names the schema files that do not exist yet (written in place), and the stale ones to remove', () => {
    // Nothing on the disk: every schema file is new.
    expect([...p.newFiles].sort()).toEqual([...p.files.keys()].sort());
    const file = path.join(FIXTURES, 'petstore-3.0.yaml');
    const doc = parseOpenApi(file, readFileSync(file, 'utf8'));
    const [kept] = [...p.files.keys()];
    const again = planOpenApiImport({ doc, specText: SPEC, readProjectFile: () => undefined, listProjectFiles: (dir) => (dir === 'schemas/pets' ? [kept!, 'schemas/pets/gone.input.json'] : []), clientSource: CLIENT, options: { name: 'pets' } });
    expect(again.newFiles.has(kept!)).toBe(false);
    expect(again.newFiles.size).toBe(again.files.size - 1);
    expect(again.remove).toEqual(['schemas/pets/gone.input.json']);
  });

  it('makes one tool per operation, named from operationId or method + path, unique', () => {
    expect(p.report.tools.map((t) => t.name)).toEqual(['getPet', 'update_pet', 'get_pets', 'createCategory', 'getPet_2']);
    expect(p.report.notes).toContain('POST /pets/{id}/photo (getPet): tool name "getPet_2" (wanted "getPet", taken or too long)');
    expect(p.report.env).toEqual(['PETS_BASE_URL', 'PETS_TIMEOUT_MS', 'PETS_OUTPUT_VALIDATION', 'PETS_API_KEY', 'PETS_BEARER', 'PETS_BASIC_USERNAME', 'PETS_BASIC_PASSWORD']);
  });

  it('merges path, query, header and cookie parameters into one input, resolving collisions', () => {
    const input = json(p, 'schemas/pets/getPet.input.json');
    expect(Object.keys(input.properties)).toEqual(['id', 'fields', 'filter', 'X-Request-Id', 'session', 'header_id']);
    expect(input.required).toEqual(['id']);
    expect(input.additionalProperties).toBe(false);
    expect(input.properties.header_id.description).toBe('A header that collides with the path id. (header parameter "id")');
    expect(p.report.notes).toContain('getPet: header parameter "id" is input property "header_id" ("id" is the path parameter "id")');
    const handler = p.userFiles.get('src/tools/getPet.ts')!;
    expect(handler).toContain("{ in: 'header', name: 'id', arg: 'header_id' }");
    expect(handler).toContain("{ in: 'query', name: 'filter', style: 'deepObject' }");
    expect(handler).toContain("{ in: 'cookie', name: 'session' }");
    expect(handler).toContain("security: [['apiKey']]");
  });

  it('merges a JSON body into the input, dropping read-only fields and renaming collisions', () => {
    const input = json(p, 'schemas/pets/update_pet.input.json');
    // `id` of the body is read-only: gone (it would have been body_id next to the path id).
    expect(Object.keys(input.properties)).toEqual(['id', 'name', 'secret', 'owner', 'status', 'notes', 'kind']);
    expect(input.required).toEqual(['id', 'name']);
    const handler = p.userFiles.get('src/tools/update_pet.ts')!;
    expect(handler).toMatch(/body: \{\s+kind: 'json',\s+contentType: 'application\/json',\s+fields: \{\s+name: 'name',\s+secret: 'secret',/);
    expect(handler).toContain("security: [['bearer'], ['basic']]");
  });

  it('normalises 3.0 schemas: nullable (with and without type), example, exclusive bounds, oneOf', () => {
    const defs = json(p, 'schemas/pets/components.json').$defs;
    expect(defs.Pet.properties.status).toEqual({ type: ['string', 'null'], enum: ['available', 'sold', null] });
    expect(defs.Pet.properties.owner).toEqual({ anyOf: [{ $ref: '#/$defs/Owner' }, { type: 'null' }] });
    expect(defs.Pet.properties.notes).toEqual({ description: 'nullable without a type' });
    expect(defs.Pet.properties.name).toEqual({ type: 'string', examples: ['Rex'] });
    expect(defs.Pet.properties.kind.anyOf).toEqual([{ $ref: '#/$defs/Cat' }, { $ref: '#/$defs/Dog' }]);
    expect(defs.Pet.properties.kind.discriminator.mapping).toEqual({ cat: '#/$defs/Cat', dog: '#/$defs/Dog' });
    expect(json(p, 'schemas/pets/get_pets.input.json').properties.limit).toEqual({ type: 'integer', minimum: 1, exclusiveMaximum: 100 });
  });

  it('drops write-only fields from outputs through a variant, and wraps non-object outputs', () => {
    const out = json(p, 'schemas/pets/getPet.output.json');
    expect(out.properties.secret).toBeUndefined();
    expect(out.properties.id).toEqual({ type: 'integer', readOnly: true });
    const list = json(p, 'schemas/pets/get_pets.output.json');
    expect(list).toEqual({ type: 'object', properties: { result: { type: 'array', items: { $ref: 'components.json#/$defs/Pet_output' } } }, required: ['result'], additionalProperties: false });
    expect(json(p, 'schemas/pets/components.json').$defs.Pet_output.properties.secret).toBeUndefined();
    expect(p.userFiles.get('src/tools/get_pets.ts')).toContain("output: 'wrap'");
    expect(p.userFiles.get('src/tools/getPet_2.ts')).toContain("callUpstream<string>");
  });

  it('writes the API config with the default server and the security schemes', () => {
    const config = p.userFiles.get('src/upstream/pets.ts')!;
    expect(config).toContain("defaultBaseUrl: 'https://eu.pets.example/v1'");
    expect(config).toContain("apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', env: 'PETS_API_KEY' }");
    expect(p.userFiles.get('src/upstream/client.ts')).toBe(CLIENT);
  });

  it('keeps the comments of the spec and its other tools', () => {
    expect(p.specText.startsWith('# my comment stays\n')).toBe(true);
    expect(p.specText).toContain('  hello:\n');
    expect(p.specText).toContain('    input: schemas/pets/getPet.input.json\n');
  });

  it('loads, lints and generates: validators compile, the recursive schema stays recursive', async () => {
    const { spec, generated } = await generate(p);
    expect(spec.tools.map((t) => t.name)).toContain('createCategory');
    const category = spec.tools.find((t) => t.name === 'createCategory')!;
    expect(category.input.schema.properties).toMatchObject({ children: { type: 'array', items: { $ref: '#/$defs/Category' } } });
    expect((category.input.schema.$defs as Record<string, unknown>).Category).toBeDefined();
    expect(generated.files.get('src/generated/types/createCategory.ts')).toMatch(/children\?: Category\[\]/);
    expect(generated.files.has('src/generated/validators/update_pet.input.js')).toBe(true);
  });
});

describe('import openapi: OpenAPI 3.1', () => {
  const p = plan('shop-3.1.json');

  it('keeps 3.1 type arrays and examples, merges the body, sanitises parameter names', async () => {
    expect(p.report.version).toBe('3.1');
    expect(p.report.slug).toBe('shop');
    const input = json(p, 'schemas/shop/createOrder.input.json');
    expect(input.properties['dry-run']).toEqual({ type: ['boolean', 'null'] });
    expect(input.required).toEqual(['items']);
    const defs = json(p, 'schemas/shop/components.json').$defs;
    expect(defs.Order.properties.note).toEqual({ type: ['string', 'null'], examples: ['leave at the door'] });
    const { generated } = await generate(p);
    expect(generated.files.get('src/generated/types/createOrder.ts')).toMatch(/parts\?: Item\[\]/);
  });

  it('filters with --include-ops / --exclude-ops / --include-tags and guards with --max-tools', () => {
    expect(() => plan('shop-3.1.json', { excludeOps: ['createOrder'] })).toThrow(/no operation matched/);
    expect(() => plan('petstore-3.0.yaml', { maxTools: 2 })).toThrow(/5 operations would become tools, more than --max-tools 2/);
    expect(plan('petstore-3.0.yaml', { includeOps: ['createCategory', 'update-pet'] }).report.tools.map((t) => t.name)).toEqual(['update_pet', 'createCategory']);
  });
});

describe('import openapi: bad descriptions', () => {
  const failure = (fixture: string): SpecError => {
    try {
      plan(fixture);
    } catch (error) {
      return error as SpecError;
    }
    throw new Error('expected an error');
  };

  it('names the file, line and JSON pointer of a broken $ref', () => {
    const e = failure('broken-ref.yaml');
    expect(e).toBeInstanceOf(SpecError);
    expect(e.file).toBe(path.join(FIXTURES, 'broken-ref.yaml'));
    expect(e.pointer).toBe('/paths/~1things/get/responses/200/content/application~1json/schema/$ref');
    expect(e.line).toBe(12);
    expect(e.message).toMatch(/broken \$ref "#\/components\/schemas\/Thing"/);
  });

  it('refuses Swagger 2 and undeclared path parameters with what to do', () => {
    expect(failure('swagger-2.yaml').message).toMatch(/swagger-2\.yaml:1:\d+ \/swagger: Swagger 2\.0 \(OpenAPI 2\) is not supported — `mcpforge import openapi <file>` converts it/);
    const e = failure('undeclared-path-param.yaml');
    expect(e.pointer).toBe('/paths/~1things~1{id}/get');
    expect(e.message).toMatch(/path parameter "id" of \/things\/\{id\} is not declared/);
  });
});

describe('import schema', () => {
  it('turns JSON Schema files into tools named from title or file name', () => {
    const result = planSchemaImport({
      root: ROOT,
      specText: SPEC,
      as: 'tool',
      schemas: [
        { file: `${ROOT}/schemas/get-weather.json`, text: JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: { city: { type: 'string' } } }) },
        { file: '/elsewhere/search.json', text: JSON.stringify({ title: 'SearchNotes', description: 'Full-text search.', type: 'object' }) },
      ],
    });
    expect(result.entries).toEqual([
      { name: 'get_weather', kind: 'tool', schema: 'schemas/get-weather.json' },
      { name: 'search_notes', kind: 'tool', schema: 'schemas/search.json' },
    ]);
    expect([...result.files.keys()]).toEqual(['schemas/search.json']);
    expect(result.specText).toContain('  search_notes:\n    title: SearchNotes\n    description: Full-text search.\n    input: schemas/search.json\n');
  });

  it('refuses a non-object tool schema, naming the file', () => {
    expect(() => planSchemaImport({ root: ROOT, specText: SPEC, as: 'tool', schemas: [{ file: `${ROOT}/n.json`, text: '{"type":"string"}' }] })).toThrow(/n\.json:1:1 \/type: a tool input must have "type": "object"/);
  });
});
