/**
 * One place for the CommonJS interop of ajv and its plugins. ajv-formats and ajv/standalone put
 * their function both on `module.exports` and on `.default`: pick whichever is a function so this
 * works under tsc output, vitest and plain Node alike.
 *
 * They are CommonJS, so they are `require`d: an ESM `import` of a CommonJS module has Node scan
 * its source (and that of what it re-exports) for export names first, ~20 ms of CPU for ajv and
 * ajv-formats on every generation that loads them (a regeneration's one changed entry). Same
 * module instances either way (one require cache).
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

type AddFormats = typeof import('ajv-formats').default;
type StandaloneCode = typeof import('ajv/dist/standalone/index.js').default;

function pickFunction<T>(mod: unknown): T {
  const m = mod as { default?: unknown };
  return (typeof m === 'function' ? m : m.default) as T;
}

export type Ajv = import('ajv').Ajv;
export type Ajv2020 = import('ajv/dist/2020.js').Ajv2020;

/** ajv's classes and the plugins this toolkit uses. */
export interface AjvLibrary {
  Ajv: typeof import('ajv').Ajv;
  Ajv2020: typeof import('ajv/dist/2020.js').Ajv2020;
  addFormats: AddFormats;
  standaloneCode: StandaloneCode;
}

let library: AjvLibrary | undefined;

/**
 * ajv and its plugins, loaded on first use rather than with this module: the spec loader needs
 * only `schemaDraft` for schemas already checked, so a regeneration whose changed entry an emit
 * worker compiles never loads ajv on the main thread (~50 ms of CPU).
 */
export function ajvLibrary(): AjvLibrary {
  return (library ??= {
    Ajv: (require('ajv') as typeof import('ajv')).Ajv,
    Ajv2020: (require('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js')).Ajv2020,
    addFormats: pickFunction<AddFormats>(require('ajv-formats')),
    standaloneCode: pickFunction<StandaloneCode>(require('ajv/dist/standalone/index.js')),
  });
}
export type AnyAjv = Ajv | Ajv2020;

export type SchemaDraft = '2020-12' | 'draft-07';

/** The draft a schema declares with `$schema`; 2020-12 when it declares none. */
export function schemaDraft(schema: unknown): SchemaDraft {
  const declared = schema && typeof schema === 'object' ? (schema as { $schema?: unknown }).$schema : undefined;
  return typeof declared === 'string' && /draft-0[67]\/schema/.test(declared) ? 'draft-07' : '2020-12';
}
