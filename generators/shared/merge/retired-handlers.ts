/**
 * Files in the handler folders that are no spec entry's handler: the handler of an entry the
 * spec no longer has (renamed or removed; left in place, unregistered, kept compiling), a file
 * claiming an entry whose handler is another file, or a helper module. Each is analysed once per
 * text: what the analysis found is recorded by the hash of the text (`.mcpforge/cache.json`,
 * `orphans`), so an unchanged old handler does not load ts-morph and TypeScript on every later
 * regeneration (~0.4 s each); a changed one is analysed again.
 */
import type { RetiredEntry } from '../codegen/emit-retired.js';
import { ENTRY_KINDS, HANDLER_DIR, handlerPath, isEntryName, typesModule, type EntryKind } from './entries.js';

/** What the analysis of one such file found (all a generation needs of it). */
export interface OrphanRecord {
  /** sha256 of the text analysed. */
  hash: string;
  /** The entry name its `define*('<name>', ...)` call claims; absent when it is no handler (a helper module). */
  name?: string;
  /** Names it imports from that entry's own generated types module. */
  types?: string[];
}

export interface RetiredHandlers {
  /** Entries whose handler file is still there, sorted by kind and name. */
  retired: RetiredEntry[];
  warnings: string[];
  /** What to record for the next run: every file analysed or taken from `recorded`. */
  orphans: Record<string, OrphanRecord>;
}

/**
 * Finds them among `files`. `recorded`: the orphans of the previous cache (only one written by
 * this generator: the analysis is the generator's own), used where the text hashes the same.
 */
export async function findRetiredHandlers(input: {
  files: ReadonlyMap<string, string>;
  active: Record<EntryKind, ReadonlySet<string>>;
  specFile: string;
  recorded: Record<string, OrphanRecord> | undefined;
  hash: (text: string) => string;
}): Promise<RetiredHandlers> {
  const { files, active } = input;
  const warnings: string[] = [];
  const orphans: Record<string, OrphanRecord> = {};
  const retired = new Map<string, RetiredEntry>();
  for (const kind of ENTRY_KINDS) {
    // One pattern per kind, not per file: built for each of a 1,000-tool project's 6,000 files
    // times three kinds, it was most of planSync's own time.
    const handlerFile = new RegExp(`^${HANDLER_DIR[kind]}/([^/]+)\\.ts$`);
    for (const [path, text] of files) {
      const match = handlerFile.exec(path);
      if (!match || active[kind].has(match[1]!)) continue;
      const found = (orphans[path] = await analysed(path, text, kind, input.recorded?.[path], input.hash));
      if (found.name === undefined) continue; // a helper module, not a handler
      const name = found.name;
      if (active[kind].has(name)) {
        warnings.push(`${path} defines ${kind} "${name}", whose handler is ${handlerPath(kind, name)}: this file is not served.`);
        continue;
      }
      if (!isEntryName(name)) continue;
      warnings.push(`${path}: ${kind} "${name}" is not in ${input.specFile}, so it is not served any more; the file is left in place. Delete it, or add the ${kind} back to the spec.`);
      const key = `${kind}\0${name}`;
      const previous = retired.get(key);
      retired.set(key, { kind, name, types: [...new Set([...(previous?.types ?? []), ...(found.types ?? [])])].sort() });
    }
  }
  return { retired: [...retired.values()].sort((a, b) => (a.kind + a.name < b.kind + b.name ? -1 : 1)), warnings, orphans };
}

/** The recorded analysis when the text is the one it was made of; otherwise a fresh one. */
async function analysed(path: string, text: string, kind: EntryKind, recorded: OrphanRecord | undefined, hash: (text: string) => string): Promise<OrphanRecord> {
  const textHash = hash(text);
  if (recorded?.hash === textHash) return recorded;
  // Loads ts-morph (and TypeScript): only here, for a text not analysed before.
  const { analyzeHandler } = await import('./analyze.js');
  const analysis = analyzeHandler(path, text, kind);
  if (!analysis.ok) return { hash: textHash };
  const own = typesModule(kind, analysis.shape.name);
  const types = analysis.shape.imports.filter((i) => i.module === own).flatMap((i) => i.names.map((n) => n.imported));
  return { hash: textHash, name: analysis.shape.name, types };
}
