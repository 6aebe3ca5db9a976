/**
 * Files in the handler folders that are no entry's handler (a renamed tool's old handler, a
 * helper module) are analysed once per text: the analysis is recorded in `.mcpforge/cache.json`
 * (`orphans`) by the hash of the text, so later regenerations do not load ts-morph for them
 * (merge/retired-handlers.ts). The warnings and the output must stay those of a fresh analysis.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { CACHE_FILE, commitPlan, planProject } from '../../../generators/generate/project.js';
import * as analyze from '../../../generators/shared/merge/analyze.js';
import type { CacheRecord, SyncPlan } from '../../../generators/shared/merge/sync.js';
import { TOOLKIT_ROOT } from '../../helpers/toolkit.js';

// The one use of TypeScript's parser (through ts-morph) in a generation: counting its calls shows
// whether a run needed ts-morph at all (the merge of handlers goes through it too).
vi.mock('../../../generators/shared/merge/analyze.js', async (original) => {
  const real = await original<typeof import('../../../generators/shared/merge/analyze.js')>();
  return { ...real, analyzeHandler: vi.fn(real.analyzeHandler) };
});
const analyzed = vi.mocked(analyze.analyzeHandler);

const ROOT = join(TOOLKIT_ROOT, '.tmp', 'unit-retired-handlers');
const SPEC = join(ROOT, 'mcpforge.yaml');
const file = (path: string) => join(ROOT, path);
const TOOL = (name: string, type = 'string') => `  ${name}:\n    description: ${name}.\n    input: { type: object, properties: { x: { type: ${type} } } }\n`;
const HELPER = 'src/tools/shared.ts';

/** Plans with the cache on disk (and, to compare, without it), commits, and says which files were analysed. */
async function generate(tools: string): Promise<{ plan: SyncPlan; fresh: SyncPlan; analysed: string[] }> {
  writeFileSync(SPEC, `name: t\ntools:\n${tools}`);
  const fresh = await planProject({ specPath: SPEC, useCache: false });
  analyzed.mockClear();
  const outcome = await planProject({ specPath: SPEC });
  const analysed = analyzed.mock.calls.map(([path]) => path).sort();
  if (outcome.upToDate || fresh.upToDate) throw new Error('expected a plan');
  await commitPlan(ROOT, outcome.plan);
  return { plan: outcome.plan, fresh: fresh.plan, analysed };
}

/** What a user sees and what is written: the same with the recorded analyses as with fresh ones. */
function expectSameAsFresh({ plan, fresh }: { plan: SyncPlan; fresh: SyncPlan }): void {
  expect(plan.warnings).toEqual(fresh.warnings);
  expect([...plan.write]).toEqual([...fresh.write]);
  expect([...plan.create]).toEqual([...fresh.create]);
  expect([...plan.update]).toEqual([...fresh.update]);
  expect(plan.remove).toEqual(fresh.remove);
  expect(plan.cache.orphans).toEqual(fresh.cache.orphans);
}

beforeEach(async () => {
  rmSync(ROOT, { recursive: true, force: true });
  mkdirSync(file('src/tools'), { recursive: true });
  writeFileSync(file(HELPER), 'export const shared = 1;\n');
  await generate(TOOL('alpha') + TOOL('beta'));
});

describe('the old handler of a renamed tool', () => {
  it('is analysed once: later regenerations take the recorded analysis, with the same warning and output', async () => {
    const renamed = await generate(TOOL('alpha') + TOOL('gamma'));
    // The helper module was analysed by the first generation already: it is not a handler.
    expect(renamed.analysed).toEqual(['src/tools/beta.ts']);
    expect(renamed.plan.warnings.join('\n')).toContain('src/tools/beta.ts: tool "beta" is not in mcpforge.yaml, so it is not served any more');
    expectSameAsFresh(renamed);

    // A later change elsewhere: nothing in the handler folders is parsed (no ts-morph), and the
    // user still gets the warning about the old handler.
    const later = await generate(TOOL('alpha', 'integer') + TOOL('gamma'));
    expect(later.analysed).toEqual([]);
    expect(later.plan.warnings.join('\n')).toContain('src/tools/beta.ts: tool "beta" is not in mcpforge.yaml, so it is not served any more');
    expect(later.plan.write.has('src/generated/types/alpha.ts')).toBe(true);
    expectSameAsFresh(later);
    expect(readFileSync(file('src/generated/types/beta.ts'), 'utf8')).toContain('export type BetaInput = any;');
  });

  it('is analysed again once edited, and what the new text imports is kept compiling', async () => {
    await generate(TOOL('alpha') + TOOL('gamma'));
    const old = readFileSync(file('src/tools/beta.ts'), 'utf8');
    writeFileSync(file('src/tools/beta.ts'), `import type { BetaExtra } from '../generated/types/beta.js';\n${old}export type Kept = BetaExtra;\n`);
    const edited = await generate(TOOL('alpha', 'integer') + TOOL('gamma'));
    expect(edited.analysed).toEqual(['src/tools/beta.ts']);
    expect(readFileSync(file('src/generated/types/beta.ts'), 'utf8')).toContain('export type BetaExtra = any;');
    expectSameAsFresh(edited);

    // Claiming another name now: the warning follows the new text.
    writeFileSync(file('src/tools/beta.ts'), old.replace("defineTool('beta'", "defineTool('alpha'"));
    const claiming = await generate(TOOL('alpha') + TOOL('gamma'));
    expect(claiming.analysed).toEqual(['src/tools/beta.ts']);
    expect(claiming.plan.warnings).toContain('src/tools/beta.ts defines tool "alpha", whose handler is src/tools/alpha.ts: this file is not served.');
    expect(claiming.plan.warnings.join('\n')).not.toContain('tool "beta" is not in');
    expectSameAsFresh(claiming);
  });

  it('takes the analysis recorded by this generator only', async () => {
    await generate(TOOL('alpha') + TOOL('gamma'));
    const cache = JSON.parse(readFileSync(file(CACHE_FILE), 'utf8')) as CacheRecord;
    expect(cache.orphans?.['src/tools/beta.ts']).toMatchObject({ name: 'beta' });
    expect(cache.orphans?.[HELPER]).not.toHaveProperty('name');
    // Used, not re-analysed: a record with the same hash but another name wins (never happens on
    // its own; shows the analysis is skipped).
    const tampered = structuredClone(cache);
    tampered.orphans!['src/tools/beta.ts']!.name = 'delta';
    writeFileSync(file(CACHE_FILE), JSON.stringify(tampered));
    const recorded = await generate(TOOL('alpha', 'integer') + TOOL('gamma'));
    expect(recorded.analysed).toEqual([]);
    expect(recorded.plan.warnings.join('\n')).toContain('tool "delta" is not in mcpforge.yaml');
    // Written by another generator: analysed again.
    writeFileSync(file(CACHE_FILE), JSON.stringify({ ...tampered, fingerprint: 'another generator' }));
    const other = await generate(TOOL('alpha') + TOOL('gamma'));
    expect(other.analysed).toEqual(expect.arrayContaining([HELPER, 'src/tools/beta.ts']));
    expect(other.plan.warnings.join('\n')).toContain('tool "beta" is not in mcpforge.yaml');
    expectSameAsFresh(other);
  });

  it('is still warned about when nothing changed: the up-to-date answer repeats the last plan\'s warnings', async () => {
    const renamed = await generate(TOOL('alpha') + TOOL('gamma'));
    const noop = await planProject({ specPath: SPEC });
    if (!noop.upToDate) throw new Error('expected the project to be up to date');
    expect(noop.warnings).toEqual(renamed.plan.warnings);
    expect(noop.warnings.join('\n')).toContain('src/tools/beta.ts: tool "beta" is not in mcpforge.yaml, so it is not served any more');

    // Deleting the file ends it: a plan (the loose registry entry goes), then no warning.
    rmSync(file('src/tools/beta.ts'));
    const cleared = await planProject({ specPath: SPEC });
    if (cleared.upToDate) throw new Error('expected a plan after the old handler was deleted');
    expect(cleared.plan.warnings.join('\n')).not.toContain('tool "beta"');
    await commitPlan(ROOT, cleared.plan);
    const quiet = await planProject({ specPath: SPEC });
    expect(quiet).toMatchObject({ upToDate: true, warnings: [] });
  });
});
