/**
 * Redaction of arguments by their schema: a value whose schema says `writeOnly: true` or
 * `x-sensitive: true` is replaced by "[redacted]" wherever it sits (nested objects, array items,
 * `$ref`s into `$defs`, `allOf`/`anyOf`/`oneOf` branches). Long strings are shortened too: an
 * audit line records what was asked, not a copy of every upload.
 */
import type { JsonSchemaObject } from '../server/contract.js';
import { REDACT_PATHS } from '../observability/index.js';
import { setOwn } from '../core/own-property.js';

export const REDACTED = '[redacted]';
/** Strings longer than this are cut in audit records (with the original length noted). */
export const AUDIT_MAX_STRING = 512;

type Schema = JsonSchemaObject | boolean | undefined;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Resolves a local `$ref` (`#/$defs/x`, `#/definitions/x`, `#`) against the root schema. */
function deref(schema: Schema, root: JsonSchemaObject, seen: number): Schema {
  let s = schema;
  for (let i = 0; i < 32 && isObject(s) && typeof s.$ref === 'string' && seen < 64; i++) {
    const ref = s.$ref;
    if (!ref.startsWith('#')) return s;
    let target: unknown = root;
    for (const part of ref.slice(1).split('/').filter(Boolean)) {
      target = isObject(target) ? target[decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
    }
    s = isObject(target) ? ({ ...target, ...Object.fromEntries(Object.entries(s).filter(([k]) => k !== '$ref')) } as JsonSchemaObject) : undefined;
  }
  return s;
}

function marked(s: Schema): boolean {
  return isObject(s) && (s.writeOnly === true || s['x-sensitive'] === true);
}

/** True when any part of the schema is marked sensitive (checked once per tool, so most calls skip the walk). */
export function hasSensitive(schema: unknown, depth = 0): boolean {
  if (depth > 64) return false;
  if (Array.isArray(schema)) return schema.some((s) => hasSensitive(s, depth + 1));
  if (!isObject(schema)) return false;
  if (marked(schema)) return true;
  return Object.values(schema).some((v) => typeof v === 'object' && v !== null && hasSensitive(v, depth + 1));
}

function branches(s: JsonSchemaObject): Schema[] {
  const out: Schema[] = [];
  for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
    const list = s[key];
    if (Array.isArray(list)) out.push(...(list as Schema[]));
  }
  for (const key of ['then', 'else'] as const) if (isObject(s[key])) out.push(s[key] as JsonSchemaObject);
  return out;
}

/** The schema(s) that apply to property `key` of an object under `s`. */
function propertySchemas(s: JsonSchemaObject, key: string, root: JsonSchemaObject, seen: number): Schema[] {
  const out: Schema[] = [];
  const props = s.properties;
  let matched = false;
  if (isObject(props) && Object.hasOwn(props, key)) {
    out.push(props[key] as Schema);
    matched = true;
  }
  if (isObject(s.patternProperties)) {
    for (const [pattern, sub] of Object.entries(s.patternProperties)) {
      try {
        if (new RegExp(pattern, 'u').test(key)) {
          out.push(sub as Schema);
          matched = true;
        }
      } catch {
        // A pattern JavaScript cannot compile was already refused at generation; ignore here.
      }
    }
  }
  if (!matched && isObject(s.additionalProperties)) out.push(s.additionalProperties as JsonSchemaObject);
  for (const b of branches(s)) {
    const r = deref(b, root, seen + 1);
    if (isObject(r)) out.push(...propertySchemas(r, key, root, seen + 1));
  }
  return out;
}

function itemSchemas(s: JsonSchemaObject, index: number, root: JsonSchemaObject, seen: number): Schema[] {
  const out: Schema[] = [];
  const prefix = Array.isArray(s.prefixItems) ? (s.prefixItems as Schema[]) : Array.isArray(s.items) ? (s.items as Schema[]) : undefined;
  if (prefix && index < prefix.length) out.push(prefix[index]);
  else if (isObject(s.items)) out.push(s.items as JsonSchemaObject);
  else if (isObject(s.additionalItems)) out.push(s.additionalItems as JsonSchemaObject);
  for (const b of branches(s)) {
    const r = deref(b, root, seen + 1);
    if (isObject(r)) out.push(...itemSchemas(r, index, root, seen + 1));
  }
  return out;
}

function anyMarked(schemas: Schema[], root: JsonSchemaObject, seen: number): boolean {
  return schemas.some((s) => {
    const r = deref(s, root, seen + 1);
    return marked(r) || (isObject(r) && branches(r).some((b) => marked(deref(b, root, seen + 2))));
  });
}

function walk(value: unknown, schemas: Schema[], root: JsonSchemaObject, seen: number): unknown {
  if (seen > 64) return '[too deep]';
  if (anyMarked(schemas, root, seen)) return REDACTED;
  if (typeof value === 'string') return shorten(value);
  if (Array.isArray(value)) {
    const resolved = schemas.map((s) => deref(s, root, seen)).filter(isObject);
    return value.map((item, i) => walk(item, resolved.flatMap((s) => itemSchemas(s, i, root, seen)), root, seen + 1));
  }
  if (isObject(value)) {
    const resolved = schemas.map((s) => deref(s, root, seen)).filter(isObject);
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) setOwn(out, key, walk(v, resolved.flatMap((s) => propertySchemas(s, key, root, seen)), root, seen + 1));
    return out;
  }
  return value;
}

function shorten(value: string): string {
  return value.length > AUDIT_MAX_STRING ? `${value.slice(0, AUDIT_MAX_STRING)}…[${value.length} chars]` : value;
}

/** Strings shortened, nothing redacted (for schemas with no sensitive part). */
function shortenAll(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return shorten(value);
  if (depth > 64 || typeof value !== 'object' || value === null) return depth > 64 ? '[too deep]' : value;
  if (Array.isArray(value)) return value.map((v) => shortenAll(v, depth + 1));
  // A loop rather than fromEntries(entries().map()): no pair arrays, once per audited call.
  const out: Record<string, unknown> = {};
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    setOwn(out, key, shortenAll((value as Record<string, unknown>)[key], depth + 1));
  }
  return out;
}

/**
 * Builds the redactor of one schema (once per tool): a function from arguments to a copy safe to log.
 *
 * @example
 * ```ts
 * const redact = createRedactor({ type: 'object', properties: { password: { type: 'string', writeOnly: true } } });
 * redact({ user: 'a', password: 'x' }); // { user: 'a', password: '[redacted]' }
 * ```
 */
export function createRedactor(schema: JsonSchemaObject | undefined): (args: unknown) => unknown {
  const bySchema = !schema || !hasSensitive(schema) ? (args: unknown) => shortenAll(args, 0) : (args: unknown) => walk(args, [schema], schema, 0);
  return (args) => censorSecretNames(bySchema(args));
}

/**
 * Argument names that are secrets whatever the schema says (`password`, `token`, `apiKey`, …: the
 * one-level `*.name` paths of the logger's redaction). The audit logger has no pino redaction of
 * its own — its lines hold only fields the audit module writes, and pino's path redaction cost ~6 µs
 * per line, more than the rest of a fast-path call's logging — so this is where such arguments are
 * censored, for the log line and the audit row alike.
 */
const SECRET_ARGUMENT_NAMES: readonly string[] = REDACT_PATHS.filter((p) => p.startsWith('*.')).map((p) => p.slice(2));

function censorSecretNames(args: unknown): unknown {
  if (!isObject(args)) return args;
  for (const name of SECRET_ARGUMENT_NAMES) if (Object.hasOwn(args, name)) args[name] = REDACTED;
  return args;
}
