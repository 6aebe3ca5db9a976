/**
 * The cases of a tool's generated contract test, computed at generation time: valid inputs (the
 * schema's `examples`, else sampled) and invalid ones (each required property missing, each
 * top-level property's type violated), each checked here with ajv, configured like the
 * project's validators, so the test never carries a case the schema disagrees with.
 */
import { ajvLibrary, type AnyAjv } from '../ajv.js';
import type { JsonSchemaObject, LoadedSchema, LoadedTool } from '../spec/types.js';
import { declaredExamples, declaredTypes, SAMPLED_FORMATS, sampleValue } from './sample-values.js';
import { schemaForAjv } from './proto-properties.js';

export interface InvalidCase {
  /** JSON pointer of the offending property (what the rejection must name). */
  pointer: string;
  /** Why the input is invalid, in words: `missing` or `string instead of integer`. */
  why: string;
  input: Record<string, unknown>;
}

export interface ToolContractCases {
  name: string;
  /** Valid inputs; empty when none could be built (see `unsampleable`). */
  valid: Array<Record<string, unknown>>;
  /** Where the valid inputs come from. */
  source: 'examples' | 'sampled';
  invalid: InvalidCase[];
  /** Why no valid input could be built (the schema's own problems, as ajv states them). */
  unsampleable?: string;
  /** Calls reach the outside world (`annotations.openWorldHint: true`): off unless enabled. */
  openWorld: boolean;
  hasOutput: boolean;
}

const instances = new Map<LoadedSchema['draft'], AnyAjv>();

function ajvFor(draft: LoadedSchema['draft']): AnyAjv {
  let ajv = instances.get(draft);
  if (!ajv) {
    // The project's validators use these options (emit-validators.ts): same verdicts here.
    const options = { allErrors: true, strict: false, ownProperties: true, addUsedSchema: false, logger: false } as const;
    const { Ajv, Ajv2020, addFormats } = ajvLibrary();
    ajv = draft === 'draft-07' ? new Ajv(options) : new Ajv2020(options);
    addFormats(ajv);
    instances.set(draft, ajv);
  }
  return ajv;
}

type Check = (value: unknown) => { ok: boolean; errors: Array<{ instancePath: string; keyword: string; message?: string; params: Record<string, unknown> }> };

/**
 * A validator already compiled for this schema with the project's options (the generator's own,
 * emit-validators.ts), or undefined.
 */
export type CompiledFor = (loaded: Pick<LoadedSchema, 'schema' | 'draft'>) => ((value: unknown) => unknown) & { errors?: unknown } | undefined;

/** A checker for one schema (compiled once per schema text in this process). */
const compiled = new Map<string, Check>();
function checker(loaded: LoadedSchema, compiledFor?: CompiledFor): Check {
  const { $id: _id, ...schema } = loaded.schema;
  const key = `${loaded.draft}\0${JSON.stringify(schema)}`;
  let check = compiled.get(key);
  if (!check) {
    let validate = compiledFor?.(loaded);
    if (!validate) {
      const ajv = ajvFor(loaded.draft);
      const forAjv = schemaForAjv(schema, key);
      validate = ajv.compile(forAjv);
      ajv.removeSchema(forAjv);
    }
    const run = validate;
    check = (value) => {
      const ok = run(value) as boolean;
      return { ok, errors: ok ? [] : ((run.errors ?? []) as ReturnType<Check>['errors']) };
    };
    compiled.set(key, check);
  }
  return check;
}

/** The contract cases of one tool. Deterministic: same schema, same cases. */
export function toolContractCases(tool: LoadedTool, compiledFor?: CompiledFor): ToolContractCases {
  const trusted = !checksWithAjv(tool.input);
  const check: Check = trusted ? () => ({ ok: true, errors: [] }) : checker(tool.input, compiledFor);
  const schema = tool.input.schema;
  const base = { name: tool.name, openWorld: tool.annotations?.openWorldHint === true, hasOutput: tool.output !== undefined };

  const examples = declaredExamples(schema).filter(isRecord);
  const fromExamples = examples.filter((example) => check(example).ok);
  let valid: Array<Record<string, unknown>>;
  let source: ToolContractCases['source'];
  if (fromExamples.length > 0) {
    valid = fromExamples;
    source = 'examples';
  } else {
    const candidates = [sampleValue(schema, 'full'), sampleValue(schema, 'minimal')].filter(isRecord);
    valid = unique(candidates.filter((candidate) => check(candidate).ok));
    source = 'sampled';
  }
  if (valid.length === 0) {
    const attempt = examples[0] ?? sampleValue(schema, 'full');
    const problems = check(attempt).errors.map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`);
    return { ...base, valid, source, invalid: [], unsampleable: problems.join('; ') || 'the input schema does not describe an object' };
  }
  return { ...base, valid, source, invalid: invalidCases(schema, valid[0]!, trusted ? undefined : check) };
}

/**
 * Whether the cases of this input schema are checked with ajv. Compiling costs ~7 ms a schema
 * (seconds for a 1,000-tool API): skipped when the schema uses only keywords the sampler
 * satisfies by construction and there are no examples to vet.
 */
export function checksWithAjv(input: Pick<LoadedSchema, 'schema'>): boolean {
  return hasExamples(input.schema) || !onlySafeKeywords(input.schema);
}

/** Each required property missing, then each top-level property with a `type` given another type. */
function invalidCases(schema: JsonSchemaObject, valid: Record<string, unknown>, check: Check | undefined): InvalidCase[] {
  const out: InvalidCase[] = [];
  const properties = isRecord(schema.properties) ? (schema.properties as Record<string, JsonSchemaObject>) : {};
  const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
  for (const key of required) {
    const { [key]: _removed, ...input } = valid;
    out.push({ pointer: pointerOf(key), why: 'missing', input });
  }
  for (const [key, property] of Object.entries(properties)) {
    if (!isRecord(property)) continue;
    const types = declaredTypes(property);
    if (types.length === 0) continue;
    const wrong = WRONG_VALUES.find(([type]) => !types.includes(type) && !(type === 'integer' && types.includes('number')));
    if (!wrong) continue;
    const numeric = types.includes('number') || types.includes('integer');
    const value = wrong[0] === 'string' && !numeric ? 'a string' : wrong[1];
    out.push({ pointer: pointerOf(key), why: `${wrong[0]} instead of ${types.join(' or ')}`, input: { ...valid, [key]: value } });
  }
  // Keep only what the schema really rejects at that pointer (a `oneOf` elsewhere may mask it);
  // with only safe keywords (no check) a missing required field or a wrong `type` always is.
  if (!check) return out;
  return out.filter((c) => {
    const result = check(c.input);
    return !result.ok && result.errors.some((e) => namesPointer(e, c.pointer));
  });
}

/**
 * Keywords whose every use the sampler satisfies (sample-values.ts) and that cannot make the
 * invalid cases valid. Anything else (pattern, oneOf, not, uniqueItems, `$ref`, which may
 * recurse...) means: check with ajv.
 */
const SAFE_KEYWORDS = new Set([
  '$schema', '$id', '$comment', '$defs', 'definitions', 'title', 'description', 'default', 'examples', 'deprecated', 'readOnly', 'writeOnly',
  'type', 'enum', 'const', 'properties', 'required', 'additionalProperties', 'items', 'minItems', 'maxItems',
  'minimum', 'maximum', 'minLength', 'maxLength', 'format',
]);

function onlySafeKeywords(schema: unknown): boolean {
  if (Array.isArray(schema)) return schema.every(onlySafeKeywords);
  if (!isRecord(schema)) return true;
  for (const [key, value] of Object.entries(schema)) {
    if (!SAFE_KEYWORDS.has(key)) return false;
    if (key === 'properties' || key === '$defs' || key === 'definitions') {
      if (!isRecord(value) || !Object.values(value).every(onlySafeKeywords)) return false;
    } else if (key === 'items' || key === 'additionalProperties') {
      if (!onlySafeKeywords(value)) return false;
    } else if (key === 'format' && (typeof value !== 'string' || !SAMPLED_FORMATS.has(value))) return false;
  }
  if (Array.isArray(schema.required) && schema.additionalProperties === false) {
    const declared = isRecord(schema.properties) ? schema.properties : {};
    if (!schema.required.every((key) => typeof key === 'string' && key in declared)) return false;
  }
  if ('default' in schema && !fitsType(schema.default, schema)) return false;
  // A format sample padded or cut to a length is no longer that format.
  if ('format' in schema && ('minLength' in schema || 'maxLength' in schema)) return false;
  // min/max pairs the sampler cannot meet together (an empty range) are left to ajv to explain.
  if (typeof schema.minimum === 'number' && typeof schema.maximum === 'number' && schema.minimum > schema.maximum) return false;
  if (typeof schema.minLength === 'number' && typeof schema.maxLength === 'number' && schema.minLength > schema.maxLength) return false;
  if (typeof schema.minItems === 'number' && schema.minItems > 0 && schema.items === undefined) return false;
  return true;
}

/** `examples` and `const` are the author's values: vetted by ajv (an invalid one is dropped). */
function hasExamples(schema: unknown): boolean {
  if (Array.isArray(schema)) return schema.some(hasExamples);
  if (!isRecord(schema)) return false;
  return 'examples' in schema || 'const' in schema || Object.values(schema).some(hasExamples);
}

/** A `default` the sampler may use as is: of a declared type, and in the `enum` if there is one. */
function fitsType(value: unknown, schema: Record<string, unknown>): boolean {
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) return false;
  const types = declaredTypes(schema);
  if (types.length === 0) return false;
  const actual = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  return types.some((t) => t === actual || (t === 'integer' && Number.isInteger(value)));
}

/** A value of each JSON type, in the order they are tried as "the wrong type". */
const WRONG_VALUES: Array<[string, unknown]> = [
  ['string', 'not a number'],
  ['integer', 42],
  ['boolean', true],
  ['array', []],
  ['object', {}],
];

function namesPointer(error: ReturnType<Check>['errors'][number], pointer: string): boolean {
  if (error.instancePath === pointer) return true;
  const missing = error.params.missingProperty;
  return error.keyword === 'required' && typeof missing === 'string' && `${error.instancePath}${pointerOf(missing)}` === pointer;
}

export function pointerOf(key: string): string {
  return `/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

function unique(values: Array<Record<string, unknown>>): Array<Record<string, unknown>> {
  const seen = new Set<string>();
  return values.filter((value) => {
    const key = JSON.stringify(value);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
