/**
 * JSON files are parsed with JSON.parse (fast), which keeps the last of two equal keys without a
 * word; a count of the parsed objects' keys against the key tokens of the text sends any file
 * that repeats a key, at any depth, to the YAML parser, which reports it with its line.
 */
import { describe, expect, it } from 'vitest';
import { SpecError } from '../../../generators/shared/spec/errors.js';
import { parseSourceDocument } from '../../../generators/shared/spec/source-document.js';

function parseError(text: string): SpecError {
  try {
    parseSourceDocument('/x/schema.json', text);
  } catch (error) {
    return error as SpecError;
  }
  throw new Error('expected the parse to fail');
}

describe('JSON documents and repeated keys', () => {
  it.each([
    ['at the top', '{"type": "object", "type": "string"}', 1],
    ['in a nested object', '{"properties": {\n  "a": {"type": "string", "type": "number"}\n}}', 2],
    ['in an object inside arrays', '{"anyOf": [[], [{"x": 1}, {"y": 1,\n"y": 2}]]}', 2],
    ['with escapes that spell the same key', '{"a": 1, "\\u0061": 2}', 1],
    ['after strings that end in escaped backslashes', '{"p": "x\\\\", "q": "\\\\\\"", "k\\\\": 1,\n "k\\\\": 2}', 2],
  ])('reports a key repeated %s, with its line', (_case, text, line) => {
    const error = parseError(text);
    expect(error).toBeInstanceOf(SpecError);
    expect(error.format()).toMatch(/repeated key/);
    expect(error.format()).toContain(`schema.json:${line}:`);
  });

  it('keeps every distinct key, __proto__ and keys that look like Object.prototype members included', () => {
    const text = '{"__proto__": {"a": 1}, "constructor": [{"toString": 1, "hasOwnProperty": {}}], "k": {"": null}}';
    const doc = parseSourceDocument('/x/schema.json', text);
    expect(doc.data).toEqual(JSON.parse(text));
    expect(Object.keys(doc.data as object)).toEqual(['__proto__', 'constructor', 'k']);
  });

  it('reads strings that end in escaped backslashes or quotes as data', () => {
    const text = '{"a": "\\\\", "b\\\\": "\\"", "c": ["\\\\\\\\", "d\\\\\\":"]}';
    expect(parseSourceDocument('/x/schema.json', text).data).toEqual(JSON.parse(text));
  });

  it('reads strings that contain what looks like keys as data', () => {
    const text = '{"description": "\\"a\\": 1, \\"a\\": 2", "list": ["b:", "\\"c\\":"]}';
    expect(parseSourceDocument('/x/schema.json', text).data).toEqual(JSON.parse(text));
  });
});
