import type { ErrorObject } from 'ajv';
import { ajvLibrary, type AnyAjv } from '../ajv.js';
import { SpecError } from './errors.js';
import { plainlyValid } from './plainly-valid.js';
import { getAtPointer, joinPointer, parsePointer } from './source-document.js';
import type { LoadedSchema, SpecLocation } from './types.js';

type Locate = (file: string, pointer: string) => { line: number; column: number };

/**
 * Checks that resolved schemas are valid JSON Schema: first against the draft's meta-schema (for
 * precise pointers), then by compiling them with ajv (strict mode off, as the generated validators
 * are) to catch what the meta-schema cannot, such as a `pattern` that is not a valid regex.
 * One ajv per draft per process (it only validates against the meta-schema, which keeps no state
 * between schemas): building an instance and compiling the meta-schema costs more than checking
 * a small spec, and `generate` should answer at once on small projects.
 */
export class SchemaChecker {
  constructor(private readonly locate: Locate) {}

  check(loaded: LoadedSchema, what: string): SpecError[] {
    const { $id: _id, ...schema } = loaded.schema;
    // Plain schemas pass without compiling the meta-schema (see plainly-valid.ts); ajv answers
    // for the others, and says what is wrong.
    if (!(loaded.draft === '2020-12' && plainlyValid(schema))) {
      const ajv = metaValidator(loaded.draft);
      if (!ajv.validateSchema(schema)) return this.metaErrors(loaded, what, ajv.errors ?? []);
    }
    // What the meta-schema cannot see is an invalid regular expression (broken `$ref`s were
    // caught while bundling). Checking patterns directly, as ajv compiles them (`u` flag), costs
    // nothing; compiling the whole schema here would double the validator compile that code
    // generation does anyway, the slowest step on large APIs.
    const bad = invalidPattern(schema);
    if (bad) return [this.at(loaded.location, `${what} is not valid JSON Schema: ${bad}`, 'fix the schema; see https://json-schema.org/understanding-json-schema')];
    return [];
  }

  private metaErrors(loaded: LoadedSchema, what: string, errors: ErrorObject[]): SpecError[] {
    // The meta-schema reports one problem through several branches (enum, type, anyOf): keep the
    // most specific (first) error per location.
    const byPath = new Map<string, ErrorObject>();
    for (const e of errors) if (!byPath.has(e.instancePath) && e.keyword !== 'anyOf') byPath.set(e.instancePath, e);
    return [...byPath.values()].map((e) => {
      const where = sourceOf(loaded, e.instancePath);
      const keyword = parsePointer(e.instancePath).at(-1) ?? '';
      const value = JSON.stringify(getAtPointer(loaded.schema, e.instancePath));
      const detail = keyword === 'type' ? `is ${value}, not a JSON Schema type` : `is ${value}: ${e.message ?? 'invalid'}`;
      return this.at(
        where,
        `${what} is not valid JSON Schema: "${keyword}" ${detail}`,
        keyword === 'type' ? 'use one of array, boolean, integer, null, number, object, string' : 'fix the keyword (strict JSON Schema syntax)',
      );
    });
  }

  private at(where: SpecLocation, message: string, hint: string): SpecError {
    const pos = where.line > 0 ? where : { ...where, ...this.locate(where.file, where.pointer) };
    return new SpecError({ file: where.file, line: pos.line, column: pos.column, pointer: where.pointer, message, hint });
  }
}

const DATA_KEYWORDS = new Set(['const', 'enum', 'default', 'examples', 'example']);

/** The error message of the first `pattern` / `patternProperties` key that is not a valid `u` regex. */
function invalidPattern(node: unknown): string | undefined {
  if (Array.isArray(node)) {
    for (const item of node) {
      const bad = invalidPattern(item);
      if (bad) return bad;
    }
    return undefined;
  }
  if (node === null || typeof node !== 'object') return undefined;
  const schema = node as Record<string, unknown>;
  const patterns = [
    ...(typeof schema.pattern === 'string' ? [schema.pattern] : []),
    ...(schema.patternProperties && typeof schema.patternProperties === 'object' ? Object.keys(schema.patternProperties) : []),
  ];
  for (const pattern of patterns) {
    try {
      new RegExp(pattern, 'u');
    } catch (error) {
      return (error as Error).message;
    }
  }
  for (const [key, value] of Object.entries(schema)) {
    if (DATA_KEYWORDS.has(key) || value === null || typeof value !== 'object') continue;
    // `properties` maps names to schemas: a property named "pattern" is not a keyword.
    const bad = invalidPattern(value);
    if (bad) return bad;
  }
  return undefined;
}

/** Maps a pointer into the bundled schema back to the file and pointer it was read from. */
export function sourceOf(loaded: LoadedSchema, pointer: string): SpecLocation {
  const segments = parsePointer(pointer);
  const defsKey = loaded.draft === 'draft-07' ? 'definitions' : '$defs';
  if (segments[0] === defsKey && segments[1] !== undefined && loaded.bundled[segments[1]]) {
    const origin = loaded.bundled[segments[1]]!;
    return { file: origin.file, line: 0, column: 0, pointer: joinPointer(origin.pointer, ...segments.slice(2)) };
  }
  return { file: loaded.location.file, line: 0, column: 0, pointer: joinPointer(loaded.location.pointer, ...segments) };
}

const metaValidators = new Map<LoadedSchema['draft'], AnyAjv>();

function metaValidator(draft: LoadedSchema['draft']): AnyAjv {
  let ajv = metaValidators.get(draft);
  if (!ajv) {
    const options = { strict: false, allErrors: true, addUsedSchema: false, validateFormats: false, logger: false } as const;
    const { Ajv, Ajv2020 } = ajvLibrary();
    ajv = draft === 'draft-07' ? new Ajv(options) : new Ajv2020(options);
    metaValidators.set(draft, ajv);
  }
  return ajv;
}
