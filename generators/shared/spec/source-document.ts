import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { SpecError } from './errors.js';

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
  const root = doc.contents as Node | null;

  const locate = (pointer: string, options: { key?: boolean } = {}) => {
    const segments = parsePointer(pointer);
    let node: unknown = root;
    let keyNode: unknown;
    for (const segment of segments) {
      keyNode = undefined;
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === segment);
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
  return { file, text, data, locate };
}

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

export function joinPointer(base: string, ...segments: Array<string | number>): string {
  return base + segments.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
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
