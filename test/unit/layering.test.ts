/**
 * The runtime's layering: no import cycles inside runtime/src (type-only imports included), and
 * the leaf `core/` imports nothing from the runtime but the contract types. Checked with madge,
 * the same check `npm run check:cycles` prints.
 */
import { fileURLToPath } from 'node:url';
import madge from 'madge';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../runtime/', import.meta.url));

async function graph() {
  return madge(`${root}src`, {
    fileExtensions: ['ts'],
    tsConfig: `${root}tsconfig.json`,
    excludeRegExp: [/\.test\.ts$/, /__fixtures__/],
    detectiveOptions: { ts: { skipTypeImports: false } },
  });
}

describe('runtime layering', () => {
  it('has no import cycles', async () => {
    const result = await graph();
    expect(Object.keys(result.obj()).length).toBeGreaterThan(50);
    expect(result.circular()).toEqual([]);
  });

  it('keeps core/ a leaf: it imports only other core modules and the contract types', async () => {
    const deps = (await graph()).obj();
    const core = Object.entries(deps).filter(([file]) => file.startsWith('core/'));
    expect(core.length).toBeGreaterThan(0);
    for (const [file, imports] of core) {
      for (const imported of imports) expect(imported.startsWith('core/') || imported === 'server/contract.ts' || imported === 'server/interaction.ts', `${file} imports ${imported}`).toBe(true);
    }
  });
});
