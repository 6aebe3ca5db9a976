/**
 * JSON documents get positions from a one-pass JSON scan instead of a YAML parse (generation
 * speed, bench/README.md). Every answer must equal the YAML path's, which still serves YAML files:
 * the same text is loaded once as `.json` (scan) and once as `.yaml` (YAML parser) and every
 * pointer, present or not, value or key, is compared.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { joinPointer, parseSourceDocument } from '../../../generators/shared/spec/source-document.js';

const NASTY = {
  '': { 'a/b': [1, -2.5e3, true, null, '', 'x"y\\z'], '~tilde': {} },
  'ünï "cödé" 😀': ['tab\there', { nested: [[], [{}], [[0]]] }],
  list: [{ id: 1, tags: ['a', 'b'] }, { id: 2, empty: [] }],
  escaped: 'line\nbreak \u0000 \u2028',
};

/** Every pointer in `data`, plus a missing child under each container and past each scalar. */
function pointers(data: unknown, at = ''): string[] {
  const out = [at, joinPointer(at, 'missing'), joinPointer(at, 'missing', 'deeper')];
  if (Array.isArray(data)) {
    out.push(joinPointer(at, data.length), joinPointer(at, ''), joinPointer(at, '01'), joinPointer(at, 'NaN'));
    data.forEach((v, i) => out.push(...pointers(v, joinPointer(at, i))));
  } else if (data !== null && typeof data === 'object') {
    for (const [k, v] of Object.entries(data)) out.push(...pointers(v, joinPointer(at, k)));
  }
  return out;
}

function compare(text: string): number {
  const fast = parseSourceDocument('doc.json', text);
  const yaml = parseSourceDocument('doc.yaml', text);
  expect(fast.data).toEqual(yaml.data);
  const all = pointers(fast.data);
  for (const pointer of all) {
    expect(fast.locate(pointer), pointer).toEqual(yaml.locate(pointer));
    expect(fast.locate(pointer, { key: true }), `${pointer} (key)`).toEqual(yaml.locate(pointer, { key: true }));
  }
  return all.length;
}

describe('JSON positions without the YAML parser', () => {
  it('answers like the YAML path for every pointer of pretty, minified and CRLF JSON', () => {
    expect(compare(JSON.stringify(NASTY, null, 2))).toBeGreaterThan(60);
    compare(JSON.stringify(NASTY));
    compare(JSON.stringify(NASTY, null, '\t').replace(/\n/g, '\r\n'));
    compare(`\n\n   ${JSON.stringify(NASTY, null, 1)}\n`);
  });

  it('answers the root position without indexing the document, as the index would', () => {
    for (const text of [`\n\n   ${JSON.stringify(NASTY, null, 1)}\n`, `\r\n\t ${JSON.stringify(NASTY)}`, JSON.stringify(NASTY), '  \n\n\n  [1]']) {
      for (const pointer of ['', '#']) {
        // A fresh document each time: the first `locate` of the root takes the short cut.
        const expected = parseSourceDocument('doc.yaml', text).locate(pointer);
        expect(parseSourceDocument('doc.json', text).locate(pointer), JSON.stringify(text.slice(0, 8))).toEqual(expected);
        expect(parseSourceDocument('doc.json', text).locate(pointer, { key: true })).toEqual(expected);
      }
    }
    expect(parseSourceDocument('doc.json', '\n\n  {}').locate('')).toEqual({ line: 3, column: 3 });
  });

  it('answers like the YAML path on an OpenAPI fixture, including URI-encoded $ref fragments', () => {
    const text = readFileSync(join(import.meta.dirname, '../../fixtures/openapi/shop-3.1.json'), 'utf8');
    expect(compare(text)).toBeGreaterThan(20);
    const fast = parseSourceDocument('doc.json', JSON.stringify(NASTY, null, 2));
    const yaml = parseSourceDocument('doc.yaml', JSON.stringify(NASTY, null, 2));
    for (const ref of ['#/%C3%BCn%C3%AF%20%22c%C3%B6d%C3%A9%22%20%F0%9F%98%80/1/nested', '#//a~1b/5', '#//~0tilde']) {
      expect(fast.locate(ref), ref).toEqual(yaml.locate(ref));
    }
    // Not the trivial answer: a nested value is found on its own line and column.
    expect(fast.locate('/list/1/empty')).toEqual({ line: 39, column: 16 });
  });
});
