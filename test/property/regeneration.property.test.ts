/**
 * Property: whatever sequence of spec edits and user edits happens between regenerations,
 * (1) no line a user wrote is ever lost or changed by `generate`, (2) `generate` only writes
 * src/generated/ and handler files, and (3) after every run the project type-checks, or the run
 * reported a conflict and wrote nothing. 500 random sequences, all in memory: the spec loader
 * reads an in-memory overlay, planSync is pure, and one TypeScript LanguageService checks types.
 */
import { join } from 'node:path';
import fc from 'fast-check';
import { format } from 'prettier';
import { stringify } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { pascalCase } from '../../generators/shared/codegen/naming.js';
import { planSync, type CacheRecord, type SyncPlan } from '../../generators/shared/merge/sync.js';
import { loadSpec } from '../../generators/shared/spec/index.js';
import { TOOLKIT_ROOT } from '../helpers/toolkit.js';
import { ProjectTypeChecker } from '../helpers/typecheck.js';

const RUNS = Number(process.env.MCPFORGE_PROPERTY_RUNS ?? 500);
const ROOT = join(TOOLKIT_ROOT, '.tmp', 'property-project');
const SPEC = join(ROOT, 'mcpforge.yaml');
const NAMES = ['alpha', 'beta', 'gamma', 'delta', 'omega'];
const PROPS = ['text', 'count', 'flag', 'label'];
type PropType = 'string' | 'integer' | 'boolean';

interface ToolModel {
  props: Array<{ name: string; type: PropType; required: boolean }>;
  output: boolean;
}
interface Model {
  tools: Map<string, ToolModel>;
  template: string;
  /** Renames not yet followed by the user moving the old handler over the new one. */
  renames: Array<{ from: string; to: string }>;
}
interface Project {
  model: Model;
  files: Map<string, string>;
  cache?: CacheRecord;
}

function specText(model: Model): string {
  const schema = (props: ToolModel['props']) => ({
    type: 'object',
    properties: Object.fromEntries(props.map((p) => [p.name, { type: p.type }])),
    ...(props.some((p) => p.required) ? { required: props.filter((p) => p.required).map((p) => p.name) } : {}),
  });
  const tools = Object.fromEntries(
    [...model.tools].map(([name, t]) => [name, { description: `Tool ${name}.`, input: schema(t.props), ...(t.output ? { output: schema([{ name: 'id', type: 'string', required: true }]) } : {}) }]),
  );
  return stringify({ name: 'prop', version: '0.1.0', tools, resources: { item: { uri: model.template, mimeType: 'application/json' } }, prompts: { brief: { description: 'Brief.' } } });
}

async function generate(project: Project): Promise<SyncPlan> {
  const text = specText(project.model);
  const spec = await loadSpec(SPEC, { files: new Map([[SPEC, text]]) });
  const files = new Map([...project.files].filter(([path]) => path.startsWith('src/')));
  return planSync({ spec, specFile: 'mcpforge.yaml', files, cache: project.cache, sources: new Map([['mcpforge.yaml', text]]) });
}

function apply(project: Project, plan: SyncPlan): void {
  for (const [path, text] of plan.write) project.files.set(path, text);
  for (const path of plan.remove) project.files.delete(path);
  for (const [path, text] of plan.create) project.files.set(path, text);
  for (const [path, update] of plan.update) project.files.set(path, update.text);
  project.cache = plan.cache;
}

/* Operations: indices pick among what exists when the operation runs (modulo), so any sequence is valid. */
type Op =
  | { op: 'addTool'; pick: number; output: boolean }
  | { op: 'removeTool'; pick: number }
  | { op: 'renameTool'; pick: number; to: number }
  | { op: 'addProp'; pick: number; prop: number; type: PropType }
  | { op: 'makeRequired'; pick: number }
  | { op: 'changeType'; pick: number; type: PropType }
  | { op: 'toggleOutput'; pick: number }
  | { op: 'toggleTemplate' }
  | { op: 'userHelper'; pick: number }
  | { op: 'userImport'; pick: number }
  | { op: 'userComment'; pick: number }
  | { op: 'userBodyLine'; pick: number }
  | { op: 'userAnnotate'; pick: number }
  | { op: 'userUseType'; pick: number }
  | { op: 'userReformat'; pick: number }
  | { op: 'userMoveRenamed'; pick: number }
  | { op: 'userDeleteRetired'; pick: number }
  | { op: 'generate' };

const type = fc.constantFrom<PropType>('string', 'integer', 'boolean');
const pick = fc.nat(20);
const w = <T>(weight: number, arbitrary: fc.Arbitrary<T>) => ({ weight, arbitrary });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  w(2, fc.record({ op: fc.constant('addTool' as const), pick, output: fc.boolean() })),
  w(1, fc.record({ op: fc.constant('removeTool' as const), pick })),
  w(3, fc.record({ op: fc.constant('renameTool' as const), pick, to: pick })),
  w(2, fc.record({ op: fc.constant('addProp' as const), pick, prop: pick, type })),
  w(1, fc.record({ op: fc.constant('makeRequired' as const), pick })),
  w(1, fc.record({ op: fc.constant('changeType' as const), pick, type })),
  w(3, fc.record({ op: fc.constant('toggleOutput' as const), pick })),
  w(1, fc.record({ op: fc.constant('toggleTemplate' as const) })),
  w(1, fc.record({ op: fc.constant('userHelper' as const), pick })),
  w(1, fc.record({ op: fc.constant('userImport' as const), pick })),
  w(1, fc.record({ op: fc.constant('userComment' as const), pick })),
  w(1, fc.record({ op: fc.constant('userBodyLine' as const), pick })),
  w(4, fc.record({ op: fc.constant('userAnnotate' as const), pick })),
  w(3, fc.record({ op: fc.constant('userUseType' as const), pick })),
  w(1, fc.record({ op: fc.constant('userReformat' as const), pick })),
  w(4, fc.record({ op: fc.constant('userMoveRenamed' as const), pick })),
  w(1, fc.record({ op: fc.constant('userDeleteRetired' as const), pick })),
  w(1, fc.constant({ op: 'generate' as const })),
);

const at = <T>(items: T[], index: number): T | undefined => (items.length ? items[index % items.length] : undefined);
let marker = 0;

/** Inserts `line` right after the line that opens the handler (`defineTool(... => {`). */
function intoBody(text: string, line: string): string {
  const lines = text.split('\n');
  const open = lines.findIndex((l) => /define(Tool|Prompt)\(/.test(l) && l.trimEnd().endsWith('{'));
  if (open === -1) return text;
  lines.splice(open + 1, 0, line);
  return lines.join('\n');
}

async function applyOp(project: Project, op: Op): Promise<'spec' | 'user' | 'generate' | 'none'> {
  const { model, files } = project;
  const toolNames = [...model.tools.keys()];
  const handlers = [...files.keys()].filter((p) => /^src\/tools\/[^/]+\.ts$/.test(p));
  const handler = at(handlers, 'pick' in op ? op.pick : 0);
  const tool = at(toolNames, 'pick' in op ? op.pick : 0);
  const id = ++marker;
  switch (op.op) {
    case 'addTool': {
      const name = NAMES.find((n) => !model.tools.has(n));
      if (!name) return 'none';
      model.tools.set(name, { props: [{ name: 'text', type: 'string', required: false }], output: op.output });
      return 'spec';
    }
    case 'removeTool':
      if (!tool || model.tools.size <= 1) return 'none';
      model.tools.delete(tool);
      return 'spec';
    case 'renameTool': {
      const to = at(NAMES.filter((n) => !model.tools.has(n) && !files.has(`src/tools/${n}.ts`)), op.to);
      if (!tool || !to) return 'none';
      model.tools.set(to, model.tools.get(tool)!);
      model.tools.delete(tool);
      model.renames.push({ from: tool, to });
      return 'spec';
    }
    case 'addProp': {
      const t = tool === undefined ? undefined : model.tools.get(tool);
      const prop = at(PROPS.filter((p) => !t?.props.some((q) => q.name === p)), op.prop);
      if (!t || !prop) return 'none';
      t.props.push({ name: prop, type: op.type, required: false });
      return 'spec';
    }
    case 'makeRequired': {
      const p = tool && at(model.tools.get(tool)!.props, op.pick);
      if (!p || p.required) return 'none';
      p.required = true;
      return 'spec';
    }
    case 'changeType': {
      const p = tool && at(model.tools.get(tool)!.props, op.pick);
      if (!p) return 'none';
      p.type = op.type;
      return 'spec';
    }
    case 'toggleOutput':
      if (!tool) return 'none';
      model.tools.get(tool)!.output = !model.tools.get(tool)!.output;
      return 'spec';
    case 'toggleTemplate':
      model.template = model.template === 'items://{id}' ? 'items://{folder}/{id}' : 'items://{id}';
      return 'spec';
    case 'userHelper':
      if (!handler) return 'none';
      files.set(handler, `${files.get(handler)!}\n// user line ${id}: a helper\nexport function helper${id}(): number {\n  return ${id}; // user line ${id}\n}\n`);
      return 'user';
    case 'userImport':
      if (!handler) return 'none';
      files.set(handler, `import { join as join${id} } from 'node:path'; // user line ${id}\n${files.get(handler)!}`);
      return 'user';
    case 'userComment':
      if (!handler) return 'none';
      files.set(handler, intoBody(files.get(handler)!, `  // user line ${id}: why this works`));
      return 'user';
    case 'userBodyLine':
      if (!handler) return 'none';
      files.set(handler, intoBody(files.get(handler)!, `  ctx.log.debug({ size: JSON.stringify(input).length }, 'user line ${id}');`));
      return 'user';
    case 'userAnnotate': {
      if (!handler) return 'none';
      const text = files.get(handler)!;
      const name = /define(?:Tool)\((['"])(.+?)\1/.exec(text)?.[2];
      if (!name || !model.tools.has(name) || !/async \(input, ctx\) =>/.test(text)) return 'none';
      const p = pascalCase(name);
      const returns = model.tools.get(name)!.output ? `: Promise<${p}Output>` : '';
      const types = model.tools.get(name)!.output ? `${p}Input, ${p}Output` : `${p}Input`;
      files.set(handler, `import type { ${types} } from '../generated/types/${name}.js';\nimport type { Context } from '../generated/registry.js';\n${text.replace('async (input, ctx) =>', `async (input: ${p}Input, ctx: Context)${returns} =>`)}`);
      return 'user';
    }
    case 'userUseType': {
      if (!handler) return 'none';
      const text = files.get(handler)!;
      const name = /defineTool\((['"])(.+?)\1/.exec(text)?.[2];
      if (!name || !model.tools.get(name)?.output) return 'none';
      const p = pascalCase(name);
      files.set(handler, intoBody(`import type { ${p}Output as Out${id} } from '../generated/types/${name}.js';\n${text}`, `  const last${id}: Out${id} | undefined = undefined; // user line ${id}\n  void last${id};`));
      return 'user';
    }
    case 'userReformat':
      if (!handler) return 'none';
      files.set(handler, await format(files.get(handler)!, { parser: 'typescript', printWidth: 60, singleQuote: false, tabWidth: 4 }));
      return 'user';
    case 'userMoveRenamed': {
      const rename = at(model.renames.filter((r) => files.has(`src/tools/${r.from}.ts`) && model.tools.has(r.to)), op.pick);
      if (!rename) return 'none';
      files.set(`src/tools/${rename.to}.ts`, files.get(`src/tools/${rename.from}.ts`)!);
      files.delete(`src/tools/${rename.from}.ts`);
      model.renames = model.renames.filter((r) => r !== rename);
      return 'user';
    }
    case 'userDeleteRetired': {
      const retired = at(handlers.filter((p) => !model.tools.has(p.slice('src/tools/'.length, -3))), op.pick);
      if (!retired) return 'none';
      files.delete(retired);
      return 'user';
    }
    case 'generate':
      return 'generate';
  }
}

/** Every line that carries a user marker, per file. */
function userLines(files: Map<string, string>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [path, text] of files) if (/^src\/(tools|resources|prompts)\//.test(path)) out.set(path, text.split('\n').filter((l) => /user line \d+/.test(l)));
  return out;
}

let initial: Project;
let checker: ProjectTypeChecker;
const applied: Record<string, number> = {};
const stats = { sequences: 0, generations: 0, conflicts: 0, unresolved: 0, updates: 0, typeChecks: 0, generateMs: 0, typeCheckMs: 0 };

/**
 * Runs generate; on a conflict checks that it is reported and (as the user would) backs out the
 * spec edit. Returns false when the conflict stays after that: the user's own edits since the last
 * generation (e.g. moving a handler that uses another tool's types) need a hand fix, which is
 * reported and leaves every file as it was — the sequence ends there.
 */
async function regenerate(project: Project, previousModel: Model | undefined, movedByUser: ReadonlySet<string> = new Set()): Promise<boolean> {
  const started = performance.now();
  const plan = await generate(project);
  stats.generateMs += Math.round(performance.now() - started);
  stats.generations++;
  // Generated files: src/generated/ and the generated contract tests (test/tools.contract.test.ts).
  for (const path of [...plan.write.keys(), ...plan.remove]) expect(path.startsWith('src/generated/') || path === 'test/tools.contract.test.ts', path).toBe(true);
  for (const path of [...plan.create.keys(), ...plan.update.keys()]) expect(path, 'user-owned writes').toMatch(/^src\/(tools|resources|prompts)\/[^/]+\.ts$|^src\/db\/schema\.ts$/);
  if (plan.conflicts.length > 0) {
    stats.conflicts++;
    for (const c of plan.conflicts) expect(c.expected).toMatch(/export default define(Tool|Resource|Prompt)\(/);
    // The conflict must be one a user can see coming: a generated type their code uses went away.
    for (const c of plan.conflicts) expect(c.found).toMatch(/no longer generates|no longer generated/);
    if (!previousModel) {
      // No spec edit to back out: the conflict must come from the user's own edit since the last
      // generation — a handler moved over a renamed tool's file that uses a type the new tool
      // does not have (e.g. its output type, after its output was removed). Nothing is written.
      for (const c of plan.conflicts) expect(movedByUser.has(c.path), `a conflict in ${c.path} that no spec or user edit explains`).toBe(true);
      stats.unresolved++;
      return false;
    }
    project.model = previousModel!;
    const retry = await generate(project);
    if (retry.conflicts.length > 0) {
      for (const c of retry.conflicts) expect(c.found).toMatch(/no longer generates|no longer generated/);
      stats.unresolved++;
      return false;
    }
    apply(project, retry);
    return true;
  }
  const before = userLines(project.files);
  apply(project, plan);
  stats.updates += plan.update.size;
  const after = userLines(project.files);
  for (const [path, lines] of before) expect(after.get(path), `user lines of ${path}`).toEqual(lines);
  return true;
}

/** Projects at the end of each sequence, type-checked in batches (one program checks many). */
const finished: Array<{ ops: Op[]; files: Map<string, string> }> = [];

function typeCheckBatch(batch: Array<{ ops: Op[]; files: Map<string, string> }>, offset: number): void {
  const files = new Map<string, string>();
  batch.forEach((project, i) => {
    for (const [path, text] of project.files) if (path.endsWith('.ts')) files.set(`seq-${offset + i}/${path}`, text);
  });
  checker.setFiles(files);
  const started = performance.now();
  const errors = checker.check();
  stats.typeCheckMs += Math.round(performance.now() - started);
  stats.typeChecks += batch.length;
  if (errors.length > 0) {
    const seq = Number(/^seq-(\d+)\//.exec(errors[0]!)?.[1]);
    const culprit = finished[seq];
    expect(errors, culprit ? `after the sequence ${JSON.stringify(culprit.ops)}` : 'type errors').toEqual([]);
  }
}

const cloneModel = (m: Model): Model => ({ tools: new Map([...m.tools].map(([k, v]) => [k, { props: v.props.map((p) => ({ ...p })), output: v.output }])), template: m.template, renames: [...m.renames] });

describe('regeneration never loses user code', () => {
  beforeAll(async () => {
    const model: Model = {
      tools: new Map([
        ['alpha', { props: [{ name: 'text', type: 'string', required: true }], output: false }],
        ['beta', { props: [{ name: 'count', type: 'integer', required: false }], output: true }],
      ]),
      template: 'items://{id}',
      renames: [],
    };
    initial = { model, files: new Map() };
    apply(initial, await generate(initial));
    // The resource handler reads a template variable that every template variant has.
    initial.files.set('src/resources/item.ts', "import { defineResource } from '../generated/registry.js';\n\nexport default defineResource('item', {\n  read: async (params) => `item ${params.id}`, // user line 0\n});\n");
    apply(initial, await generate(initial));
    checker = new ProjectTypeChecker(ROOT);
    typeCheckBatch([{ ops: [], files: initial.files }], 0);
  });

  it(`holds for ${RUNS} random sequences of spec and user edits`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 8 }), async (ops) => {
        stats.sequences++;
        const project: Project = { model: cloneModel(initial.model), files: new Map(initial.files), cache: initial.cache };
        let lastGood = cloneModel(project.model);
        let specEdited = false;
        let moved = new Set<string>();
        for (const op of ops) {
          const before = cloneModel(project.model);
          const filesBefore = new Map(project.files);
          const kind = await applyOp(project, op);
          if (op.op === 'userMoveRenamed') for (const [path, text] of project.files) if (filesBefore.get(path) !== text) moved.add(path);
          if (kind !== 'none') applied[op.op] = (applied[op.op] ?? 0) + 1;
          if (kind === 'spec') specEdited = true;
          if (kind === 'generate' || kind === 'spec') {
            if (!(await regenerate(project, specEdited ? (kind === 'spec' ? before : lastGood) : undefined, moved))) return;
            lastGood = cloneModel(project.model);
            specEdited = false;
            moved = new Set();
          }
        }
        if (!(await regenerate(project, specEdited ? lastGood : undefined, moved))) return;
        finished.push({ ops, files: project.files });
      }),
      // FC_SEED/FC_PATH replay a failure that a CI log printed.
      { numRuns: RUNS, endOnFailure: true, ...(process.env.FC_SEED ? { seed: Number(process.env.FC_SEED), path: process.env.FC_PATH } : {}) },
    );
    // Types at the end of every sequence: 100 projects per program, so the SDK's and the
    // runtime's types are checked once per batch instead of once per sequence.
    for (let i = 0; i < finished.length; i += 100) typeCheckBatch(finished.slice(i, i + 100), i);
    console.log(`property: ${JSON.stringify(stats)}\napplied: ${JSON.stringify(applied)}`);
    // The generator must have been exercised, not only skipped through.
    expect(stats.updates).toBeGreaterThan(0);
    expect(stats.conflicts).toBeGreaterThan(0);
    console.log(`property: ${JSON.stringify(stats)}`);
  }, 600_000);
});
