import path from 'node:path';
import { schemaDraft } from '../ajv.js';
import { setOwn } from '../own-property.js';
import { SpecError } from './errors.js';
import { resolveLocation, type DocumentStore } from './documents.js';
import { getAtPointer, joinPointer, lazyLocation, parsePointer, type SourceDocument } from './source-document.js';
import type { JsonSchemaObject, LoadedSchema, SpecLocation } from './types.js';

/** A schema's home: a document and the pointer where the schema starts in it ('' for a file). */
interface SchemaHome {
  doc: SourceDocument;
  base: string;
}

/** Keywords whose values are data, not schemas: a `$ref` key inside them is not a reference. */
const DATA_KEYWORDS = new Set(['const', 'enum', 'default', 'examples', 'example']);

/**
 * Turns the schema at `home` into one self-contained schema object.
 *
 * Refs inside the schema's own document stay as they are (relative to the schema's root), so the
 * `$ref` graph a user wrote keeps its shape and cycles stay cycles. A ref that leaves it (another
 * file, or another place in the spec) is copied once into `$defs` (`definitions` for draft-07) and
 * rewritten to `#/$defs/<name>`; refs inside the copy are processed the same way, so a cycle
 * across files becomes a cycle through `$defs`.
 */
export async function bundleSchema(home: SchemaHome, store: DocumentStore): Promise<LoadedSchema> {
  const rootValue = getAtPointer(home.doc.data, home.base);
  const draft = schemaDraft(rootValue);
  const defsKey = draft === 'draft-07' ? 'definitions' : '$defs';
  const existingDefs = (isObject(rootValue) && isObject(rootValue[defsKey]) ? Object.keys(rootValue[defsKey]) : []) as string[];
  const taken = new Set(existingDefs);
  const added: Record<string, unknown> = {};
  const nameByTarget = new Map<string, string>();
  const bundled: Record<string, SpecLocation> = {};
  const files: string[] = [];
  const noteFile = (file: string) => {
    if (!file.includes('#') && !files.includes(file)) files.push(file);
  };
  if (home.base === '') noteFile(home.doc.file);

  const rewriteRef = async (ref: string, owner: SchemaHome, at: string): Promise<string> => {
    const hash = ref.indexOf('#');
    const docPart = hash < 0 ? ref : ref.slice(0, hash);
    const fragment = hash < 0 ? '' : ref.slice(hash + 1);
    // Where the `$ref` is written: located only when an error names it. Locating a position in a
    // JSON file indexes the whole file (GitHub import: the 1 MB components file, ~0.2 s of the
    // main thread's serial start), and a schema that bundles cleanly never needs one.
    const refPointer = joinPointer(at, '$ref');
    const where = lazyLocation(owner.doc, refPointer);
    if (fragment !== '' && !fragment.startsWith('/')) {
      throw new SpecError({
        ...where,
        message: `unsupported $ref "${ref}": only JSON pointer fragments (#/...) are supported`,
        hint: 'point at the definition with a JSON pointer such as #/$defs/Name instead of an anchor',
      });
    }
    let target: SchemaHome;
    if (docPart === '') {
      target = owner;
    } else {
      const location = resolveLocation(docPart, owner.doc.file);
      // A location of its own, not `{ ...where, ... }`: spreading would read (locate) line and column now.
      const doc = await store.load(location, Object.assign(lazyLocation(owner.doc, refPointer), { ref, kind: '$ref' as const }));
      noteFile(doc.file);
      target = { doc, base: '' };
    }
    const targetPointer = target.base + pointerFromFragment(fragment);
    if (getAtPointer(target.doc.data, targetPointer) === undefined) {
      const parent = getAtPointer(target.doc.data, targetPointer.slice(0, targetPointer.lastIndexOf('/')));
      const available = isObject(parent) ? Object.keys(parent).slice(0, 12).join(', ') : '';
      throw new SpecError({
        ...where,
        message: `broken $ref "${ref}": nothing at ${pointerFromFragment(fragment) || '/'} in ${path.basename(target.doc.file)}`,
        hint: available ? `fix the pointer; the parent has: ${available}` : 'fix the pointer or add the definition it names',
      });
    }
    // Back into the root schema: a plain local pointer relative to the root.
    if (target.doc === home.doc && isWithin(targetPointer, home.base)) {
      return '#' + encodeFragment(targetPointer.slice(home.base.length));
    }
    const key = `${target.doc.file}#${targetPointer}`;
    let name = nameByTarget.get(key);
    if (!name) {
      name = uniqueName(defName(target.doc.file, targetPointer), taken);
      nameByTarget.set(key, name);
      bundled[name] = lazyLocation(target.doc, targetPointer);
      added[name] = true; // reserve the slot before recursing: a cycle finds the name and stops
      const copy = await walk(getAtPointer(target.doc.data, targetPointer), target, targetPointer);
      if (isObject(copy)) {
        // A copied document's own identity would re-base the refs we just rewrote.
        delete copy.$id;
        delete copy.$schema;
      }
      added[name] = copy;
    }
    return `#/${defsKey}/${encodeFragment('/' + name).slice(1)}`;
  };

  const walk = async (node: unknown, owner: SchemaHome, at: string): Promise<unknown> => {
    if (Array.isArray(node)) {
      const out: unknown[] = [];
      for (let i = 0; i < node.length; i++) out.push(await walk(node[i], owner, joinPointer(at, i)));
      return out;
    }
    if (!isObject(node)) return node;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') out[key] = await rewriteRef(value, owner, at);
      else if (DATA_KEYWORDS.has(key)) out[key] = structuredClone(value);
      else setOwn(out, key, await walk(value, owner, joinPointer(at, key)));
    }
    return out;
  };

  // A schema without a `$ref` (most schema files) has nothing to rewrite: copied synchronously,
  // the same copy the walk would make without its promise per node (a regeneration bundles
  // every schema of the spec: ~0.1 s and much of the garbage for 2,000 files).
  const schema = (hasRef(rootValue) ? await walk(rootValue, home, home.base) : copy(rootValue)) as JsonSchemaObject;
  if (Object.keys(added).length > 0) {
    schema[defsKey] = { ...(isObject(schema[defsKey]) ? schema[defsKey] : {}), ...added };
  }
  return {
    schema,
    draft,
    source: home.base === '' ? home.doc.file : `${home.doc.file}#${home.base}`,
    location: lazyLocation(home.doc, home.base),
    files,
    bundled,
  };
}

/** Whether `walk` would rewrite some `$ref` in `node` (data keywords are copied as they are). */
function hasRef(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(hasRef);
  if (!isObject(node)) return false;
  for (const key in node) {
    const value = node[key];
    if (key === '$ref' && typeof value === 'string') return true;
    if (!DATA_KEYWORDS.has(key) && hasRef(value)) return true;
  }
  return false;
}

/** What `walk` returns for a node without a `$ref` to rewrite (see hasRef). */
function copy(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(copy);
  if (!isObject(node)) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) setOwn(out, key, DATA_KEYWORDS.has(key) ? structuredClone(value) : copy(value));
  return out;
}

function isWithin(pointer: string, base: string): boolean {
  return pointer === base || pointer.startsWith(base + '/');
}

function pointerFromFragment(fragment: string): string {
  return parsePointer('#' + fragment).reduce((p, s) => joinPointer(p, s), '');
}

function encodeFragment(pointer: string): string {
  return pointer
    .split('/')
    .map((s) => encodeURIComponent(s).replace(/%24/g, '$').replace(/%7E/gi, '~'))
    .join('/');
}

/** `schemas/point.json` → `point`; `common.json#/$defs/Money` → `Money`. */
function defName(file: string, pointer: string): string {
  const segments = parsePointer(pointer);
  const raw = segments.length > 0 ? segments.at(-1)! : path.basename(file).replace(/(\.schema)?\.(json|ya?ml)$/i, '');
  const clean = raw.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  return clean || 'def';
}

function uniqueName(base: string, taken: Set<string>): string {
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}_${i}`;
  taken.add(name);
  return name;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
