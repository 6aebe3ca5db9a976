/**
 * One OpenAPI operation → one tool: the merged input schema, the output schema, and the request
 * binding the generated handler passes to the upstream client (which input property goes where).
 */
import type { JsonSchemaObject, ToolAnnotations } from '../shared/spec/types.js';
import type { Components } from './components.js';
import type { HttpMethod, OpenApiDocument } from './document.js';
import { tidyDescription } from './describe.js';
import { escape, isObject } from './normalise-schema.js';
import { sanitisePropertyName } from './naming.js';
import { setOwn } from '../shared/own-property.js';

export type ParamLocation = 'path' | 'query' | 'header' | 'cookie';

/** How one input property is sent (mirrors `ParamBinding` in the generated src/upstream/client.ts). */
export interface ParamBinding {
  in: ParamLocation;
  /** The name on the wire. */
  name: string;
  /** The input property, when it differs from `name`. */
  arg?: string;
  style?: string;
  explode?: boolean;
  /** Sent as JSON text (a parameter described with `content: application/json`). */
  json?: boolean;
}

export interface BodyBinding {
  /**
   * json | form (application/x-www-form-urlencoded) | text (sent as is) | multipart
   * (multipart/form-data; file fields arrive base64-encoded) | binary (the whole body is one
   * file, base64-encoded in the input, sent as bytes).
   */
  kind: 'json' | 'form' | 'text' | 'multipart' | 'binary';
  /** multipart: the body keys that are files (base64 in the input, sent as file parts). */
  files?: string[];
  contentType: string;
  /** Body fields merged into the input: input property → body key. */
  fields?: Record<string, string>;
  /** The whole body comes from this input property. */
  arg?: string;
}

export interface MappedOperation {
  operationId?: string;
  method: HttpMethod;
  path: string;
  /** JSON pointer of the operation in the description. */
  pointer: string;
  title?: string;
  description: string;
  annotations: ToolAnnotations;
  /** Refs point into the components file (`components.json#/$defs/...`). */
  input: JsonSchemaObject;
  output?: JsonSchemaObject;
  /** json: the body is the output; wrap: `{ result: body }` (non-object JSON); text: no output schema. */
  outputMode: 'json' | 'wrap' | 'text';
  params: ParamBinding[];
  body?: BodyBinding;
  /** Alternatives of security scheme names (OpenAPI security requirements); [] = anonymous allowed. */
  security?: string[][];
  /** Renames and skipped parts, for the import report. */
  notes: string[];
}

const COMPONENTS_REF = 'components.json';
const MAX_DESCRIPTION = 1000;
const SKIPPED_HEADERS = new Set(['accept', 'content-type', 'authorization']);

export function mapOperation(
  doc: OpenApiDocument,
  components: Components,
  op: { method: HttpMethod; path: string; pointer: string; operation: Record<string, unknown>; pathItem: Record<string, unknown> },
): MappedOperation {
  const { method, path, pointer, operation } = op;
  const notes: string[] = [];
  const properties: Record<string, JsonSchemaObject> = {};
  const required: string[] = [];
  const params: ParamBinding[] = [];
  const owner = new Map<string, string>();
  const claim = (wanted: string, what: string, prefix: string): string => {
    let name = sanitisePropertyName(wanted);
    if (owner.has(name)) {
      const renamed = uniqueKey(sanitisePropertyName(`${prefix}_${wanted}`), owner);
      notes.push(`${what} is input property "${renamed}" ("${name}" is the ${owner.get(name)})`);
      name = renamed;
    }
    owner.set(name, what);
    return name;
  };

  // Path-level parameters apply unless the operation redefines the same name and location.
  const merged = new Map<string, { value: Record<string, unknown>; at: string }>();
  for (const [list, at] of [
    [op.pathItem.parameters, pointer.slice(0, pointer.lastIndexOf('/')) + '/parameters'],
    [operation.parameters, `${pointer}/parameters`],
  ] as const) {
    if (list === undefined) continue;
    if (!Array.isArray(list)) doc.fail(at, '"parameters" must be a list');
    list.forEach((raw, i) => {
      const p = doc.deref(raw, `${at}/${i}`);
      if (typeof p.value.name !== 'string' || typeof p.value.in !== 'string') {
        doc.fail(p.at, 'a parameter needs "name" and "in"', 'add both, e.g. { name: id, in: path, required: true, schema: { type: string } }');
      }
      merged.set(`${p.value.in}\0${p.value.name}`, p);
    });
  }
  for (const { value: p, at } of merged.values()) {
    const where = p.in as string;
    const name = p.name as string;
    if (!['path', 'query', 'header', 'cookie'].includes(where)) doc.fail(`${at}/in`, `unknown parameter location "${where}"`, 'use path, query, header or cookie');
    if (where === 'header' && SKIPPED_HEADERS.has(name.toLowerCase())) {
      notes.push(`header parameter "${name}" is not an input: the client sets it`);
      continue;
    }
    let schema: unknown = p.schema;
    let json = false;
    if (schema === undefined && isObject(p.content)) {
      const [mediaType, media] = Object.entries(p.content)[0] ?? [];
      schema = isObject(media) ? media.schema : undefined;
      json = mediaType !== undefined && /json/i.test(mediaType);
    }
    const what = `${where} parameter "${name}"`;
    const arg = claim(name, what, where);
    const prop = (schema === undefined ? {} : components.normalise(schema, `${at}/schema`, COMPONENTS_REF)) as JsonSchemaObject;
    properties[arg] = withDescription(prop, describeParam(p, where, name, arg, components.describe));
    if (p.required === true || where === 'path') required.push(arg);
    const binding: ParamBinding = { in: where as ParamLocation, name };
    if (arg !== name) binding.arg = arg;
    if (typeof p.style === 'string') binding.style = p.style;
    if (typeof p.explode === 'boolean') binding.explode = p.explode;
    if (json) binding.json = true;
    params.push(binding);
  }
  for (const m of path.matchAll(/\{([^}]+)\}/g)) {
    if (!params.some((b) => b.in === 'path' && b.name === m[1])) {
      doc.fail(pointer, `path parameter "${m[1]}" of ${path} is not declared`, `add { name: ${m[1]}, in: path, required: true, schema: { type: string } } to the parameters`);
    }
  }

  let body: BodyBinding | undefined;
  if (operation.requestBody !== undefined) {
    const rb = doc.deref(operation.requestBody, `${pointer}/requestBody`);
    const content = isObject(rb.value.content) ? rb.value.content : {};
    const pick = pickMediaType(Object.keys(content));
    if (!pick) {
      notes.push(`request body skipped: no supported media type (${Object.keys(content).join(', ') || 'none'})`);
    } else {
      const media = content[pick.mediaType];
      const at = `${rb.at}/content/${escape(pick.mediaType)}/schema`;
      const schemaRaw = isObject(media) ? media.schema : undefined;
      const schema = (schemaRaw === undefined ? {} : components.normalise(schemaRaw, at, COMPONENTS_REF)) as JsonSchemaObject;
      const bodyRequired = rb.value.required === true;
      const object = pick.kind === 'text' || pick.kind === 'binary' ? undefined : mergeableObject(schema, components);
      if (pick.kind === 'binary') {
        const arg = claim('body', 'request body', 'request');
        properties[arg] = base64Schema(typeof rb.value.description === 'string' ? components.describe(rb.value.description) : '', pick.mediaType);
        if (bodyRequired) required.push(arg);
        body = { kind: 'binary', contentType: pick.mediaType, arg };
      } else if (object) {
        const fields: Record<string, string> = {};
        const files: string[] = [];
        const requiredFields = new Set(Array.isArray(object.required) ? (object.required as string[]) : []);
        for (const [key, raw] of Object.entries(object.properties as Record<string, JsonSchemaObject>)) {
          const arg = claim(key, `body field "${key}"`, 'body');
          const file = pick.kind === 'multipart' && isFileSchema(raw);
          const sub = file ? base64Schema(typeof raw.description === 'string' ? raw.description : '', 'a file') : raw; // raw: normalised, its description already fitted
          if (file) files.push(key);
          properties[arg] = arg === key ? sub : withDescription(sub, `${typeof sub.description === 'string' ? sub.description + ' ' : ''}(Body field "${key}".)`);
          fields[arg] = key;
          if (bodyRequired && requiredFields.has(key)) required.push(arg);
        }
        body = { kind: pick.kind, contentType: pick.mediaType, fields, ...(files.length > 0 ? { files } : {}) };
      } else {
        const arg = claim('body', 'request body', 'request');
        properties[arg] = withDescription(schema, typeof rb.value.description === 'string' ? components.describe(rb.value.description) : `The request body (${pick.mediaType}).`);
        if (bodyRequired) required.push(arg);
        body = { kind: pick.kind, contentType: pick.mediaType, arg };
      }
    }
  }

  const input: JsonSchemaObject = { type: 'object', properties };
  if (required.length > 0) input.required = [...new Set(required)];
  // Unknown arguments are refused: a misspelt argument surfaces at once instead of being dropped.
  input.additionalProperties = false;
  const { output, outputMode } = mapResponse(doc, components, operation, pointer, notes);

  const summary = typeof operation.summary === 'string' ? operation.summary.trim() : '';
  const long = typeof operation.description === 'string' ? operation.description.trim() : '';
  const security = Array.isArray(operation.security) ? operation.security : Array.isArray(doc.data.security) ? doc.data.security : undefined;
  return {
    ...(typeof operation.operationId === 'string' ? { operationId: operation.operationId } : {}),
    method,
    path,
    pointer,
    ...(summary ? { title: summary.slice(0, 120) } : {}),
    description: describeOperation(summary, long, method, path, operation.deprecated === true),
    annotations: annotationsFor(method),
    input,
    ...(output ? { output } : {}),
    outputMode,
    params,
    ...(body ? { body } : {}),
    ...(security ? { security: security.filter(isObject).map((req) => Object.keys(req)) } : {}),
    notes,
  };
}

function mapResponse(doc: OpenApiDocument, components: Components, operation: Record<string, unknown>, pointer: string, notes: string[]) {
  const responses = isObject(operation.responses) ? operation.responses : {};
  const codes = Object.keys(responses).filter((c) => /^2(\d\d|XX)$/i.test(c)).sort();
  for (const code of codes) {
    const r = doc.deref(responses[code], `${pointer}/responses/${code}`);
    const content = isObject(r.value.content) ? r.value.content : {};
    const mediaType = Object.keys(content).find((m) => /^application\/(.+\+)?json\b/i.test(m) || /^application\/vnd\.[^;]*\+json/i.test(m));
    if (!mediaType) continue;
    const media = content[mediaType];
    if (!isObject(media) || media.schema === undefined) continue;
    const schema = components.normalise(media.schema, `${r.at}/content/${escape(mediaType)}/schema`, COMPONENTS_REF) as JsonSchemaObject;
    const object = rootObject(schema, components);
    if (object) return { output: object, outputMode: 'json' as const };
    notes.push(`output wrapped as { result }: the ${code} response is not a JSON object`);
    return {
      output: { type: 'object', properties: { result: schema }, required: ['result'], additionalProperties: false } as JsonSchemaObject,
      outputMode: 'wrap' as const,
    };
  }
  return { output: undefined, outputMode: 'text' as const };
}

/**
 * An object schema whose properties can be merged into the input root: `type: object` with
 * `properties` and no composition, inline or one `$ref` away (copied with its refs re-pointed at
 * the components file).
 */
function mergeableObject(schema: JsonSchemaObject, components: Components): JsonSchemaObject | undefined {
  const target = rootObject(schema, components);
  if (!target || !isObject(target.properties)) return undefined;
  if (target.allOf || target.anyOf || target.oneOf || target.not || target.if || target.patternProperties) return undefined;
  // A body that takes extra keys (a free-form map) stays whole under `body`.
  if (target.additionalProperties !== undefined && target.additionalProperties !== false) return undefined;
  return target;
}

/** The schema itself when it is a plain object schema, or the definition one `$ref` away, inlined. */
function rootObject(schema: JsonSchemaObject, components: Components): JsonSchemaObject | undefined {
  const isObjectSchema = (s: JsonSchemaObject) => s.type === 'object' || (s.type === undefined && isObject(s.properties) && !s.anyOf && !s.allOf);
  if (typeof schema.$ref === 'string' && Object.keys(schema).every((k) => k === '$ref' || k === 'description')) {
    const name = /#\/\$defs\/([^/]+)$/.exec(schema.$ref)?.[1];
    const def = name === undefined ? undefined : components.defs.get(name.replace(/~1/g, '/').replace(/~0/g, '~'));
    if (!isObject(def) || !isObjectSchema(def)) return undefined;
    const copy = prefixRefs(def, COMPONENTS_REF) as JsonSchemaObject;
    return { ...copy, type: 'object' };
  }
  return isObjectSchema(schema) ? { ...schema, type: 'object' } : undefined;
}

/** `#/$defs/x` (inside the components file) → `components.json#/$defs/x` (from a tool schema). */
function prefixRefs(node: unknown, prefix: string): unknown {
  if (Array.isArray(node)) return node.map((n) => prefixRefs(n, prefix));
  if (!isObject(node)) return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === '$ref' && typeof v === 'string' && v.startsWith('#/')) out[k] = prefix + v;
    else if (k === 'enum' || k === 'const' || k === 'default' || k === 'examples') out[k] = v;
    else if (k === 'discriminator' && isObject(v) && isObject(v.mapping)) {
      out[k] = { ...v, mapping: Object.fromEntries(Object.entries(v.mapping).map(([m, r]) => [m, typeof r === 'string' && r.startsWith('#/') ? prefix + r : r])) };
    } else setOwn(out, k, prefixRefs(v, prefix));
  }
  return out;
}

function pickMediaType(types: string[]): { mediaType: string; kind: BodyBinding['kind'] } | undefined {
  const json = types.find((t) => /^application\/(.+\+)?json\b/i.test(t)) ?? types.find((t) => /json/i.test(t));
  if (json) return { mediaType: json, kind: 'json' };
  const form = types.find((t) => /^application\/x-www-form-urlencoded/i.test(t));
  if (form) return { mediaType: form, kind: 'form' };
  const multipart = types.find((t) => /^multipart\/form-data/i.test(t));
  if (multipart) return { mediaType: multipart, kind: 'multipart' };
  const text = types.find((t) => /^text\//i.test(t));
  if (text) return { mediaType: text, kind: 'text' };
  const binary = types.find((t) => /^(application\/octet-stream|application\/pdf|application\/zip|image\/|audio\/|video\/|\*\/\*)/i.test(t));
  if (binary) return { mediaType: binary, kind: 'binary' };
  return undefined;
}

/** A multipart field that carries a file (`format: binary`/`base64`, or a binary media type). */
function isFileSchema(schema: JsonSchemaObject): boolean {
  return schema.type === 'string' && (schema.format === 'binary' || schema.format === 'base64' || typeof schema.contentMediaType === 'string');
}

/**
 * File content in a tool's input: base64 text (MCP arguments are JSON). The pattern refuses
 * anything that is not base64 before the upstream is called. The server never reads a path or
 * fetches a URL on the model's behalf (no local-file or SSRF exposure); size is bounded by the
 * server's request limits.
 */
function base64Schema(description: string, what: string): JsonSchemaObject {
  const text = `${description.trim() ? `${description.trim()} ` : ''}(${what}: its content, base64-encoded.)`;
  return { type: 'string', contentEncoding: 'base64', pattern: '^[A-Za-z0-9+/]*={0,2}$', description: text };
}

function describeParam(p: Record<string, unknown>, where: string, name: string, arg: string, describe: (text: string) => string): string {
  const text = typeof p.description === 'string' ? describe(p.description) : '';
  const suffix = arg === name ? '' : ` (${where} parameter "${name}")`;
  return text + suffix;
}

function withDescription(schema: JsonSchemaObject, description: string): JsonSchemaObject {
  if (!description.trim()) return schema;
  // A `$ref` with siblings is fine in 2020-12; keep the ref first for readers.
  return { ...schema, description: description.trim() };
}

function describeOperation(summary: string, long: string, method: string, path: string, deprecated: boolean): string {
  // The first paragraph of the long description: the rest (media types, rate limits, links)
  // costs tokens in every tools/list without helping the model choose the tool.
  const first = tidyDescription(long.split(/\n\s*\n/)[0] ?? '');
  const parts = [summary && !first.startsWith(summary) ? ensureStop(summary) : '', first].filter(Boolean);
  const text = truncate(parts.join(' ').replace(/\s+/g, ' '), MAX_DESCRIPTION);
  return `${deprecated ? 'Deprecated. ' : ''}${text || `${method.toUpperCase()} ${path}`} (${method.toUpperCase()} ${path})`;
}

function annotationsFor(method: HttpMethod): ToolAnnotations {
  const readOnly = method === 'get' || method === 'head' || method === 'options';
  return {
    readOnlyHint: readOnly,
    ...(readOnly ? {} : { destructiveHint: method === 'delete' }),
    idempotentHint: readOnly || method === 'put' || method === 'delete',
    openWorldHint: true,
  };
}

function ensureStop(s: string): string {
  return /[.!?:]$/.test(s) ? s : `${s}.`;
}

function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const stop = cut.lastIndexOf('. ');
  return (stop > max / 2 ? cut.slice(0, stop + 1) : cut.trimEnd()) + ' …';
}

function uniqueKey(base: string, taken: Map<string, string>): string {
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}_${i}`;
  return name;
}
