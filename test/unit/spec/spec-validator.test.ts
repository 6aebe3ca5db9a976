/**
 * The spec format's validator is compiled ahead of time (generators/shared/spec/spec-validator.generated.ts):
 * compiling the schema cost every command that loads a spec 0.1–0.25 s of its start (an import's
 * serial start included), importing the compiled module ~13 ms. This test keeps it exact: the
 * file is what ajv's standalone output is for the schema now (`npx vitest run test/unit/spec -u`
 * rewrites it after a change to mcpforge.schema.json), and it reports the same errors, each with
 * the same schema references, as a validator compiled from the schema at run time.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { describe, expect, it } from 'vitest';
import { ajvLibrary } from '../../../generators/shared/ajv.js';
import { standaloneModule } from '../../../generators/shared/codegen/emit-validators.js';
import { SPEC_VALIDATOR_OPTIONS, specSchema, validateSpecDocument } from '../../../generators/shared/spec/validate-spec.js';
import generated from '../../../generators/shared/spec/spec-validator.generated.js';
import { parseSourceDocument } from '../../../generators/shared/spec/source-document.js';

const { Ajv2020 } = ajvLibrary();

const GENERATED = join(import.meta.dirname, '../../../generators/shared/spec/spec-validator.generated.ts');
const ROOT = join(import.meta.dirname, '../../..');
/** Specs of the fixtures and the examples, valid and not. */
const SPECS = [join(ROOT, 'test/fixtures/specs'), join(ROOT, 'test/fixtures/bad-new'), join(ROOT, 'examples')];

const HEADER = [
  '// Generated from mcpforge.schema.json by test/unit/spec/spec-validator.test.ts (ajv standalone). Do not',
  '// edit: after a change to the schema, `npx vitest run test/unit/spec -u` rewrites this file.',
  '// @ts-nocheck',
  '/* eslint-disable */',
  '',
].join('\n');

const precompiled = generated as unknown as ValidateFunction;

describe('the precompiled spec validator', () => {
  it('is ajv standalone output for the schema as it is now', async () => {
    // The module a project's validators are made as (codegen/emit-validators.ts).
    const ajv = new Ajv2020({ ...SPEC_VALIDATOR_OPTIONS, code: { source: true, esm: true } });
    await expect(HEADER + standaloneModule(ajv, ajv.compile(specSchema))).toMatchFileSnapshot(GENERATED);
  });

  it('reports exactly what a validator compiled at run time reports', () => {
    const compiled = new Ajv2020(SPEC_VALIDATOR_OPTIONS).compile(specSchema);
    const documents: unknown[] = [
      { name: 'ok', version: '0.1.0', tools: { get_x: { description: 'Gets x.', input: { type: 'object' } } } },
      { name: 'x', version: '1', tools: { a: { descripton: 'typo', input: {} } } },
      { name: 5, tools: [] },
      { name: 'n', version: '1', auth: { mode: 'bogus' }, tools: {} },
      { name: 'n', version: '1', tools: { 'bad name!': { description: 'd', input: { type: 'object' } } }, resources: { r: {} }, prompts: 3 },
      null,
      'text',
    ];
    for (const file of SPECS.flatMap(specFiles)) {
      try {
        documents.push(parseSourceDocument(file, readFileSync(file, 'utf8')).data);
      } catch {
        // not YAML (a fixture of a syntax error)
      }
    }
    expect(documents.length).toBeGreaterThan(30);
    let invalid = 0;
    for (const data of documents) {
      const a = compiled(data);
      const b = precompiled(data);
      expect(b).toBe(a);
      expect(JSON.stringify(precompiled.errors ?? null)).toBe(JSON.stringify(compiled.errors ?? null));
      if (!a) invalid++;
    }
    expect(invalid).toBeGreaterThan(4);
  });

  it('is what spec loading uses: a misspelt key still gets its "did you mean"', async () => {
    const text = 'name: x\nversion: 0.1.0\ntools:\n  a:\n    descripton: Gets a.\n    input: { type: object }\n';
    const errors = await validateSpecDocument(parseSourceDocument('/p/mcpforge.yaml', text));
    expect(errors.map((e) => e.message).join('\n')).toMatch(/descripton.*description/);
  });
});

function specFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && /\.ya?ml$/.test(entry.name) && !entry.parentPath.includes('node_modules')) out.push(join(entry.parentPath, entry.name));
  }
  return out;
}
