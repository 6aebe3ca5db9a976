/**
 * The declaration printer that stands in for prettier (generators/shared/codegen/format-declarations.ts)
 * against real descriptions nobody on the project wrote: the GitHub REST API and a sample of the
 * import corpus (bench/lib/corpus-sample.mjs, every 40th directory file and the edge-case
 * documents), imported as the CLI does. Every declaration the printer took during those imports
 * must be byte for byte what prettier prints for it, and the printer must take most of them (else
 * the imports pay prettier again: bench/README.md, round sixteen).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as prettier from 'prettier';
import { describe, expect, it, vi } from 'vitest';
import { corpusSample } from '../../bench/lib/corpus-sample.mjs';
import { PRETTIER_OPTIONS } from '../../generators/shared/codegen/format.js';
import { TOOLKIT_ROOT } from '../helpers/toolkit.js';
import { importInMemory } from './import-project.js';

/** Every declaration offered to the printer, with what it printed (undefined: left to prettier). */
const offered = new Map<string, string | undefined>();
vi.mock('../../generators/shared/codegen/format-declarations.js', async (original) => {
  const real = await original<typeof import('../../generators/shared/codegen/format-declarations.js')>();
  return {
    ...real,
    formatDeclaration: (text: string) => {
      const out = real.formatDeclaration(text);
      offered.set(text, out);
      return out;
    },
  };
});

const ROOT = join(TOOLKIT_ROOT, '.tmp', 'format-corpus');
const github = join(dirname(createRequire(join(TOOLKIT_ROOT, 'package.json')).resolve('@octokit/openapi/package.json')), 'generated', 'api.github.com.json');

async function prettierOf(part: string): Promise<string> {
  return `${(await prettier.format(part, { ...PRETTIER_OPTIONS, parser: 'babel-ts' })).replace(/^\n+/, '').replace(/\n+$/, '')}\n`;
}

/** Checks what was offered since the last call; returns [taken, offered] counts. */
async function checkOffered(label = 'GitHub'): Promise<[number, number]> {
  let taken = 0;
  const mismatches: string[] = [];
  for (const [text, out] of offered) {
    if (out === undefined) continue;
    taken++;
    if (out !== (await prettierOf(text))) mismatches.push(text);
  }
  const total = offered.size;
  offered.clear();
  expect(mismatches.slice(0, 3), label).toEqual([]);
  return [taken, total];
}

describe('the declaration printer on real descriptions', () => {
  it('prints every declaration of the GitHub import it takes as prettier does, and takes at least 99% of them', { timeout: 180_000 }, async () => {
    offered.clear();
    await importInMemory(join(ROOT, 'github'), readFileSync(github, 'utf8'));
    const [taken, total] = await checkOffered();
    expect(total).toBeGreaterThan(1500);
    expect(taken / total).toBeGreaterThan(0.99);
  });

  it('does the same on a sample of the import corpus', { timeout: process.env.MCPFORGE_FORMAT_CORPUS_STEP ? 7_200_000 : 600_000 }, async () => {
    offered.clear();
    let imported = 0;
    let taken = 0;
    let total = 0;
    for (const { file, label } of corpusSample({ step: Number(process.env.MCPFORGE_FORMAT_CORPUS_STEP ?? 40) })) {
      try {
        await importInMemory(join(ROOT, 'corpus'), readFileSync(file, 'utf8'), { skipUnbuildable: true });
        imported++;
      } catch {
        // corpus.test.ts accounts for descriptions that cannot be imported
      }
      // Checked description by description: a difference names its file, and a small step does
      // not hold every declaration of the corpus in memory.
      const [t, n] = await checkOffered(label);
      taken += t;
      total += n;
    }
    expect(imported).toBeGreaterThan(50);
    expect(total).toBeGreaterThan(500);
    expect(taken / total).toBeGreaterThan(0.95);
  });
});
