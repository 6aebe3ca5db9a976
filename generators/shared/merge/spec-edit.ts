/**
 * Adds an entry to `mcpforge.yaml` without re-serialising the user's file: the YAML Document API
 * finds where the section ends and how it is indented, the new entry is rendered on its own and
 * spliced in as text, so comments, quoting, blank lines and key order elsewhere stay byte for byte.
 * The result is parsed again and compared with the intended data before it is returned.
 */
import { isDeepStrictEqual } from 'node:util';
import { isMap, isPair, isScalar, LineCounter, parseDocument, stringify, type YAMLMap } from 'yaml';
import { setOwn } from '../own-property.js';

export type Section = 'tools' | 'resources' | 'prompts';

export class SpecEditError extends Error {}

export function addSpecEntry(text: string, file: string, section: Section, name: string, entry: Record<string, unknown>): string {
  if (/\.json$/i.test(file)) return addJsonEntry(text, section, name, entry);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  if (doc.errors.length > 0) throw new SpecEditError(`${file} is not valid YAML (${doc.errors[0]!.message.split('\n')[0]}): fix it first`);
  const before = (doc.toJS() ?? {}) as Record<string, unknown>;
  const existing = before[section] as Record<string, unknown> | null | undefined;
  if (existing && typeof existing === 'object' && Object.prototype.hasOwnProperty.call(existing, name)) {
    throw new SpecEditError(`${section}.${name} already exists in ${file}`);
  }
  const expected = { ...before, [section]: { ...(existing ?? {}), [name]: entry } };

  const node = doc.get(section, true) as YAMLMap | undefined;
  let spliced: string | undefined;
  if (isMap(node) && !node.flow && node.items.length > 0 && node.range) {
    // Insert after the last entry, at the column of the section's keys.
    const firstKey = node.items[0]!.key;
    const indent = isScalar(firstKey) && firstKey.range ? lineCounter.linePos(firstKey.range[0]).col - 1 : 2;
    const last = node.items[node.items.length - 1]!;
    const end = isPair(last) && last.value && (last.value as { range?: [number, number, number] }).range ? (last.value as { range: [number, number, number] }).range[1] : node.range[1];
    const lineEnd = text.indexOf('\n', Math.max(0, end - 1));
    const at = lineEnd === -1 ? text.length : lineEnd + 1;
    const prefix = at === text.length && !text.endsWith('\n') ? '\n' : '';
    spliced = text.slice(0, at) + prefix + render({ [name]: entry }, indent) + text.slice(at);
  } else if (node === undefined && !Object.prototype.hasOwnProperty.call(before, section)) {
    const separator = text.length === 0 || text.endsWith('\n') ? '' : '\n';
    spliced = `${text}${separator}${section}:\n${render({ [name]: entry }, 2)}`;
  }
  if (spliced !== undefined && isDeepStrictEqual(parseDocument(spliced).toJS(), expected)) return spliced;

  // An empty or flow-style section: let the Document API place it (comments are still kept).
  doc.setIn([section, name], doc.createNode(entry));
  const rewritten = doc.toString({ lineWidth: 0 });
  if (!isDeepStrictEqual(parseDocument(rewritten).toJS(), expected)) throw new SpecEditError(`cannot add ${section}.${name} to ${file} safely: add it by hand`);
  return rewritten;
}

function render(value: Record<string, unknown>, indent: number): string {
  const pad = ' '.repeat(indent);
  return stringify(value, { indent: 2, lineWidth: 0 })
    .split('\n')
    .map((line) => (line ? pad + line : line))
    .join('\n');
}

function addJsonEntry(text: string, section: Section, name: string, entry: Record<string, unknown>): string {
  const data = JSON.parse(text) as Record<string, Record<string, unknown> | undefined>;
  const entries = (data[section] ??= {});
  if (Object.prototype.hasOwnProperty.call(entries, name)) throw new SpecEditError(`${section}.${name} already exists`);
  setOwn(entries, name, entry);
  const indent = /^\{\s*\n(\s+)"/.exec(text)?.[1]?.length ?? 2;
  return `${JSON.stringify(data, null, indent)}\n`;
}
