/**
 * What a regeneration reuses from `.mcpforge/` (bench/README.md, "Regeneration"): the spec's
 * parse (spec-document.json, by the hash of its text) and the meta-validation of schema files
 * whose text passed it before (cache.json `sources`). Each must give what a fresh generation
 * gives, and must see any change made outside mcpforge.
 */
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { CACHE_FILE, commitPlan, planProject } from '../../../generators/generate/project.js';
import { sha256 } from '../../../generators/shared/codegen/content-hash.js';
import { CONTRACT_CACHE_FILE, type ContractCacheRecord } from '../../../generators/shared/codegen/contract-cache.js';
import { SHARE_VALIDATORS_FROM } from '../../../generators/shared/codegen/generate-project.js';
import { exportedNames, handlerPath, type EntryKind } from '../../../generators/shared/merge/entries.js';
import { mergeHandler } from '../../../generators/shared/merge/merge-handler.js';
import type { CacheRecord } from '../../../generators/shared/merge/sync.js';
import { SPEC_DOCUMENT_FILE, SpecDocumentCache, type SpecDocumentRecord } from '../../../generators/shared/spec/spec-document-cache.js';
import { parseSourceDocument } from '../../../generators/shared/spec/source-document.js';
import { foreseenSpec, parseSpecHere } from '../../../generators/shared/codegen/spec-in-worker.js';
import { TOOLKIT_ROOT } from '../../helpers/toolkit.js';
import { fileSystemClockMoves } from './file-system-clock.js';

const ROOT = join(TOOLKIT_ROOT, '.tmp', 'unit-regeneration-cache');
const SPEC = join(ROOT, 'mcpforge.yaml');
const file = (path: string) => join(ROOT, path);
const SPEC_TEXT = [
  'name: t',
  'tools:',
  '  alpha:',
  '    description: Alpha tool.',
  '    input: schemas/alpha.json',
  '  beta:',
  '    description: Beta tool.',
  '    input: { type: object, properties: { n: { type: integer } } }',
  '',
].join('\n');
const schema = (property: string, type = 'string') => `${JSON.stringify({ type: 'object', properties: { [property]: { type } } }, null, 2)}\n`;

async function generate(): Promise<void> {
  const outcome = await planProject({ specPath: SPEC });
  if (outcome.upToDate) throw new Error('expected a plan');
  await commitPlan(ROOT, outcome.plan);
}

/** A generation without any cache changes nothing: what the cached runs wrote is a fresh generation's output. */
async function expectFresh(): Promise<void> {
  const fresh = await planProject({ specPath: SPEC, useCache: false });
  if (fresh.upToDate) throw new Error('expected a plan');
  expect([...fresh.plan.write.keys(), ...fresh.plan.create.keys(), ...fresh.plan.update.keys(), ...fresh.plan.remove]).toEqual([]);
}

const readJson = <T>(path: string) => JSON.parse(readFileSync(file(path), 'utf8')) as T;

beforeEach(async () => {
  rmSync(ROOT, { recursive: true, force: true });
  mkdirSync(file('schemas'), { recursive: true });
  writeFileSync(SPEC, SPEC_TEXT);
  writeFileSync(file('schemas/alpha.json'), schema('query'));
  await generate();
});

describe('the spec parse kept in .mcpforge/spec-document.json', () => {
  it('is used while the spec text is the same, and a regeneration still equals a fresh generation', async () => {
    const record = readJson<SpecDocumentRecord>(SPEC_DOCUMENT_FILE);
    expect(record.hash).toBe(sha256(SPEC_TEXT));
    // Positions are recorded as they are asked, and only a printed warning or error asks one
    // (locations are found when read): this spec has none, so no position was looked up.
    expect(record.positions).toEqual({});

    writeFileSync(file('schemas/alpha.json'), schema('renamed'));
    await generate();
    expect(readFileSync(file('src/generated/types/alpha.ts'), 'utf8')).toContain('renamed');
    await expectFresh();

    // Used, not re-parsed: a record with the same hash but other data wins (never happens on
    // its own; shows the parse is skipped).
    const tampered = structuredClone(record);
    (tampered.data as { tools: Record<string, { description: string }> }).tools.alpha!.description = 'From the record.';
    writeFileSync(file(SPEC_DOCUMENT_FILE), JSON.stringify(tampered));
    writeFileSync(file('schemas/alpha.json'), schema('again'));
    await generate();
    expect(readFileSync(file('src/generated/manifest.ts'), 'utf8')).toContain('From the record.');
  });

  it('is not used once the spec text changed outside mcpforge', async () => {
    writeFileSync(SPEC, SPEC_TEXT.replace('Alpha tool.', 'Alpha tool, edited.'));
    await generate();
    expect(readFileSync(file('src/generated/manifest.ts'), 'utf8')).toContain('Alpha tool, edited.');
    expect(readJson<SpecDocumentRecord>(SPEC_DOCUMENT_FILE).hash).toBe(sha256(readFileSync(SPEC, 'utf8')));
    await expectFresh();
  });

  it('answers positions it did not record from a real parse, as a fresh parse does', () => {
    const path = file('other.yaml');
    const text = 'name: x\ntools:\n  a:\n    description: A.\n    input: { type: object }\n';
    const first = new SpecDocumentCache('fp');
    first.parse(path, text).locate('/tools/a', { key: true });
    const record = SpecDocumentCache.parseRecord(first.serialize())!;
    expect(Object.keys(record.positions)).toEqual(['k/tools/a']);

    const cache = new SpecDocumentCache('fp', record);
    const again = cache.parse(path, text);
    // Nothing new to store while only recorded positions are asked: the record is not rewritten.
    again.locate('/tools/a', { key: true });
    expect(cache.serialize()).toBeUndefined();
    const fresh = parseSourceDocument(path, text);
    expect(again.data).toEqual(fresh.data);
    for (const [pointer, key] of [['/tools/a', true], ['/tools/a/input/type', false], ['/tools/a/input', true], ['/nope', false]] as const) {
      expect(again.locate(pointer, { key }), pointer).toEqual(fresh.locate(pointer, { key }));
    }
    expect(again.locate('/tools/a/input/type')).toEqual({ line: 5, column: 20 });
    expect(Object.keys(SpecDocumentCache.parseRecord(cache.serialize())!.positions)).toContain('v/tools/a/input/type');
    // Another generator, or another text, parses afresh.
    expect(new SpecDocumentCache('other', record).parse(path, text.replace('A.', 'B.')).data).toEqual(parseSourceDocument(path, text.replace('A.', 'B.')).data);
    expect((new SpecDocumentCache('other', record).parse(path, text).data as { tools: { a: { description: string } } }).tools.a.description).toBe('A.');
  });

  it('is not recorded when JSON cannot carry the data exactly', () => {
    const cache = new SpecDocumentCache('fp');
    cache.parse(file('inf.yaml'), 'name: x\nlimits: { big: .inf }\n');
    expect(cache.serialize()).toBeUndefined();
    const plain = new SpecDocumentCache('fp');
    plain.parse(file('plain.yaml'), 'name: x\nlimits: { big: 1 }\n');
    expect(plain.serialize()).toBeDefined();
  });
});

describe('a spec whose data is foreseen (a large import parses its text in a worker meanwhile)', () => {
  const manifest = (outcome: Awaited<ReturnType<typeof planProject>>) => {
    if (outcome.upToDate) throw new Error('expected a plan');
    // Unchanged from what the generation from the text wrote (beforeEach) when not in the plan.
    return outcome.plan.write.get('src/generated/manifest.ts') ?? readFileSync(file('src/generated/manifest.ts'), 'utf8');
  };
  const data = () => structuredClone(parseSourceDocument(SPEC, SPEC_TEXT).data) as { tools: Record<string, { description: string }> };

  it('is planned from that data once it is confirmed, and from the text when it is not', async () => {
    const foreseen = data();
    foreseen.tools.alpha!.description = 'Foreseen.';
    const plan = (confirmed: boolean) => planProject({ specPath: SPEC, useCache: false, foreseen: { file: SPEC, text: SPEC_TEXT, data: foreseen, locator: () => undefined, confirmed: async () => confirmed } });
    // Confirmed: the data is used as given, the text is not parsed for it.
    expect(manifest(await plan(true))).toContain('Foreseen.');
    // Not confirmed: planned again from the text.
    const fromText = manifest(await plan(false));
    expect(fromText).not.toContain('Foreseen.');
    expect(fromText).toContain('Alpha tool.');
  });

  it('is confirmed against a parse of the text, and an error planned from unconfirmed data is not reported', async () => {
    const wrong = data();
    (wrong.tools.beta as unknown as { description: number }).description = 42;
    const answer = Promise.resolve(parseSpecHere({ file: SPEC, text: SPEC_TEXT }).parsedSpec);
    // The foreseen data is invalid (a number as description), the text is valid: the text wins.
    const outcome = await planProject({ specPath: SPEC, useCache: false, foreseen: foreseenSpec(SPEC, SPEC_TEXT, wrong, answer) });
    expect(manifest(outcome)).toContain('Beta tool.');
    // Confirmed and invalid: the error stands.
    const foreseen = { file: SPEC, text: SPEC_TEXT, data: wrong, locator: () => undefined, confirmed: async () => true };
    await expect(planProject({ specPath: SPEC, useCache: false, foreseen })).rejects.toThrow(/description/);
  });
});

describe('contract cases kept in .mcpforge/contract-tests.json', () => {
  const withExamples = (city: string) => `${JSON.stringify({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'], examples: [{ city }] }, null, 2)}\n`;
  const contractTest = () => readFileSync(file('test/tools.contract.test.ts'), 'utf8');

  it('keeps the cases that needed ajv, by entry, and a regeneration still equals a fresh generation', async () => {
    writeFileSync(file('schemas/alpha.json'), withExamples('Berlin'));
    await generate();
    const record = readJson<ContractCacheRecord>(CONTRACT_CACHE_FILE);
    // alpha's examples were vetted with ajv: kept; beta's cases are sampled by construction: not.
    expect(Object.values(record.cases).map((c) => c.name)).toEqual(['alpha']);
    expect(contractTest()).toContain('Berlin');
    await expectFresh();

    // Used, not recomputed: cases with the same key but other inputs win (never happens on its
    // own; shows the ajv check is skipped).
    const key = Object.keys(record.cases)[0]!;
    const tampered = structuredClone(record);
    tampered.cases[key]!.valid = [{ city: 'From the cache' }];
    writeFileSync(file(CONTRACT_CACHE_FILE), JSON.stringify(tampered));
    writeFileSync(SPEC, SPEC_TEXT.replace('Beta tool.', 'Beta tool, edited.'));
    await generate();
    expect(contractTest()).toContain('From the cache');

    // A changed schema is another entry: its cases are computed, and the old ones dropped.
    writeFileSync(file('schemas/alpha.json'), withExamples('Paris'));
    await generate();
    expect(contractTest()).toContain('Paris');
    expect(contractTest()).not.toContain('From the cache');
    expect(Object.keys(readJson<ContractCacheRecord>(CONTRACT_CACHE_FILE).cases)).not.toContain(key);
    await expectFresh();
  });

  it('is not used by another generator', async () => {
    writeFileSync(file('schemas/alpha.json'), withExamples('Berlin'));
    await generate();
    const record = readJson<ContractCacheRecord>(CONTRACT_CACHE_FILE);
    const key = Object.keys(record.cases)[0]!;
    record.cases[key]!.valid = [{ city: 'From the cache' }];
    writeFileSync(file(CONTRACT_CACHE_FILE), JSON.stringify({ ...record, fingerprint: 'another generator' }));
    writeFileSync(SPEC, SPEC_TEXT.replace('Beta tool.', 'Beta tool, edited.'));
    await generate();
    expect(contractTest()).toContain('Berlin');
    expect(readJson<ContractCacheRecord>(CONTRACT_CACHE_FILE).fingerprint).not.toBe('another generator');
  });
});

describe('schema files that passed meta-validation before', () => {
  it('are checked again when their text changed: a broken schema names file and pointer, nothing is planned', async () => {
    writeFileSync(file('schemas/alpha.json'), schema('query', 'strng'));
    const error = await planProject({ specPath: SPEC }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/alpha\.json:\d+:\d+/);
    expect(error?.message).toContain('/properties/query/type');
    expect(error?.message).toContain('is not valid JSON Schema');
  });

  it('are trusted by the hash of their text (a recorded hash skips the check)', async () => {
    const broken = schema('query', 'strng');
    writeFileSync(file('schemas/alpha.json'), broken);
    // As if this very text had passed before (never happens on its own): the meta-check is
    // skipped, so what fails is the validator compile, later, with its own message.
    const cache = readJson<CacheRecord>(CACHE_FILE);
    writeFileSync(file(CACHE_FILE), JSON.stringify({ ...cache, sources: { ...cache.sources, 'schemas/alpha.json': sha256(broken) } }));
    // (An empty overlay skips the no-op check, which would find everything as recorded.)
    await expect(planProject({ specPath: SPEC, overlay: new Map() })).rejects.toThrow(/^(?!.*is not valid JSON Schema).*cannot compile a validator/s);
    // Another recorded hash (the text that passed): checked, and refused.
    writeFileSync(file(CACHE_FILE), JSON.stringify(cache));
    await expect(planProject({ specPath: SPEC, overlay: new Map() })).rejects.toThrow('is not valid JSON Schema');
  });
});

describe('handler stubs created by a generation', () => {
  it.for(['all', 'conformance'])('are recorded as merged, being what the merge leaves alone (examples/%s)', async (example) => {
    const root = join(TOOLKIT_ROOT, '.tmp', `unit-regeneration-stubs-${example}`);
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root, { recursive: true });
    cpSync(join(TOOLKIT_ROOT, 'examples', example, 'mcpforge.yaml'), join(root, 'mcpforge.yaml'));
    cpSync(join(TOOLKIT_ROOT, 'examples', example, 'schemas'), join(root, 'schemas'), { recursive: true });
    const outcome = await planProject({ specPath: join(root, 'mcpforge.yaml'), useCache: false });
    if (outcome.upToDate) throw new Error('expected a plan');
    const { plan, spec } = outcome;
    const exportsOf = (path: string) => {
      const text = plan.write.get(path);
      return text === undefined ? undefined : exportedNames(text);
    };
    const entries: Array<[EntryKind, string]> = [
      ...spec.tools.map((t): [EntryKind, string] => ['tool', t.name]),
      ...spec.resources.map((r): [EntryKind, string] => ['resource', r.name]),
      ...spec.prompts.map((p): [EntryKind, string] => ['prompt', p.name]),
    ];
    let stubs = 0;
    for (const [kind, name] of entries) {
      const path = handlerPath(kind, name);
      const text = plan.create.get(path);
      if (text === undefined) continue; // a declarative resource has no handler
      stubs++;
      expect(plan.cache.merged?.[path], path).toMatch(/^[0-9a-f]{64}$/);
      // The premise of recording it: a merge of the stub changes nothing.
      expect(mergeHandler(path, text, { kind, name, exportsOf }).status, path).toBe('unchanged');
    }
    expect(stubs).toBeGreaterThan(5);
  });
});

describe('a regeneration at scale (shared validators, project-wide files past the format limit)', () => {
  it('equals a fresh generation after one schema changed', { timeout: 240_000 }, async () => {
    const root = join(TOOLKIT_ROOT, '.tmp', 'unit-regeneration-scale');
    const spec = join(root, 'mcpforge.yaml');
    rmSync(root, { recursive: true, force: true });
    mkdirSync(join(root, 'schemas'), { recursive: true });
    const count = SHARE_VALIDATORS_FROM + 10;
    const input = (i: number, property: string) => ({
      type: 'object',
      properties: { [property]: { type: 'string', minLength: 1 }, limit: { type: 'integer', minimum: 1, maximum: 100 } },
      required: [property],
      additionalProperties: false,
      // Every third tool's cases are vetted with ajv (kept in contract-tests.json).
      ...(i % 3 === 0 ? { examples: [{ [property]: `q${i}`, limit: 5 }] } : {}),
    });
    const tools: string[] = [];
    for (let i = 0; i < count; i++) {
      const name = `tool_${String(i).padStart(3, '0')}`;
      tools.push(`  ${name}:\n    description: Tool ${i}.\n    input: schemas/${name}.json\n`);
      writeFileSync(join(root, 'schemas', `${name}.json`), JSON.stringify(input(i, 'query')));
    }
    writeFileSync(spec, `name: scale\ntools:\n${tools.join('')}`);
    const run = async () => {
      const outcome = await planProject({ specPath: spec });
      if (outcome.upToDate) throw new Error('expected a plan');
      await commitPlan(root, outcome.plan);
      return outcome.plan;
    };
    const clockMoves = () => fileSystemClockMoves(root);
    await run();
    await clockMoves();
    writeFileSync(join(root, 'schemas', 'tool_003.json'), JSON.stringify(input(3, 'term')));
    await run(); // the first with stat data recorded
    await clockMoves();
    writeFileSync(join(root, 'schemas', 'tool_006.json'), JSON.stringify(input(6, 'term')));
    const plan = await run();
    expect(plan.emitted).toBe(1);
    expect(readdirSync(join(root, 'src/generated/validators/_shared')).length).toBeGreaterThan(0);
    expect(readFileSync(join(root, 'test/tools.contract.test.ts'), 'utf8').length).toBeGreaterThan(256 * 1024);
    expect(readFileSync(join(root, 'test/tools.contract.test.ts'), 'utf8')).toContain('term: "q6"');

    const fresh = await planProject({ specPath: spec, useCache: false });
    if (fresh.upToDate) throw new Error('expected a plan');
    expect([...fresh.plan.write.keys(), ...fresh.plan.create.keys(), ...fresh.plan.update.keys(), ...fresh.plan.remove]).toEqual([]);
  });
});
