/**
 * Validation around precompiled ajv validators.
 *
 * The generator emits one ajv standalone validator per schema, so nothing is compiled at start or
 * per request. The SDK asks a `jsonSchemaValidator` provider for a validator when a tool is
 * registered (`fromJsonSchema(schema, provider)`); this provider answers with the precompiled
 * function for that exact schema object (looked up by identity) and formats ajv's errors as
 * "JSON pointer + rule" so the caller can fix the argument.
 */
import { createRequire } from 'node:module';
import type { JsonSchemaType, JsonSchemaValidator, JsonSchemaValidatorResult, StandardSchemaWithJSON, jsonSchemaValidator } from '@modelcontextprotocol/server';
import type { CompiledValidator, JsonSchemaObject } from '../server/contract.js';

type AjvError = NonNullable<CompiledValidator['errors']>[number];

/** Formats one ajv error as `<pointer> <rule>`, naming the offending property where ajv does not. */
export function formatValidationError(error: AjvError): string {
  const pointer = error.instancePath === '' ? '/' : error.instancePath;
  const message = error.message ?? `must pass "${error.keyword}"`;
  const params = error.params ?? {};
  switch (error.keyword) {
    case 'additionalProperties':
      return `${pointer} ${message}: '${String(params.additionalProperty)}'`;
    case 'unevaluatedProperties':
      return `${pointer} ${message}: '${String(params.unevaluatedProperty)}'`;
    case 'enum':
      return `${pointer} ${message}: ${JSON.stringify(params.allowedValues)}`;
    case 'required': {
      // ajv says "must have required property 'x'" at the parent; the pointer of the missing field
      // is what a caller looks for, so both are given.
      const missing = String(params.missingProperty);
      const child = `${error.instancePath}/${missing.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      return `${pointer} ${message} (missing ${child})`;
    }
    default:
      return `${pointer} ${message}`;
  }
}

/** Joins all ajv errors (generated validators use `allErrors`) into one readable line. */
export function formatValidationErrors(errors: CompiledValidator['errors']): string {
  if (!errors || errors.length === 0) return 'value does not match its schema';
  return errors.map(formatValidationError).join('; ');
}

export interface ValidationOutcome<T> {
  valid: boolean;
  value?: T;
  /** `<pointer> <rule>` for each failure; present when `valid` is false. */
  message?: string;
}

/** Runs a compiled validator and returns a formatted message on failure. */
export function validateWith<T = unknown>(validate: CompiledValidator, data: unknown): ValidationOutcome<T> {
  if (validate(data)) return { valid: true, value: data as T };
  return { valid: false, message: formatValidationErrors(validate.errors) };
}

export interface ValidatorProviderOptions {
  /**
   * Called with the schema and the formatted message whenever validation fails (metrics, logs).
   * Kept out of the validator itself so the provider stays a pure lookup.
   */
  onInvalid?: (schema: JsonSchemaObject, message: string) => void;
  /**
   * What to do for a schema with no precompiled validator: `'compile'` compiles it with ajv at run
   * time (tests, hand-written servers), `'error'` (default) throws, because in a generated project
   * it means the generated code is out of date.
   */
  missing?: 'compile' | 'error';
}

/**
 * A `fromJsonSchema` provider that hands out precompiled validators by schema object identity.
 *
 * @example
 * ```ts
 * const provider = createValidatorProvider(new Map([[manifest.tools.add.inputSchema, validateAddInput]]));
 * server.registerTool('add', { inputSchema: fromJsonSchema(manifest.tools.add.inputSchema, provider) }, cb);
 * ```
 */
export function createValidatorProvider(
  validators: ReadonlyMap<object, CompiledValidator>,
  options: ValidatorProviderOptions = {},
): jsonSchemaValidator {
  return {
    getValidator<T>(schema: JsonSchemaType): JsonSchemaValidator<T> {
      let validate = validators.get(schema);
      if (!validate) {
        if (options.missing !== 'compile') {
          throw new Error(
            `No precompiled validator for schema ${describeSchema(schema)}. ` +
              'Run `mcpforge generate` so src/generated/validators matches the manifest.',
          );
        }
        validate = compileValidator(schema as JsonSchemaObject);
      }
      const check = validate;
      const onInvalid = options.onInvalid;
      return (input: unknown): JsonSchemaValidatorResult<T> => {
        if (check(input)) return { valid: true, data: input as T, errorMessage: undefined };
        const errorMessage = formatValidationErrors(check.errors);
        onInvalid?.(schema as JsonSchemaObject, errorMessage);
        return { valid: false, data: undefined, errorMessage };
      };
    },
  };
}

/**
 * A provider whose validators accept everything. The runtime registers `acceptAllSchema` (below),
 * the same answers as `fromJsonSchema(schema, acceptAllProvider)` in one object; this stays as the
 * reference its test compares against.
 */
export const acceptAllProvider: jsonSchemaValidator = {
  getValidator<T>(): JsonSchemaValidator<T> {
    return (input: unknown) => ({ valid: true, data: input as T, errorMessage: undefined });
  },
};

/**
 * What `fromJsonSchema(schema, acceptAllProvider)` gives the SDK — the schema listed as written,
 * every value accepted (the runtime validates itself) — as one small object per schema. Every
 * registered tool holds one in each SDK instance's registration; `fromJsonSchema`'s wrapper, its
 * `~standard` and `jsonSchema` objects and four closures were ~350 bytes a tool (0.35 MiB of a
 * 1,000-tool server's heap, bench/README.md "Peak RSS"). Here they are methods and getters on the
 * prototype: the SDK calls them as methods (`schema['~standard'].validate(value)`,
 * `std.jsonSchema.input(options)`), and accept-all-schema.test.ts beside this file holds the two alike.
 */
class AcceptAllJsonSchema {
  constructor(private readonly schema: JsonSchemaType) {}
  get '~standard'(): this {
    return this;
  }
  get version(): 1 {
    return 1;
  }
  get vendor(): string {
    return 'mcp';
  }
  get jsonSchema(): this {
    return this;
  }
  input(): JsonSchemaType {
    return this.schema;
  }
  output(): JsonSchemaType {
    return this.schema;
  }
  validate(value: unknown): { value: unknown } {
    return { value };
  }
}

/** `fromJsonSchema(schema, acceptAllProvider)`, one object (AcceptAllJsonSchema says why). */
export function acceptAllSchema(schema: JsonSchemaType): StandardSchemaWithJSON {
  return new AcceptAllJsonSchema(schema) as unknown as StandardSchemaWithJSON;
}

function describeSchema(schema: JsonSchemaType): string {
  const s = schema as JsonSchemaObject;
  const label = typeof s.title === 'string' ? s.title : typeof s.$id === 'string' ? s.$id : undefined;
  return label ? `"${label}"` : JSON.stringify(schema).slice(0, 80);
}

// ajv is CommonJS and only needed by the run-time compiler: load it on first use so that servers
// running on precompiled validators never pay for it.
const require = createRequire(import.meta.url);
type AjvInstance = { compile(schema: object): CompiledValidator };
let sharedAjv: AjvInstance | undefined;

export interface CompileOptions {
  /** JSON Schema dialect; the default is draft 2020-12 (what the generator emits). */
  draft?: '2020-12' | '07';
}

/** Options every mcpforge ajv instance uses (also the ones the generator compiles with). */
export const AJV_OPTIONS = {
  allErrors: true,
  strict: false,
  // A property named like an Object.prototype member ("constructor") must not count as present.
  ownProperties: true,
} as const;

/**
 * Compiles a JSON Schema with ajv at run time (draft 2020-12, ajv-formats, `ownProperties`).
 * For tests and fallbacks; generated servers use precompiled validators instead.
 */
export function compileValidator(schema: JsonSchemaObject, options: CompileOptions = {}): CompiledValidator {
  const ajv = options.draft === '07' ? createAjv('07') : (sharedAjv ??= createAjv('2020-12'));
  return ajv.compile(schema);
}

/** Creates an ajv instance configured like the generator's (use it with `ajv/dist/standalone`). */
export function createAjv(draft: '2020-12' | '07' = '2020-12', extra: Record<string, unknown> = {}): AjvInstance {
  const AjvClass = (draft === '07' ? require('ajv').default : require('ajv/dist/2020.js').default) as new (
    opts: object,
  ) => AjvInstance;
  const ajv = new AjvClass({ ...AJV_OPTIONS, ...extra });
  const addFormats = require('ajv-formats') as (a: AjvInstance) => void;
  addFormats(ajv);
  return ajv;
}
