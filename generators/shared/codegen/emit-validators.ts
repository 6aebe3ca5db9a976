import { createRequire } from 'node:module';
import type { AnyValidateFunction } from 'ajv/dist/types/index.js';
import { ajvLibrary, type AnyAjv } from '../ajv.js';
import type { LoadedSchema } from '../spec/types.js';
import { schemaForAjv } from './proto-properties.js';

// CommonJS, so `require`d (see ../ajv.ts); on first use, as ajv itself.
type ScopeModule = typeof import('ajv/dist/compile/codegen/scope.js');
let scopeModule: ScopeModule | undefined;
const valueScope = (): ScopeModule['ValueScope'] => (scopeModule ??= createRequire(import.meta.url)('ajv/dist/compile/codegen/scope.js') as ScopeModule).ValueScope;

/** File-name suffixes of the validator modules (paths in naming.ts): each has a pattern in VALIDATOR_MODULES_DTS. */
export const VALIDATOR_SUFFIXES = ['input', 'output', 'data', 'args'] as const;

/**
 * The types of every validator module (`src/generated/validator-modules.d.ts`), one ambient
 * declaration per file-name pattern instead of a `.d.ts` beside each module (~1,900 identical
 * files in the GitHub import, each one more file to write, stat and parse). TypeScript falls back
 * to a pattern only for an import that resolves to no TypeScript file, and the validators'
 * JavaScript is outside the program (no allowJs), so the patterns never shadow a real module.
 */
export const VALIDATOR_MODULES_DTS =
  '// The validator modules in ./validators/ are JavaScript (ajv standalone) that tsc does not read:\n// these declarations type them by file name.\n' +
  VALIDATOR_SUFFIXES.map(
    (suffix) =>
      `declare module '*.${suffix}.js' {\n  import type { CompiledValidator } from '@mcpforge/runtime';\n\n  const validate: CompiledValidator;\n  export default validate;\n}\n`,
  ).join('\n');

/**
 * ajv standalone emits `require("ajv/dist/runtime/...")` and `require("ajv-formats/...")` even in
 * ESM mode; this gives the module a `require` that resolves from the validator's own location
 * (the generated project's node_modules).
 */
const REQUIRE_SHIM = "import { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\n";

/** ajv's standalone ES module for a function it compiled (with `code.source`), `require` shim included when used. */
export function standaloneModule(ajv: AnyAjv, validate: AnyValidateFunction): string {
  const code = ajvLibrary().standaloneCode(ajv, validate).replace(/^"use strict";/, '');
  return (code.includes('require(') ? REQUIRE_SHIM : '') + code.trim() + '\n';
}

/**
 * Compiles schemas to standalone ESM validator modules with ONE Ajv instance per draft for the
 * whole run: building an instance costs more than compiling a schema (~10x, measured when this was written).
 *
 * A module must not depend on what was compiled before it (the generation cache reuses one
 * entry's validators next to freshly compiled ones, and `check` compares with a full run), but
 * ajv numbers its code names (`validate20`, `pattern4`) and orders shared constants per instance.
 * So each compile gets a fresh name scope; the instance (formats, meta-schemas) is kept.
 */
export class ValidatorCompiler {
  /** Shared by every compiler of the process: each compile starts from a fresh scope anyway. */
  private static readonly instances = new Map<LoadedSchema['draft'], AnyAjv>();
  /**
   * Module source by draft + schema, for this compiler's run: a compile depends on nothing but
   * those (fresh scope each time), and large APIs repeat schemas a lot (GitHub: 1,924 validators,
   * 1,094 distinct).
   */
  private readonly compiled = new Map<string, string>();
  /**
   * The compiled functions behind those modules, for this run: the contract cases check their
   * sample inputs with them instead of compiling every schema a second time.
   */
  private readonly functions = new Map<string, AnyValidateFunction>();

  /** What a compile depends on (equal keys, equal modules). */
  static keyOf(loaded: Pick<LoadedSchema, 'schema' | 'draft'>): string {
    // `$id`s are dropped: two tools may share one, and the instance would refuse the second.
    const { $id: _id, ...schema } = loaded.schema;
    return `${loaded.draft}\0${JSON.stringify(schema)}`;
  }

  /** Module source (without header) of a validator for `loaded`. */
  compile(loaded: Pick<LoadedSchema, 'schema' | 'draft'>): string {
    const key = ValidatorCompiler.keyOf(loaded);
    let code = this.compiled.get(key);
    if (code === undefined) {
      const { $id: _id, ...schema } = loaded.schema;
      code = this.compileFresh(key, loaded.draft, schema);
      this.compiled.set(key, code);
    }
    return code;
  }

  /** Records a module compiled elsewhere (a worker thread) for the schema of `key`. */
  add(key: string, code: string): void {
    this.compiled.set(key, code);
  }

  /** The function compiled for `loaded` in this run (undefined: not compiled here, or reused). */
  functionFor(loaded: Pick<LoadedSchema, 'schema' | 'draft'>): AnyValidateFunction | undefined {
    return this.functions.get(ValidatorCompiler.keyOf(loaded));
  }

  private compileFresh(key: string, draft: LoadedSchema['draft'], schema: Record<string, unknown>): string {
    const ajv = this.ajv(draft);
    resetScope(ajv);
    const compiled = schemaForAjv(schema, key);
    const validate = ajv.compile(compiled);
    this.functions.set(key, validate);
    const code = standaloneModule(ajv, validate);
    ajv.removeSchema(compiled); // do not keep every compiled schema of a long-lived process
    return code;
  }

  private ajv(draft: LoadedSchema['draft']): AnyAjv {
    let ajv = ValidatorCompiler.instances.get(draft);
    if (!ajv) {
      // Same options as the runtime expects: all errors (one answer lists every problem), strict
      // off (user schemas carry annotations ajv does not know), own properties only (§9).
      // No meta-validation here: every schema generation sees was checked against the same
      // draft's meta-schema by the spec loader (spec/check-schema.ts), so ajv's own check on
      // compile repeated it (~15% of the compile time of the GitHub import's 1,066 validators;
      // the emitted code is the same byte for byte).
      // No code optimiser: its pass recomputes every code node's names from its children's
      // (quadratic in nesting), a third of the compile time (GitHub's 1,066 validators in one
      // thread: 1.32 → 0.85 s), to drop unused variables and constant branches from modules that
      // nobody reads (unformatted ajv output, outside the project's TypeScript program) and that
      // V8 optimises alike: ~11% more bytes, the same validation (bench/README.md, round eleven).
      const options = { code: { source: true, esm: true, optimize: false }, allErrors: true, strict: false, ownProperties: true, addUsedSchema: false, logger: false, validateSchema: false } as const;
      const { Ajv, Ajv2020, addFormats } = ajvLibrary();
      ajv = draft === 'draft-07' ? new Ajv(options) : new Ajv2020(options);
      addFormats(ajv);
      // The first compile also compiles the meta-schema into the scope: do it before any reset.
      ajv.compile({ type: 'object' });
      ValidatorCompiler.instances.set(draft, ajv);
    }
    return ajv;
  }
}

/** Gives the instance a new, empty code-name scope (same options as ajv's constructor uses). */
function resetScope(ajv: AnyAjv): void {
  const internal = ajv as unknown as { scope: unknown; opts: { code: { es5?: boolean; lines?: boolean } } };
  const prefixes = (internal.scope as { _prefixes?: Set<string> })._prefixes;
  internal.scope = new (valueScope())({ scope: {}, prefixes, es5: internal.opts.code.es5, lines: internal.opts.code.lines });
}
