/**
 * Surgical update of one user-owned handler file. Generation owns exactly three things in it:
 * the name literal of the `define*('<name>', ...)` call, the imports from `../generated/types/`,
 * and type annotations of the handler function that name generated types. Everything else (the
 * body, the user's own imports, helpers, comments, formatting) is copied byte for byte: edits are
 * applied to the original text by offset, never by re-printing the file.
 */
import { analyzeHandler, type Annotation, type GeneratedImport, type ImportedName, type Span } from './analyze.js';
import { expectedShape, generatedFileOf, ROLES, rootTypeName, typesModule, type EntryKind } from './entries.js';

// Kept importable from here: it is what a merge reads of a generated file.
export { exportedNames } from './entries.js';

export interface MergeTarget {
  kind: EntryKind;
  /** The entry the file implements (its file name). */
  name: string;
  /** Names exported by a generated types file after this generation; undefined when it will not exist. */
  exportsOf(file: string): ReadonlySet<string> | undefined;
}

export type MergeResult =
  | { status: 'unchanged' }
  | { status: 'updated'; text: string; changes: string[] }
  | { status: 'conflict'; found: string; expected: string };

interface Edit extends Span {
  text: string;
}

export function mergeHandler(path: string, text: string, target: MergeTarget): MergeResult {
  const { kind, name } = target;
  const newModule = typesModule(kind, name);
  const newRoots = Object.fromEntries(
    ROLES[kind].map((role) => {
      const type = rootTypeName(name, role);
      return [role, target.exportsOf(generatedFileOf(newModule)!)?.has(type) ? type : undefined];
    }),
  );
  const expected = expectedShape(kind, name, newRoots);
  const analysis = analyzeHandler(path, text, kind);
  if (!analysis.ok) return { status: 'conflict', found: analysis.found, expected };
  const shape = analysis.shape;

  const edits: Edit[] = [];
  const changes: string[] = [];
  const oldName = shape.name;
  if (oldName !== name) {
    edits.push({ ...shape.nameSpan, text: `${shape.nameQuote}${name}${shape.nameQuote}` });
    changes.push(`name '${oldName}' → '${name}'`);
  }
  const oldModule = typesModule(kind, oldName);
  const roleOf = new Map(ROLES[kind].map((role) => [rootTypeName(oldName, role), role]));

  const annotations = [...shape.annotations.params, shape.annotations.returns].filter((a): a is Annotation => a !== undefined);
  const annotationAt = (pos: number) => annotations.find((a) => pos >= a.type.start && pos < a.type.end);
  const removed = new Set<Annotation>();
  const renames: Edit[] = [];

  for (const imp of shape.imports) {
    const module = imp.module === oldModule ? newModule : imp.module;
    const exports = target.exportsOf(generatedFileOf(module) ?? '');
    if (imp.namespace !== undefined || imp.other) {
      if (!exports) return { status: 'conflict', found: `imports ${imp.module}, which is no longer generated`, expected };
      if (module !== imp.module) {
        edits.push({ ...imp.span, text: text.slice(imp.span.start, imp.span.end).replace(imp.module, module) });
        changes.push(`import ${imp.module} → ${module}`);
      }
      continue;
    }
    const names: ImportedName[] = [];
    let changed = module !== imp.module;
    for (const n of imp.names) {
      const role = module === newModule ? roleOf.get(n.imported) : undefined;
      const wanted = role ? rootTypeName(name, role) : n.imported;
      const refs = shape.identifiers.filter((id) => id.text === n.local);
      const inBody = refs.filter((id) => !annotationAt(id.start));
      if (!exports?.has(wanted)) {
        if (inBody.length > 0) {
          return {
            status: 'conflict',
            found: `uses ${n.local} (imported from ${imp.module}), which the spec no longer generates`,
            expected: `${expected}\n  remove or replace the uses of ${n.local} outside the handler's parameter and return types`,
          };
        }
        for (const ref of refs) removed.add(annotationAt(ref.start)!);
        changes.push(`dropped ${n.imported} (no longer generated)`);
        changed = true;
        continue;
      }
      if (wanted === n.imported) {
        names.push(n);
      } else if (n.local !== n.imported || inBody.length > 0) {
        // The body uses the old name: alias the import so the body stays byte-identical.
        names.push({ ...n, imported: wanted });
        changes.push(`${n.imported} → ${wanted}${n.local === n.imported ? ` (imported as ${n.local})` : ''}`);
        changed = true;
      } else {
        names.push({ ...n, imported: wanted, local: wanted });
        for (const ref of refs) renames.push({ start: ref.start, end: ref.start + n.local.length, text: wanted });
        changes.push(`${n.imported} → ${wanted}`);
        changed = true;
      }
    }
    if (!changed) continue;
    if (names.length === 0) edits.push({ start: imp.span.start, end: lineEnd(text, imp.span.end), text: '' });
    else edits.push({ ...imp.span, text: renderImport(imp, module, names) });
  }

  for (const annotation of removed) {
    edits.push({ ...annotation.span, text: '' });
    changes.push(`removed the annotation \`${annotation.text}\``);
  }
  for (const rename of renames) if (![...removed].some((a) => rename.start >= a.span.start && rename.end <= a.span.end)) edits.push(rename);
  if (edits.length === 0) return { status: 'unchanged' };

  const updated = applyEdits(text, edits);
  const check = analyzeHandler(path, updated, kind);
  if (!check.ok || check.shape.name !== name) {
    return { status: 'conflict', found: 'the handler cannot be updated without touching code generation does not own', expected };
  }
  return { status: 'updated', text: updated, changes };
}

function renderImport(imp: GeneratedImport, module: string, names: ImportedName[]): string {
  const list = names.map((n) => `${n.typeOnly ? 'type ' : ''}${n.imported === n.local ? n.imported : `${n.imported} as ${n.local}`}`);
  return `import ${imp.typeOnly ? 'type ' : ''}{ ${list.join(', ')} } from ${imp.quote}${module}${imp.quote};`;
}

/** Past the end of the line `offset` is on (to drop a whole import line). */
function lineEnd(text: string, offset: number): number {
  let end = offset;
  while (end < text.length && (text[end] === ' ' || text[end] === '\t')) end++;
  if (text[end] === '\r') end++;
  if (text[end] === '\n') end++;
  return end;
}

export function applyEdits(text: string, edits: Edit[]): string {
  const sorted = [...edits].sort((a, b) => b.start - a.start);
  let out = text;
  let floor = Infinity;
  for (const edit of sorted) {
    if (edit.end > floor) throw new Error(`overlapping edits at ${edit.start}..${edit.end}`);
    out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
    floor = edit.start;
  }
  return out;
}
