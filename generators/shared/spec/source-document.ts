import { createRequire } from 'node:module';
import type { Node, Pair, YAMLMap } from 'yaml';
import { SpecError } from './errors.js';
import type { SpecLocation } from './types.js';

/**
 * A parsed YAML or JSON file that remembers where every value came from, so that any error found
 * later (spec schema, `$ref`, JSON Schema meta-validation) can name a line and column.
 * JSON is parsed by the YAML parser too: it is (nearly) a YAML 1.2 subset and this gives one
 * position map for both formats.
 */
export interface SourceDocument {
  file: string;
  text: string;
  data: unknown;
  /** Position of the value at `pointer`; with `key`, of the key naming it (for unknown keys). */
  locate(pointer: string, options?: { key?: boolean }): { line: number; column: number };
}

export function parseSourceDocument(file: string, text: string): SourceDocument {
  // JSON fast path: JSON.parse is ~50× faster than the YAML parser on large documents (the
  // GitHub REST description is 13 MB). Positions are only needed when something is reported, so
  // the YAML parse that maps them runs on the first `locate` call. Duplicate keys, which
  // JSON.parse silently accepts, are caught by a cheap scan and then reported by the YAML path.
  const parsed = /\.json$/i.test(file) ? parseJsonWithDistinctKeys(text) : undefined;
  return parsed ? jsonSourceDocument(file, text, parsed.data) : parseWithPositions(file, text);
}

/**
 * The document of a JSON `text` whose parse is `data`, known without parsing it: `text` is valid
 * JSON, with no repeated key, that JSON.parse turns into a value deep-equal to `data` (as the
 * JSON.stringify of a `jsonFaithful` value is; see LoadSpecOptions.fileData).
 */
export function jsonSourceDocument(file: string, text: string, data: unknown): SourceDocument {
  // Positions come from a one-pass JSON scan on the first `locate` (the bundler records where
  // every schema and copied `$ref` target came from even when nothing is wrong): YAML-parsing
  // the 1,925 schema files of the GitHub import for that was ~9% of its CPU (bench/README.md).
  let index: JsonPositions | undefined;
  const positions = (): JsonPositions => {
    try {
      return indexJsonPositions(text);
    } catch {
      return parseWithPositions(file, text); // e.g. nesting deeper than the scanner's stack
    }
  };
  // The root's position (asked for every schema file the bundler loads) needs no index.
  const locate = (pointer: string, options?: { key?: boolean }) =>
    index === undefined && parsePointer(pointer).length === 0 ? rootPosition(text) : (index ??= positions()).locate(pointer, options);
  return { file, text, data, locate };
}

/**
 * Whether JSON gives back exactly this value: plain objects, arrays without holes, strings,
 * booleans, null and finite numbers (YAML can also give `.inf`, `.nan` and -0, which JSON would
 * turn into others; an object built in memory can hold `undefined`, which JSON drops). A loop
 * over a stack, as `countObjectKeys`: the GitHub import asks it of 9.5 MB of schema data.
 */
export function jsonFaithful(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (item === null || typeof item === 'string' || typeof item === 'boolean') continue;
    if (typeof item === 'number') {
      if (!Number.isFinite(item) || Object.is(item, -0)) return false;
      continue;
    }
    if (typeof item !== 'object') return false;
    if (Array.isArray(item)) {
      for (let i = 0; i < item.length; i++) {
        if (!(i in item)) return false; // a hole: JSON writes null there
        stack.push(item[i]);
      }
      continue;
    }
    const proto = Object.getPrototypeOf(item) as unknown;
    if (proto !== Object.prototype && proto !== null) return false;
    // Own keys only: Object.prototype has no enumerable ones.
    for (const key in item) stack.push((item as Record<string, unknown>)[key]);
  }
  return true;
}

/**
 * The JSON text parsed, when every object's keys are distinct (the keys of the parsed objects,
 * counted, against the key tokens of the text); undefined when it is not valid JSON or some object
 * may repeat a key. Counted by a walk after a plain parse, not with a reviver: V8's reviver path
 * is ~2.5× slower than the two together (13 MB GitHub description: ~110 → ~45 ms).
 */
function parseJsonWithDistinctKeys(text: string): { data: unknown } | undefined {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  return countKeyTokens(text) === countObjectKeys(data) ? { data } : undefined;
}

/** Keys of every object in parsed JSON (`for...in` sees own keys only: Object.prototype has none enumerable). */
function countObjectKeys(data: unknown): number {
  let count = 0;
  const stack: unknown[] = [data];
  while (stack.length > 0) {
    const value = stack.pop();
    if (value === null || typeof value !== 'object') continue;
    if (Array.isArray(value)) {
      for (const item of value) if (item !== null && typeof item === 'object') stack.push(item);
    } else {
      for (const key in value) {
        count++;
        const item = (value as Record<string, unknown>)[key];
        if (item !== null && typeof item === 'object') stack.push(item);
      }
    }
  }
  return count;
}

/**
 * Number of `"...":` tokens outside strings: each is an object key in valid JSON. Strings are
 * crossed with `indexOf` (native search) rather than a character loop: ~2.5× less time on the 13 MB
 * GitHub description, most of it no longer dependent on the JIT tiering up this one long call.
 */
function countKeyTokens(text: string): number {
  let count = 0;
  const n = text.length;
  for (let open = text.indexOf('"'); open !== -1; ) {
    // The closing quote: the next one not escaped, i.e. after an even run of backslashes.
    let close = text.indexOf('"', open + 1);
    for (;;) {
      if (close === -1) return count;
      let before = close - 1;
      while (text.charCodeAt(before) === 92 /* \ */) before--;
      if ((close - 1 - before) % 2 === 0) break;
      close = text.indexOf('"', close + 1);
    }
    let k = close + 1;
    while (k < n) {
      const e = text.charCodeAt(k);
      if (e === 32 || e === 9 || e === 10 || e === 13) k++;
      else break;
    }
    if (text.charCodeAt(k) === 58 /* : */) count++;
    open = text.indexOf('"', close + 1);
  }
  return count;
}

/**
 * The YAML parser, loaded on first use: a regeneration whose spec is cached and whose schema
 * files are JSON never needs it. (Synchronous, as parsing is; the same module `import` loads.)
 */
let yamlModule: typeof import('yaml') | undefined;
const yaml = (): typeof import('yaml') => (yamlModule ??= createRequire(import.meta.url)('yaml') as typeof import('yaml'));

/** Parses YAML (or JSON the fast path refused) as the loader does; a syntax error is a SpecError at its line. */
function parseYaml(file: string, text: string) {
  const { LineCounter, parseDocument } = yaml();
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, strict: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const pos = lineCounter.linePos(first.pos[0]);
    const json = /\.json$/i.test(file);
    throw new SpecError({
      file,
      line: pos.line,
      column: pos.col,
      message: `invalid ${json ? 'JSON' : 'YAML'}: ${first.message.split('\n')[0]}`,
      hint:
        first.code === 'DUPLICATE_KEY'
          ? 'remove or rename the repeated key (each key may appear once per map)'
          : `fix the syntax at line ${pos.line} or just before it (an unclosed bracket or quote is reported where the parser gives up)`,
    });
  }
  const data: unknown = doc.toJS({ maxAliasCount: 100 });
  return { data, root: doc.contents as Node | null, lineCounter };
}

function parseWithPositions(file: string, text: string): SourceDocument {
  const { isMap, isPair, isScalar, isSeq } = yaml();
  const { data, root, lineCounter } = parseYaml(file, text);
  /**
   * A map's pairs by key, built the first time a pointer crosses it: the loader locates every
   * tool (`/tools/<name>`), and a scan of the 1,223-key map per tool was ~0.1 s of an import.
   * The first pair of a key wins, as a scan would find it.
   */
  const indexes = new WeakMap<object, Map<string, Pair>>();
  const pairOf = (map: YAMLMap, segment: string): Pair | undefined => {
    let index = indexes.get(map);
    if (!index) {
      index = new Map();
      for (const p of map.items) if (isPair(p) && isScalar(p.key) && !index.has(String(p.key.value))) index.set(String(p.key.value), p);
      indexes.set(map, index);
    }
    return index.get(segment);
  };

  const locate = (pointer: string, options: { key?: boolean } = {}) => {
    const segments = parsePointer(pointer);
    let node: unknown = root;
    let keyNode: unknown;
    for (const segment of segments) {
      keyNode = undefined;
      if (isMap(node)) {
        const pair = pairOf(node, segment);
        if (!pair) break;
        keyNode = pair.key;
        node = pair.value;
      } else if (isSeq(node)) {
        const item = node.items[Number(segment)];
        if (item === undefined) break;
        node = item;
      } else break;
    }
    const target = (options.key && keyNode ? keyNode : node) as { range?: [number, number, number] } | null;
    const offset = target?.range?.[0];
    if (offset === undefined) return { line: 1, column: 1 };
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, column: pos.col };
  };
  const parsed = { file, text, data, locate };
  if (text.length <= RECENT_TEXT_LIMIT) {
    if (recent.size >= RECENT_LIMIT) recent.delete(recent.keys().next().value!);
    recent.set(file, parsed);
  }
  return parsed;
}

/**
 * Where each node of a YAML document starts, shaped like the document (`m`: a map's entries by
 * key, the first of a repeated key as `locate` finds it; `s`: a sequence's items; `k`: the key
 * naming the node), as [line, column]; null where the parser kept no range. Plain data, so it
 * crosses threads: an import parses its large spec in a worker while this thread goes on.
 */
export interface PositionTree {
  v: [number, number] | null;
  k?: [number, number] | null;
  m?: Map<string, PositionTree>;
  s?: PositionTree[];
}

/** Parses YAML as `parseSourceDocument` does (same errors), giving its data and its positions as a `PositionTree`. */
export function parseToPositionTree(file: string, text: string): { data: unknown; tree: PositionTree } {
  const { isMap, isPair, isScalar, isSeq } = yaml();
  const { data, root, lineCounter } = parseYaml(file, text);
  const at = (node: unknown): [number, number] | null => {
    const offset = (node as { range?: [number, number, number] } | null)?.range?.[0];
    if (offset === undefined) return null;
    const pos = lineCounter.linePos(offset);
    return [pos.line, pos.col];
  };
  const build = (node: unknown): PositionTree => {
    if (isMap(node)) {
      const m = new Map<string, PositionTree>();
      for (const p of node.items) {
        if (!isPair(p) || !isScalar(p.key) || m.has(String(p.key.value))) continue;
        m.set(String(p.key.value), { ...build(p.value), k: at(p.key) });
      }
      return { v: at(node), m };
    }
    if (isSeq(node)) return { v: at(node), s: node.items.map(build) };
    return { v: at(node) };
  };
  return { data, tree: build(root) };
}

/** A document whose positions come from a `PositionTree`: `locate` answers as the YAML document's own would. */
export function documentFromPositionTree(file: string, text: string, data: unknown, tree: PositionTree): SourceDocument {
  const locate = (pointer: string, options: { key?: boolean } = {}) => {
    let node = tree;
    // Set by a step into a map (the key that names the node), as in the YAML path.
    let key: [number, number] | null | undefined;
    for (const segment of parsePointer(pointer)) {
      key = undefined;
      const next = node.m ? node.m.get(segment) : node.s ? node.s[Number(segment)] : undefined;
      if (next === undefined) break;
      if (node.m) key = next.k ?? null;
      node = next;
    }
    const pos = options.key && key !== undefined ? key : node.v;
    return pos ? { line: pos[0], column: pos[1] } : { line: 1, column: 1 };
  };
  return { file, text, data, locate };
}

/**
 * The last few YAML-parsed documents, by file: lint locates its findings in the spec the loader
 * has just parsed, and a second YAML parse of a 1,000-tool spec costs a fifth of a second.
 */
const recent = new Map<string, SourceDocument>();
const RECENT_LIMIT = 4;
/** A parsed YAML document holds many times its text in memory: large ones (imports) are not kept. */
const RECENT_TEXT_LIMIT = 1024 * 1024;

/** Makes `doc` the answer of `locatorFor` for its file and text (a document parsed elsewhere, e.g. from a cache). */
export function rememberDocument(doc: SourceDocument): void {
  recent.delete(doc.file);
  if (recent.size >= RECENT_LIMIT) recent.delete(recent.keys().next().value!);
  recent.set(doc.file, doc);
}

/**
 * Positions in `text` (the content of `file`) without parsing it again when it was just parsed.
 * For `locate` only: the returned document's `data` may be shared with the loader.
 */
export function locatorFor(file: string, text: string): Pick<SourceDocument, 'locate'> {
  const known = recent.get(file);
  return known && known.text === text ? known : parseSourceDocument(file, text);
}

interface JsonPositions {
  locate(pointer: string, options?: { key?: boolean }): { line: number; column: number };
}

/**
 * Positions of every value (and key) of a valid, duplicate-free JSON text, answering `locate`
 * exactly as the YAML path does: the deepest node found along the pointer, its first character,
 * 1-based line and column. Only called on text JSON.parse accepted.
 */
function indexJsonPositions(text: string): JsonPositions {
  // A node's path is its JSON pointer ('' for the root), so any key, even '' or 'a/b', is unambiguous.
  const values = new Map<string, number>();
  const keys = new Map<string, number>();
  const kinds = new Map<string, 'map' | 'seq'>();
  let i = 0;
  const ws = () => {
    for (let c = text.charCodeAt(i); c === 32 || c === 9 || c === 10 || c === 13; c = text.charCodeAt(++i));
  };
  const stringEnd = (from: number) => {
    let j = from + 1;
    for (let c = text.charCodeAt(j); c !== 34; c = text.charCodeAt(j)) j += c === 92 ? 2 : 1;
    return j + 1;
  };
  const value = (path: string): void => {
    ws();
    values.set(path, i);
    const c = text.charCodeAt(i);
    const prefix = `${path}/`;
    if (c === 123 /* { */) {
      kinds.set(path, 'map');
      i++;
      ws();
      if (text.charCodeAt(i) === 125) return void i++;
      for (;;) {
        ws();
        const start = i;
        i = stringEnd(i);
        const key = JSON.parse(text.slice(start, i)) as string;
        const child = prefix + escapeSegment(key);
        keys.set(child, start);
        ws();
        i++; // :
        value(child);
        ws();
        if (text.charCodeAt(i++) === 125) return;
      }
    }
    if (c === 91 /* [ */) {
      kinds.set(path, 'seq');
      i++;
      ws();
      if (text.charCodeAt(i) === 93) return void i++;
      for (let n = 0; ; n++) {
        value(prefix + n);
        ws();
        if (text.charCodeAt(i++) === 93) return;
      }
    }
    if (c === 34) i = stringEnd(i);
    else while (i < text.length && !/[\s,\]}]/.test(text[i]!)) i++;
  };
  value('');
  const lineStarts = [0];
  for (let j = text.indexOf('\n'); j >= 0; j = text.indexOf('\n', j + 1)) lineStarts.push(j + 1);
  const position = (offset: number) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - lineStarts[lo]! + 1 };
  };
  return {
    locate(pointer, options = {}) {
      let path = '';
      let keyOffset: number | undefined;
      for (const segment of parsePointer(pointer)) {
        keyOffset = undefined;
        const kind = kinds.get(path);
        // Like the YAML path: a sequence index is Number(segment) (so '' is 0), a map key as is.
        const childPath = `${path}/${kind === 'seq' ? String(Number(segment)) : escapeSegment(segment)}`;
        if (kind === undefined || !values.has(childPath)) break;
        if (kind === 'map') keyOffset = keys.get(childPath);
        path = childPath;
      }
      return position(options.key && keyOffset !== undefined ? keyOffset : values.get(path)!);
    },
  };
}

/** Where a JSON text's root value starts (its first character after white space), as the index answers. */
function rootPosition(text: string): { line: number; column: number } {
  let i = 0;
  for (let c = text.charCodeAt(i); c === 32 || c === 9 || c === 10 || c === 13; c = text.charCodeAt(++i));
  const lineStart = text.lastIndexOf('\n', i - 1) + 1;
  let line = 1;
  for (let j = text.indexOf('\n'); j >= 0 && j < i; j = text.indexOf('\n', j + 1)) line++;
  return { line, column: i - lineStart + 1 };
}

// Most segments (property names, keywords) hold neither character: no replace, no new string.
const escapeSegment = (s: string) => (s.includes('~') || s.includes('/') ? s.replace(/~/g, '~0').replace(/\//g, '~1') : s);

/** RFC 6901: '' is the whole document; `~1` is `/` and `~0` is `~`. */
export function parsePointer(pointer: string): string[] {
  if (pointer === '' || pointer === '#') return [];
  // A `$ref` fragment is URI-encoded (`#/$defs/a%20b`); an ajv instancePath is not.
  const fragment = pointer.startsWith('#');
  const p = fragment ? pointer.slice(1) : pointer;
  return p
    .split('/')
    .slice(1)
    .map((s) => (fragment ? safeDecode(s) : s).replace(/~1/g, '/').replace(/~0/g, '~'));
}

/**
 * A location whose line and column are found on first read (then kept): the same values as an
 * eager `doc.locate(pointer, options)`, paid for only by an error message or a reader that asks
 * (a large import's spec is parsed for its positions in a worker meanwhile, see spec-in-worker.ts).
 */
export function lazyLocation(doc: Pick<SourceDocument, 'file' | 'locate'>, pointer: string, options?: { key?: boolean }): SpecLocation {
  // The locator alone is kept, not the document: a loaded schema would otherwise hold the parsed
  // data of every file it bundled from for as long as the spec lives (locators are closures).
  // Own enumerable getters (a spread `{ ...location }` copies the values), in an eager
  // location's key order; a literal, not Object.defineProperties: the literal's getters are
  // created with the object in one step, the other way redefined two properties of every one
  // of the ~5,000 locations a 1,000-tool spec makes.
  const { file, locate } = doc;
  let pos: { line: number; column: number } | undefined;
  return {
    file,
    get line() {
      return (pos ??= locate(pointer, options)).line;
    },
    get column() {
      return (pos ??= locate(pointer, options)).column;
    },
    pointer,
  };
}

export function joinPointer(base: string, ...segments: Array<string | number>): string {
  let pointer = base;
  for (const segment of segments) pointer += '/' + (typeof segment === 'number' ? segment : escapeSegment(segment));
  return pointer;
}

/** Reads the value at a JSON pointer, or `undefined` when a segment is missing. */
export function getAtPointer(data: unknown, pointer: string): unknown {
  let node = data;
  for (const segment of parsePointer(pointer)) {
    if (node === null || typeof node !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(node, segment)) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
