/**
 * A large import's spec is parsed for its positions in a worker (spec-in-worker.ts): the
 * positions cross threads as a `PositionTree`, and the generation starts from the data the import
 * made the text from. Every answer of the tree must equal the YAML document's own `locate`, for
 * every pointer, present or not, value or key; and the foreseen data is used only once confirmed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { foreseenSpec, parseSpecHere } from '../../../generators/shared/codegen/spec-in-worker.js';
import { documentFromPositionTree, joinPointer, parseSourceDocument, parseToPositionTree } from '../../../generators/shared/spec/source-document.js';
import { SpecDocumentCache } from '../../../generators/shared/spec/spec-document-cache.js';
import { TOOLKIT_ROOT } from '../../helpers/toolkit.js';

/** Every pointer in `data`, plus missing children and odd array indexes (as json-positions.test.ts). */
function pointers(data: unknown, at = ''): string[] {
  const out = [at, joinPointer(at, 'missing'), joinPointer(at, 'missing', 'deeper')];
  if (Array.isArray(data)) {
    out.push(joinPointer(at, data.length), joinPointer(at, ''), joinPointer(at, '01'), joinPointer(at, 'NaN'), joinPointer(at, '-0'));
    data.forEach((v, i) => out.push(...pointers(v, joinPointer(at, i))));
  } else if (data !== null && typeof data === 'object') {
    for (const [k, v] of Object.entries(data)) out.push(...pointers(v, joinPointer(at, k)));
  }
  return out;
}

/** Compares the tree's answers (after a structured clone, as a worker's message arrives) with the YAML document's. */
function compare(text: string, file = 'spec.yaml'): number {
  const yaml = parseSourceDocument(file, text);
  const { data, tree } = parseToPositionTree(file, text);
  expect(data).toEqual(yaml.data);
  const fromTree = documentFromPositionTree(file, text, data, structuredClone(tree));
  const all = pointers(yaml.data);
  for (const pointer of all) {
    expect(fromTree.locate(pointer), pointer).toEqual(yaml.locate(pointer));
    expect(fromTree.locate(pointer, { key: true }), `${pointer} (key)`).toEqual(yaml.locate(pointer, { key: true }));
  }
  return all.length;
}

const HAND_WRITTEN = `# a comment
name: demo   # trailing comment
empty:
nulls: [~, null, ]
anchors:
  base: &base { a: 1, b: [x, y] }
  copy: *base
flow: { 'quoted key': "v", 1: one, true: yes }
block: |
  two
  lines
seq:
  -
  - - nested
    - { k: v }
  - key: value
    other: 2
"a/b": slash
"~t": tilde
'': empty key
`;

const NASTY = {
  '': { 'a/b': [1, -2.5e3, true, null, '', 'x"y\\z'], '~tilde': {} },
  'ünï "cödé" 😀': ['tab\there', { nested: [[], [{}], [[0]]] }],
  list: [{ id: 1, tags: ['a', 'b'] }, { id: 2, empty: [] }],
  escaped: 'line\nbreak \u2028',
  long: 'word '.repeat(60),
};

describe('positions as a tree (a spec parsed in a worker)', () => {
  it('answers like the YAML document for every pointer of hand-written YAML and of every example and fixture spec', () => {
    expect(compare(HAND_WRITTEN)).toBeGreaterThan(60);
    expect(compare(stringify(NASTY, { lineWidth: 40 }))).toBeGreaterThan(60);
    compare(stringify(NASTY).replace(/\n/g, '\r\n'));
    compare('');
    compare('just a scalar\n');
    let specs = 0;
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory() && entry.name !== 'node_modules' && !entry.name.startsWith('.')) walk(path);
        else if (/^mcpforge\.ya?ml$/.test(entry.name)) {
          compare(readFileSync(path, 'utf8'), path);
          specs++;
        }
      }
    };
    walk(join(TOOLKIT_ROOT, 'examples'));
    walk(join(TOOLKIT_ROOT, 'test', 'fixtures'));
    expect(specs).toBeGreaterThan(5);
  });

  it('refuses what the loader refuses, with the same error', () => {
    for (const text of ['a: 1\na: 2\n', 'a: [1, 2\n', 'a: "x\n']) {
      const expected = (() => {
        try {
          parseSourceDocument('spec.yaml', text);
        } catch (error) {
          return (error as Error).message;
        }
        return 'no error';
      })();
      expect(expected).not.toBe('no error');
      expect(() => parseToPositionTree('spec.yaml', text)).toThrow(expected);
      expect(parseSpecHere({ file: 'spec.yaml', text })).toEqual({ parsedSpec: { failed: true } });
    }
  });
});

describe('a foreseen spec', () => {
  const text = 'name: demo\ntools:\n  a:\n    description: A.\n    input: { type: object }\n';
  const data = parseSourceDocument('spec.yaml', text).data;

  it('is confirmed only when its text parses to its data, by the worker or, failing that, here', async () => {
    const answer = Promise.resolve(parseSpecHere({ file: 'spec.yaml', text }).parsedSpec);
    expect(await foreseenSpec('spec.yaml', text, data, answer).confirmed()).toBe(true);
    expect(await foreseenSpec('spec.yaml', text, { ...(data as object), name: 'other' }, answer).confirmed()).toBe(false);
    // Same keys in another order: another document (the loader reports in document order).
    const reordered = { tools: (data as { tools: unknown }).tools, name: 'demo' };
    expect(await foreseenSpec('spec.yaml', text, reordered, answer).confirmed()).toBe(false);
    const failed = Promise.resolve({ failed: true } as const);
    expect(await foreseenSpec('spec.yaml', text, data, failed).confirmed()).toBe(true);
    expect(await foreseenSpec('spec.yaml', text, { name: 'x' }, failed).confirmed()).toBe(false);
    expect(await foreseenSpec('spec.yaml', 'a: [1\n', { a: [1] }, failed).confirmed()).toBe(false);
  });

  it('gives the loader its data without a parse, and positions from the worker once they are in', async () => {
    let arrive!: (a: ReturnType<typeof parseSpecHere>['parsedSpec']) => void;
    const foreseen = foreseenSpec('spec.yaml', text, data, new Promise((resolve) => (arrive = resolve)));
    expect(foreseen.locator()).toBeUndefined();
    const cache = new SpecDocumentCache('fingerprint', undefined, foreseen);
    const doc = cache.parse('spec.yaml', text);
    // The very object foreseen: nothing was parsed.
    expect(doc.data).toBe(data);
    arrive(parseSpecHere({ file: 'spec.yaml', text }).parsedSpec);
    await new Promise((resolve) => setImmediate(resolve));
    expect(foreseen.locator()).toBeDefined();
    const yaml = parseSourceDocument('spec.yaml', text);
    for (const pointer of ['/tools/a/input', '/tools/a', '/name', '/tools/missing']) {
      expect(doc.locate(pointer)).toEqual(yaml.locate(pointer));
      expect(doc.locate(pointer, { key: true })).toEqual(yaml.locate(pointer, { key: true }));
    }
    // Another text is parsed as before.
    const other = `${text}# edited\n`;
    expect(new SpecDocumentCache('fingerprint', undefined, foreseen).parse('spec.yaml', other).data).not.toBe(data);
  });
});
