/**
 * One place for the CommonJS interop of ajv and its plugins. Under NodeNext a default import of
 * a CommonJS module is its `module.exports`; ajv-formats and ajv/standalone put the function both
 * there and on `.default`, and TypeScript types the import as the namespace. Pick whichever is a
 * function so this works under tsc output, vitest and plain Node alike.
 */
import { Ajv } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsImport from 'ajv-formats';
import standaloneImport from 'ajv/dist/standalone/index.js';

type AddFormats = typeof addFormatsImport.default;
type StandaloneCode = typeof standaloneImport.default;

function pickFunction<T>(mod: unknown): T {
  const m = mod as { default?: unknown };
  return (typeof m === 'function' ? m : m.default) as T;
}

export const addFormats: AddFormats = pickFunction<AddFormats>(addFormatsImport);
export const standaloneCode: StandaloneCode = pickFunction<StandaloneCode>(standaloneImport);
export { Ajv, Ajv2020 };
export type AnyAjv = Ajv | Ajv2020;

export type SchemaDraft = '2020-12' | 'draft-07';

/** The draft a schema declares with `$schema`; 2020-12 when it declares none. */
export function schemaDraft(schema: unknown): SchemaDraft {
  const declared = schema && typeof schema === 'object' ? (schema as { $schema?: unknown }).$schema : undefined;
  return typeof declared === 'string' && /draft-0[67]\/schema/.test(declared) ? 'draft-07' : '2020-12';
}
