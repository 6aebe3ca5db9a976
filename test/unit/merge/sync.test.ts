import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planSync, type SyncPlan } from '../../../generators/shared/merge/sync.js';
import { loadSpec } from '../../../generators/shared/spec/index.js';
import { TOOLKIT_ROOT } from '../../helpers/toolkit.js';
import { ProjectTypeChecker } from '../../helpers/typecheck.js';

const ROOT = join(TOOLKIT_ROOT, '.tmp', 'unit-sync');
const SPEC = join(ROOT, 'mcpforge.yaml');
const spec = (tools: string) => `name: t\ntools:\n${tools}`;
const TOOL_A = '  a:\n    description: A.\n    input: { type: object, properties: { x: { type: string, pattern: "^a" } } }\n    output: { type: object, properties: { id: { type: string } } }\n';
const TOOL_B = '  b:\n    description: B.\n    input: { type: object, properties: { y: { type: integer } } }\n';

async function plan(text: string, files: Map<string, string>, cache?: SyncPlan['cache']): Promise<SyncPlan> {
  const loaded = await loadSpec(SPEC, { files: new Map([[SPEC, text]]) });
  return planSync({ spec: loaded, specFile: 'mcpforge.yaml', files, cache, sources: new Map([['mcpforge.yaml', text]]) });
}
function apply(files: Map<string, string>, p: SyncPlan): Map<string, string> {
  const out = new Map(files);
  for (const [path, text] of [...p.write, ...p.create, ...[...p.update].map(([k, u]) => [k, u.text] as const)]) out.set(path, text);
  for (const path of p.remove) out.delete(path);
  return out;
}

describe('planSync', () => {
  it('reuses unchanged entries from the cache and writes exactly what a run without cache writes', async () => {
    const first = await plan(spec(TOOL_A + TOOL_B), new Map());
    expect(first.emitted).toBe(2);
    const files = apply(new Map(), first);
    const changed = spec(TOOL_A + TOOL_B.replace('integer', 'number'));
    const cached = await plan(changed, files, first.cache);
    const fresh = await plan(changed, files);
    expect(cached.emitted).toBe(1); // only b
    expect(fresh.emitted).toBe(2);
    expect([...cached.write]).toEqual([...fresh.write]);
    expect(cached.unchanged).toEqual(fresh.unchanged);
    // integer and number are both `number` in TypeScript: the types file stays as it was. The
    // generated contract tests do change (the wrong-type case and samples follow the schema type).
    expect([...cached.write.keys()].sort()).toEqual(['src/generated/manifest.ts', 'src/generated/validators/b.input.js', 'test/tools.contract.test.ts']);
  });

  it('does not trust a cached entry whose file was edited by hand', async () => {
    const first = await plan(spec(TOOL_A), new Map());
    const files = apply(new Map(), first);
    files.set('src/generated/types/a.ts', `${files.get('src/generated/types/a.ts')}// hand edit\n`);
    const again = await plan(spec(TOOL_A), files, first.cache);
    expect(again.emitted).toBe(1);
    expect([...again.write.keys()]).toEqual(['src/generated/types/a.ts']);
  });

  it('keeps a removed tool’s handler compiling (unregistered) and warns; deleting the file drops the loose types', async () => {
    const first = await plan(spec(TOOL_A + TOOL_B), new Map());
    let files = apply(new Map(), first);
    files.set('src/tools/b.ts', files.get('src/tools/b.ts')!.replace('async (input, ctx) => {', "async (input, ctx) => {\n  if (input.y === 1) return 'one';"));
    const removed = await plan(spec(TOOL_A), files, first.cache);
    expect(removed.warnings.join('\n')).toMatch(/src\/tools\/b\.ts: tool "b" is not in mcpforge\.yaml/);
    expect(removed.conflicts).toEqual([]);
    files = apply(files, removed);
    expect(files.has('src/tools/b.ts')).toBe(true);
    expect(files.get('src/generated/handlers.ts')).not.toContain("'../tools/b.js'");
    expect(files.get('src/generated/registry.ts')).toMatch(/type RetiredTools = \{\s+b: \{ input: any; output: unknown \};\s+\};/);
    const checker = new ProjectTypeChecker(ROOT);
    checker.setFiles(new Map([...files].filter(([p]) => p.endsWith('.ts'))));
    expect(checker.check()).toEqual([]);
    files.delete('src/tools/b.ts');
    const gone = await plan(spec(TOOL_A), files, removed.cache);
    expect(gone.remove).toEqual(['src/generated/types/b.ts']);
    expect(gone.write.get('src/generated/registry.ts')).not.toContain('Retired');
  });

  it('reads the tools of a handlers.ts written before tool() (loaders as properties)', async () => {
    const first = await plan(spec(TOOL_A + TOOL_B), new Map());
    const files = apply(new Map(), first);
    const legacy = (name: string) => `    ${name}: {\n      handler: () => import('../tools/${name}.js'),\n      validateInput: () => import('./validators/${name}.input.js'),\n    },`;
    files.set('src/generated/handlers.ts', `import type { ServerModules } from '@mcpforge/runtime';\n\nexport const modules: ServerModules = {\n  tools: {\n${legacy('a')}\n${legacy('b')}\n  },\n  resources: {},\n  prompts: {},\n};\n`);
    const removed = await plan(spec(TOOL_A), files, first.cache);
    expect(removed.warnings.join('\n')).toMatch(/src\/tools\/b\.ts: tool "b" is not in mcpforge\.yaml/);
  });

  it('recreates a deleted handler as a stub and never rewrites an existing one', async () => {
    const first = await plan(spec(TOOL_A), new Map());
    const files = apply(new Map(), first);
    files.set('src/tools/a.ts', '// my own file\n' + files.get('src/tools/a.ts'));
    const again = await plan(spec(TOOL_A), files, first.cache);
    expect(again.create.size + again.update.size + again.write.size).toBe(0);
    files.delete('src/tools/a.ts');
    const recreated = await plan(spec(TOOL_A), files, first.cache);
    expect([...recreated.create.keys()]).toEqual(['src/tools/a.ts']);
  });

  it('reuses project-wide files and merge results only while what produced them is unchanged', async () => {
    const first = await plan(spec(TOOL_A + TOOL_B), new Map());
    const files = apply(new Map(), first);
    // Stubs created now are recorded as merged (a merge leaves a fresh stub alone).
    expect(Object.keys(first.cache.merged ?? {}).sort()).toEqual(['src/tools/a.ts', 'src/tools/b.ts']);
    files.set('src/tools/a.ts', `import type { AOutput } from '../generated/types/a.js';\n${files.get('src/tools/a.ts')!.replace(/async \(input, ctx\) =>/, 'async (input, ctx): Promise<AOutput> =>')}`);
    const settled = await plan(spec(TOOL_A + TOOL_B), files, first.cache);
    expect(Object.keys(settled.cache.merged ?? {}).sort()).toEqual(['src/tools/a.ts', 'src/tools/b.ts']);
    // A hand edit of a project-wide file: its recorded unformatted text is the same, the bytes are not.
    files.set('src/generated/registry.ts', `${files.get('src/generated/registry.ts')}// hand edit
`);
    // Tool a loses its output schema: AOutput is no longer generated, so a's handler must be merged again.
    const withoutOutput = spec(TOOL_A.replace(/\n    output: .*\n/, '\n') + TOOL_B);
    const cached = await plan(withoutOutput, files, settled.cache);
    const fresh = await plan(withoutOutput, files);
    expect([...cached.write]).toEqual([...fresh.write]);
    expect([...cached.update]).toEqual([...fresh.update]);
    expect(cached.write.has('src/generated/registry.ts')).toBe(true);
    expect([...cached.update.keys()]).toEqual(['src/tools/a.ts']);
    expect(cached.update.get('src/tools/a.ts')!.text).not.toMatch(/import type \{ AOutput|Promise<AOutput>/);
    expect(cached.cache).toEqual(fresh.cache);
  });
});
