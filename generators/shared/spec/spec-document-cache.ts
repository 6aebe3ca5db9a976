/**
 * The spec file's parsed data and the source positions asked of it, recorded by the hash of its
 * text (`.mcpforge/spec-document.json`), so a regeneration whose spec did not change skips the
 * YAML parse (0.3 s for 1,000 tools, plus loading the parser). Positions not recorded (an error
 * or warning at a new place) come from a real parse made on demand, so every answer is what a
 * fresh parse gives.
 */
import { sha256 } from '../codegen/content-hash.js';
import { jsonFaithful, parseSourceDocument, rememberDocument, type SourceDocument } from './source-document.js';

export { SPEC_DOCUMENT_FILE } from '../cache-files.js';

export interface SpecDocumentRecord {
  version: 1;
  /** The generator that parsed it (generatorFingerprint()): another parser may answer otherwise. */
  fingerprint: string;
  /** sha256 of the spec text. */
  hash: string;
  data: unknown;
  /** `v<pointer>` (value) or `k<pointer>` (key) → [line, column]. */
  positions: Record<string, [number, number]>;
}

type Position = { line: number; column: number };

export class SpecDocumentCache {
  private recorded?: { hash: string; data: unknown; positions: Map<string, [number, number]> };
  /** The record to store differs from the one read (another text, or a position added). */
  private changed = false;

  constructor(
    private readonly fingerprint: string,
    private readonly previous?: SpecDocumentRecord,
    /**
     * The spec's data known before its text is parsed (a large import, see spec-in-worker.ts):
     * used for that exact text, with positions from `locator()` once there. The caller confirms
     * the data before it commits anything.
     */
    private readonly foreseen?: { text: string; data: unknown; locator(): Pick<SourceDocument, 'locate'> | undefined },
  ) {}

  /** Reads a record as written by `serialize`; undefined when absent or unusable. */
  static parseRecord(text: string | undefined): SpecDocumentRecord | undefined {
    if (text === undefined) return undefined;
    try {
      const record = JSON.parse(text) as SpecDocumentRecord;
      return record.version === 1 && typeof record.hash === 'string' && record.positions ? record : undefined;
    } catch {
      return undefined;
    }
  }

  /** Parses the spec (the `parse` option of loadSpec): from the record when its text is the same. */
  readonly parse = (file: string, text: string): SourceDocument => {
    const hash = sha256(text);
    const previous = this.previous?.fingerprint === this.fingerprint && this.previous.hash === hash ? this.previous : undefined;
    const foreseen = previous === undefined && this.foreseen?.text === text ? this.foreseen : undefined;
    let real: Pick<SourceDocument, 'locate'> | undefined;
    let data: unknown;
    if (previous) data = previous.data;
    else if (foreseen) data = foreseen.data;
    else ({ data } = real = parseSourceDocument(file, text));
    const positions = new Map<string, [number, number]>(previous ? Object.entries(previous.positions) : []);
    const doc: SourceDocument = {
      file,
      text,
      data,
      locate: (pointer, options) => {
        const key = `${options?.key ? 'k' : 'v'}${pointer}`;
        const known = positions.get(key);
        if (known) return { line: known[0], column: known[1] };
        const found: Position = (real ??= foreseen?.locator() ?? parseSourceDocument(file, text)).locate(pointer, options);
        positions.set(key, [found.line, found.column]);
        this.changed = true;
        return found;
      },
    };
    // Data read back from JSON is faithful by construction.
    this.recorded = previous || jsonFaithful(data) ? { hash, data, positions } : undefined;
    this.changed ||= previous === undefined;
    // Lint locates its findings through the documents just parsed: this one answers for the spec.
    rememberDocument(doc);
    return doc;
  };

  /**
   * The record to store once the generation is committed; undefined when nothing can be cached,
   * or when it is the record read (a regeneration of an unchanged spec: 0.2 MB not rewritten).
   */
  serialize(): string | undefined {
    if (!this.recorded || !this.changed) return undefined;
    const { hash, data, positions } = this.recorded;
    const record: SpecDocumentRecord = { version: 1, fingerprint: this.fingerprint, hash, data, positions: Object.fromEntries(positions) };
    return `${JSON.stringify(record)}\n`;
  }
}
