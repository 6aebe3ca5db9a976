import { Ajv, Ajv2020, addFormats, standaloneCode, type AnyAjv } from '../ajv.js';
import type { LoadedSchema } from '../spec/types.js';

/** The `.d.ts` next to every validator: the runtime's validator type, nothing schema-specific. */
export const VALIDATOR_DTS =
  "import type { CompiledValidator } from '@mcpforge/runtime';\n\ndeclare const validate: CompiledValidator;\nexport default validate;\n";

/**
 * ajv standalone emits `require("ajv/dist/runtime/...")` and `require("ajv-formats/...")` even in
 * ESM mode; this gives the module a `require` that resolves from the validator's own location
 * (the generated project's node_modules).
 */
const REQUIRE_SHIM = "import { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\n";

/**
 * Compiles schemas to standalone ESM validator modules with ONE Ajv instance per draft for the
 * whole run: building an instance costs more than compiling a schema (DESIGN §9).
 */
export class ValidatorCompiler {
  private readonly instances = new Map<LoadedSchema['draft'], AnyAjv>();

  /** Module source (without header) of a validator for `loaded`. */
  compile(loaded: LoadedSchema): string {
    const ajv = this.ajv(loaded.draft);
    // `$id`s are dropped: two tools may share one, and the instance would refuse the second.
    const { $id: _id, ...schema } = loaded.schema;
    const validate = ajv.compile(schema);
    const code = standaloneCode(ajv, validate).replace(/^"use strict";/, '');
    return (code.includes('require(') ? REQUIRE_SHIM : '') + code.trim() + '\n';
  }

  private ajv(draft: LoadedSchema['draft']): AnyAjv {
    let ajv = this.instances.get(draft);
    if (!ajv) {
      // Same options as the runtime expects: all errors (one answer lists every problem), strict
      // off (user schemas carry annotations ajv does not know), own properties only (§9).
      const options = { code: { source: true, esm: true }, allErrors: true, strict: false, ownProperties: true, addUsedSchema: false, logger: false } as const;
      ajv = draft === 'draft-07' ? new Ajv(options) : new Ajv2020(options);
      addFormats(ajv);
      this.instances.set(draft, ajv);
    }
    return ajv;
  }
}
