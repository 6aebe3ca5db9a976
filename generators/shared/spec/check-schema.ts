import type { ErrorObject } from 'ajv';
import { Ajv, Ajv2020, type AnyAjv } from '../ajv.js';
import { SpecError } from './errors.js';
import { getAtPointer, joinPointer, parsePointer } from './source-document.js';
import type { LoadedSchema, SpecLocation } from './types.js';

type Locate = (file: string, pointer: string) => { line: number; column: number };

/**
 * Checks that resolved schemas are valid JSON Schema: first against the draft's meta-schema (for
 * precise pointers), then by compiling them with ajv (strict mode off, as the generated validators
 * are) to catch what the meta-schema cannot, such as a `pattern` that is not a valid regex.
 * One ajv per draft per load: building an instance costs more than compiling a small schema.
 */
export class SchemaChecker {
  private readonly ajv: Record<LoadedSchema['draft'], AnyAjv>;

  constructor(private readonly locate: Locate) {
    const options = { strict: false, allErrors: true, addUsedSchema: false, validateFormats: false, logger: false } as const;
    this.ajv = { '2020-12': new Ajv2020(options), 'draft-07': new Ajv(options) };
  }

  check(loaded: LoadedSchema, what: string): SpecError[] {
    const ajv = this.ajv[loaded.draft];
    const { $id: _id, ...schema } = loaded.schema;
    if (!ajv.validateSchema(schema)) return this.metaErrors(loaded, what, ajv.errors ?? []);
    try {
      ajv.compile(schema);
    } catch (error) {
      return [this.at(loaded.location, `${what} is not valid JSON Schema: ${(error as Error).message}`, 'fix the schema; see https://json-schema.org/understanding-json-schema')];
    }
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
