/**
 * One naming function for every emitter: for any set of entry names the spec accepts (digits
 * before lowercase letters, casing, reserved words, `__proto__`, punctuation, near-collisions)
 * and titled sub-schemas that try to take a root's name, the registry imports exactly the names
 * the type modules export, and the project type-checks. A set that cannot be named distinctly is
 * refused with an error naming both entries, never a broken project.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateProject, pascalCase } from '../../generators/shared/codegen/index.js';
import { SpecError, SpecErrors, loadSpec } from '../../generators/shared/spec/index.js';
import { ProjectTypeChecker } from '../helpers/typecheck.js';
import { TOOLKIT_ROOT } from '../helpers/toolkit.js';

const require = createRequire(import.meta.url);
/** json-schema-to-typescript's own naming, which renames every title we give it. */
const { toSafeString } = require('json-schema-to-typescript/dist/src/utils.js') as { toSafeString: (s: string) => string };

const ROOT = join(TOOLKIT_ROOT, '.tmp', 'type-names-property');
const checker = new ProjectTypeChecker(ROOT);

const part = fc.oneof(
  fc.constantFrom('mt4', 'username', 'v2beta', '3d', 'class', 'default', 'constructor', '__proto__', 'Input', 'output', 'get', 'GET', 'x', '0', '9a', 'a9', 'Ab', 'aB', 'url', 'URL'),
  fc.stringMatching(/^[a-z0-9]{1,6}$/),
);
const name = fc.tuple(fc.array(part, { minLength: 1, maxLength: 4 }), fc.constantFrom('_', '.', '-', '')).map(([parts, sep]) => parts.join(sep).slice(0, 64)).filter((n) => /^[A-Za-z0-9_.-]{1,64}$/.test(n));

describe('type names', () => {
  it('pascalCase is a fixed point of the type compiler naming', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_.-]{1,64}$/), (n) => {
        const p = pascalCase(n);
        expect(toSafeString(`${p}Input`)).toBe(`${p}Input`);
        expect(p).toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/);
      }),
      { numRuns: 5000 },
    );
  });

  it('registry and types agree and compile, or the spec is refused naming both entries', async () => {
    let compiled = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(name, { minLength: 2, maxLength: 8 }), async (names) => {
        const tools = names.map((n, i) => {
          // A titled sub-schema named like another tool's root type, and one like its own.
          const other = pascalCase(names[(i + 1) % names.length]!);
          const input = `{ type: object, properties: { a: { title: ${JSON.stringify(`${other}Input`)}, type: object, properties: { b: { type: string } } }, c: { title: ${JSON.stringify(`${pascalCase(n)}Output`)}, type: integer } } }`;
          return `  ${JSON.stringify(n)}:\n    description: Tool.\n    input: ${input}\n    output: { type: object, title: ${JSON.stringify(`${other}Output`)}, properties: { d: { type: string } } }`;
        });
        const specPath = join(ROOT, 'mcpforge.yaml');
        const text = ['name: names', 'version: 0.1.0', 'tools:', ...tools, ''].join('\n');
        let generated;
        try {
          const spec = await loadSpec(specPath, { files: new Map([[specPath, text]]) });
          generated = await generateProject(spec);
        } catch (error) {
          const errors = error instanceof SpecErrors ? error.errors : [error];
          for (const e of errors) {
            expect(e).toBeInstanceOf(SpecError);
            expect(String((e as Error).message)).toMatch(/both generate the type name/);
          }
          refused++;
          return;
        }
        const files = new Map([...generated.files, ...generated.userFiles]);
        const registry = files.get('src/generated/registry.ts')!;
        for (const [, imported, from] of registry.matchAll(/import type \{ ([^}]+) \} from '\.\/(types\/[^']+)\.js';/g)) {
          const module = files.get(`src/generated/${from}.ts`)!;
          for (const typeName of imported!.split(', ')) expect(module).toMatch(new RegExp(`^export (?:interface|type) ${typeName}\\b`, 'm'));
        }
        checker.setFiles(files);
        expect(checker.check()).toEqual([]);
        compiled++;
      }),
      { numRuns: 12, seed: 315 },
    );
    process.stdout.write(`type names: ${compiled} projects compiled, ${refused} refused with a naming error\n`);
    expect(compiled).toBeGreaterThan(6);
  }, 600_000);
});
