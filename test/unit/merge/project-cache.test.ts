import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CACHE_FILE, commitPlan, planProject } from '../../../generators/generate/project.js';
import type { CacheRecord } from '../../../generators/shared/merge/sync.js';
import { sha256 } from '../../../generators/shared/codegen/content-hash.js';
import { TOOLKIT_ROOT } from '../../helpers/toolkit.js';
import { fileSystemClockMoves as waitForClock } from './file-system-clock.js';

const ROOT = join(TOOLKIT_ROOT, '.tmp', 'unit-project-cache');
const SPEC = join(ROOT, 'mcpforge.yaml');
const TOOL = (name: string, type: string) => `  ${name}:\n    description: ${name}.\n    input: { type: object, properties: { x: { type: ${type} } } }\n`;

async function generate(tools: string): Promise<void> {
  writeFileSync(SPEC, `name: t\ntools:\n${tools}`);
  const outcome = await planProject({ specPath: SPEC });
  if (outcome.upToDate) throw new Error('expected a plan');
  await commitPlan(ROOT, outcome.plan);
}

const fileSystemClockMoves = () => waitForClock(ROOT);

describe('the no-op check of generate', () => {
  it('trusts recorded stat data, yet sees a hand edit that keeps the size and the mtime', async () => {
    rmSync(ROOT, { recursive: true, force: true });
    mkdirSync(ROOT, { recursive: true });
    await generate(TOOL('a', 'string') + TOOL('b', 'string'));
    await fileSystemClockMoves();
    await generate(TOOL('a', 'string') + TOOL('b', 'boolean')); // records stat data (.mcpforge/ exists now)
    const cache = JSON.parse(readFileSync(join(ROOT, CACHE_FILE), 'utf8')) as CacheRecord;
    expect(cache.statClock).toBeTypeOf('number');
    const target = 'src/generated/types/a.ts'; // not rewritten by the second run: its stat data are trusted
    expect(cache.stats?.[target]?.[2]).toBeLessThan(cache.statClock!);
    expect((await planProject({ specPath: SPEC })).upToDate).toBe(true);
    // What the cached runs left on disk is what a run without the cache writes.
    const fresh = await planProject({ specPath: SPEC, useCache: false });
    if (fresh.upToDate) throw new Error('expected a plan');
    expect([fresh.plan.write.size, fresh.plan.create.size, fresh.plan.update.size, fresh.plan.remove.length]).toEqual([0, 0, 0, 0]);
    expect(fresh.plan.emitted).toBe(2);
    // Trusted means not read: a wrong recorded hash goes unnoticed while the stat data match.
    writeFileSync(join(ROOT, CACHE_FILE), JSON.stringify({ ...cache, generated: { ...cache.generated, [target]: '0'.repeat(64) } }));
    expect((await planProject({ specPath: SPEC })).upToDate).toBe(true);

    const full = join(ROOT, target);
    const text = readFileSync(full, 'utf8');
    const edited = text.replace('x?: string', 'y?: string');
    expect(edited).not.toBe(text);
    expect(edited.length).toBe(text.length);
    writeFileSync(full, edited);
    const now = statSync(full);
    const recordAs = (stat: number[]) => writeFileSync(join(ROOT, CACHE_FILE), JSON.stringify({ ...cache, stats: { ...cache.stats, [target]: stat } }));
    const rewritten = async () => {
      const outcome = await planProject({ specPath: SPEC });
      expect(outcome.upToDate).toBe(false);
      if (outcome.upToDate) return;
      expect([...outcome.plan.write.keys()]).toEqual([target]);
      expect(outcome.plan.write.get(target)).toBe(text);
    };
    // An edit that kept size and mtime (mtimes can be set back): the ctime still moved.
    recordAs([now.size, now.mtimeMs, cache.stats![target]![2]!, now.ino]);
    await rewritten();
    // Stat data taken after the edit, as if it happened while that generation ran: a ctime at or
    // after the clock taken when generation started is never trusted, the file is hashed.
    recordAs([now.size, now.mtimeMs, now.ctimeMs, now.ino]);
    expect(now.ctimeMs).toBeGreaterThanOrEqual(cache.statClock!);
    await rewritten();
  });
});

describe('a regeneration reading the project', () => {
  it('takes the text of an unchanged file from an identical one read before, yet sees a hand edit of one of them', async () => {
    rmSync(ROOT, { recursive: true, force: true });
    mkdirSync(ROOT, { recursive: true });
    const tools = (type: string) => TOOL('a', 'string') + TOOL('b', 'string') + TOOL('c', type);
    await generate(tools('string'));
    await fileSystemClockMoves();
    await generate(tools('boolean')); // records stat data
    await fileSystemClockMoves();
    // a and b take the same input, so their validator modules are one text: b's is edited by
    // hand (same size), a's is not.
    const validator = (name: string) => join(ROOT, `src/generated/validators/${name}.input.js`);
    const text = readFileSync(validator('b'), 'utf8');
    expect(readFileSync(validator('a'), 'utf8')).toBe(text);
    const edited = text.replace('export', 'exxort');
    expect(edited.length).toBe(text.length);
    writeFileSync(validator('b'), edited);

    writeFileSync(SPEC, `name: t\ntools:\n${tools('integer')}`);
    const outcome = await planProject({ specPath: SPEC });
    if (outcome.upToDate) throw new Error('expected a plan');
    expect(outcome.plan.write.get('src/generated/validators/b.input.js')).toBe(text);
    expect(outcome.plan.write.has('src/generated/validators/a.input.js')).toBe(false);
    await commitPlan(ROOT, outcome.plan);

    // The recorded stat data are those of the files as committed (the unwritten ones keep the
    // stat data they had when read), so the next check trusts them all and is a no-op.
    const cache = JSON.parse(readFileSync(join(ROOT, CACHE_FILE), 'utf8')) as CacheRecord;
    for (const path of [...Object.keys(cache.generated), ...Object.keys(cache.user)]) {
      const stat = statSync(join(ROOT, path));
      expect(cache.stats?.[path], path).toEqual([stat.size, stat.mtimeMs, stat.ctimeMs, stat.ino]);
      // The hashes of files taken as unchanged come from the record, not from hashing them: they
      // must still be those of the bytes on disk (the hand-edited one's included).
      expect({ ...cache.generated, ...cache.user }[path], path).toBe(sha256(readFileSync(join(ROOT, path), 'utf8')));
    }
    expect((await planProject({ specPath: SPEC })).upToDate).toBe(true);
  });
});
