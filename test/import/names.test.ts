/**
 * Operation ids that used to give the registry and the types two spellings of one name
 * (`Mt4usernameInput` vs `Mt4UsernameInput`: a digit before lowercase letters), reserved words
 * and `__proto__` import into a project that type-checks.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProjectTypeChecker } from '../helpers/typecheck.js';
import { TOOLKIT_ROOT } from '../helpers/toolkit.js';
import { importInMemory } from './import-project.js';

const ROOT = join(TOOLKIT_ROOT, '.tmp', 'import-names');
const IDS = ['getMt4username', 'get_v2beta_items', 'class', '3dRender', '__proto__', 'constructor', 'list-2fa-keys', 'Ünïcode_op', 'get mt4 username'];

describe('import openapi: generated names', () => {
  it('agree between registry, types and handlers, and compile', async () => {
    const paths = Object.fromEntries(
      IDS.map((id, i) => [
        `/r${i}/{id}`,
        {
          get: {
            operationId: id,
            parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
            responses: { '200': { description: 'ok', content: { 'application/json': { schema: { type: 'object', properties: { v2beta: { type: 'string' } } } } } } },
          },
        },
      ]),
    );
    const doc = JSON.stringify({ openapi: '3.0.3', info: { title: 'Names', version: '1' }, paths });
    const imported = await importInMemory(join(ROOT, 'project'), doc);
    expect(imported.conflicts).toEqual([]);
    expect(imported.report.tools.map((t) => t.name)).toEqual(['getMt4username', 'get_v2beta_items', 'class', '3dRender', 'proto', 'constructor', 'list_2fa_keys', 'n_code_op', 'get_mt4_username_2']);
    expect(imported.files.get('src/generated/registry.ts')).toContain('GetMt4UsernameInput');
    const checker = new ProjectTypeChecker(join(ROOT, 'project'));
    checker.setFiles(imported.files);
    expect(checker.check()).toEqual([]);
  }, 300_000);
});
