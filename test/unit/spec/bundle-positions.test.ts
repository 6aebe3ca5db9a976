import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundleSchema } from '../../../generators/shared/spec/bundle-schema.js';
import { DocumentStore } from '../../../generators/shared/spec/documents.js';
import { parseSourceDocument, type SourceDocument } from '../../../generators/shared/spec/source-document.js';

const DIR = path.resolve('/project/schemas');
const COMMON = path.join(DIR, 'common.json');
const COMMON_TEXT = `{\n  "$defs": {\n    "unit": { "enum": ["C", "F"] },\n    "point": { "type": "object", "properties": { "x": { "type": "number" } } }\n  }\n}\n`;
const INPUT = path.join(DIR, 'input.json');
const INPUT_TEXT = JSON.stringify({ type: 'object', properties: { unit: { $ref: 'common.json#/$defs/unit' }, at: { $ref: 'common.json#/$defs/point' } } }, null, 2);

/** The input file's document, counting the positions asked of it and of the file its `$ref`s reach. */
function counted(): { doc: SourceDocument; store: DocumentStore; asked: string[] } {
  const asked: string[] = [];
  const count = (doc: SourceDocument): SourceDocument => ({ ...doc, locate: (pointer, options) => (asked.push(`${path.basename(doc.file)}#${pointer}`), doc.locate(pointer, options)) });
  const store = new DocumentStore({ allowRemoteRefs: false, overlay: new Map([[COMMON, COMMON_TEXT]]) });
  // The store parses common.json itself: its positions are counted through a wrapped store.
  const load = store.load.bind(store);
  store.load = async (location, from) => count(await load(location, from));
  return { doc: count(parseSourceDocument(INPUT, INPUT_TEXT)), store, asked };
}

describe('bundling locates positions only when asked', () => {
  it('bundles $refs into another file without locating them, and finds a definition’s origin on first read', async () => {
    const { doc, store, asked } = counted();
    const loaded = await bundleSchema({ doc, base: '' }, store);
    expect(Object.keys(loaded.bundled)).toEqual(['unit', 'point']);
    // Nothing located: not the schema's own start, no `$ref`, no definition.
    expect(asked).toEqual([]);
    const fresh = parseSourceDocument(COMMON, COMMON_TEXT);
    expect(loaded.bundled.point).toEqual({ file: COMMON, ...fresh.locate('/$defs/point'), pointer: '/$defs/point' });
    expect(loaded.bundled.point!.line).toBe(4);
    expect(asked).toEqual(['common.json#/$defs/point']);
    expect(loaded.location).toEqual({ file: doc.file, ...parseSourceDocument(doc.file, doc.text).locate(''), pointer: '' });
    expect(asked).toEqual(['common.json#/$defs/point', 'input.json#']);
  });

  it('still names the line of a broken $ref', async () => {
    const { doc, store } = counted();
    const broken = parseSourceDocument(INPUT, INPUT_TEXT.replace('$defs/unit', '$defs/units'));
    await expect(bundleSchema({ doc: { ...doc, data: broken.data, text: broken.text, locate: broken.locate }, base: '' }, store)).rejects.toMatchObject({
      file: INPUT,
      pointer: '/properties/unit/$ref',
      line: 5,
    });
  });
});
