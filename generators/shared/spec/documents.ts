import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SpecError } from './errors.js';
import { jsonFaithful, jsonSourceDocument, parseSourceDocument, type SourceDocument } from './source-document.js';

/** Who asked for a document: named in the error when it cannot be read. */
export interface DocumentReferrer {
  file: string;
  line: number;
  column: number;
  pointer: string;
  /** How the reference was written (`schemas/a.json`, `other.json#/x`). */
  ref: string;
  /** `$ref` inside a schema, or a schema path in the spec itself. */
  kind: '$ref' | 'schema';
}

/**
 * Reads and parses every document the spec reaches, once each (a file referenced by ten tools is
 * parsed once), and refuses remote URLs unless the user opted in: generation must be offline and
 * reproducible by default.
 */
export class DocumentStore {
  private readonly docs = new Map<string, Promise<SourceDocument>>();
  readonly order: string[] = [];
  readonly texts = new Map<string, string>();
  private readonly parsed = new Map<string, SourceDocument>();

  constructor(private readonly options: { allowRemoteRefs: boolean; overlay?: ReadonlyMap<string, string>; overlayData?: ReadonlyMap<string, unknown> }) {}

  /** Registers an already parsed document (the spec itself). */
  add(doc: SourceDocument): void {
    this.docs.set(doc.file, Promise.resolve(doc));
    this.parsed.set(doc.file, doc);
    this.order.push(doc.file);
    this.texts.set(doc.file, doc.text);
  }

  /** `location` is an absolute path or an http(s) URL (already resolved against the referrer). */
  load(location: string, from: DocumentReferrer): Promise<SourceDocument> {
    let doc = this.docs.get(location);
    if (!doc) {
      doc = isRemote(location) ? this.fetchRemote(location, from) : this.readLocal(location, from);
      this.docs.set(location, doc);
    }
    return doc;
  }

  private async readLocal(file: string, from: DocumentReferrer): Promise<SourceDocument> {
    let text: string;
    const planned = this.options.overlay?.get(file);
    try {
      // Synchronous on purpose: schema files are small and many (2,000 in a 1,000-tool project),
      // and an async read is four thread-pool round trips each (open, stat, read, close).
      text = planned ?? readFileSync(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const what = from.kind === '$ref' ? `broken $ref "${from.ref}": file not found` : `schema file not found: ${from.ref}`;
      throw new SpecError({
        file: from.file,
        line: from.line,
        column: from.column,
        pointer: from.pointer,
        message: code === 'ENOENT' ? `${what} (looked for ${file})` : `cannot read ${file}: ${(error as Error).message}`,
        hint: `create the file or fix the path (relative to ${path.dirname(from.file)})`,
      });
    }
    this.remember(file, text);
    // The value the caller made an overlay text from (an import's schema files), if any.
    return this.parse(file, text, planned === undefined ? undefined : this.options.overlayData?.get(file));
  }

  private async fetchRemote(url: string, from: DocumentReferrer): Promise<SourceDocument> {
    const fail = (message: string, hint: string) =>
      new SpecError({ file: from.file, line: from.line, column: from.column, pointer: from.pointer, message, hint });
    if (!this.options.allowRemoteRefs) {
      throw fail(
        `remote ${from.kind === '$ref' ? '$ref' : 'schema'} "${from.ref}" is not allowed`,
        'pass --allow-remote-refs to fetch it, or save the schema next to the spec and reference the file',
      );
    }
    let text: string;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      text = await response.text();
    } catch (error) {
      throw fail(`cannot fetch ${url}: ${(error as Error).message}`, 'check the URL and the network, or save the schema locally');
    }
    this.remember(url, text);
    return this.parse(url, text);
  }

  /** Line and column of a pointer in a document already loaded (1:1 when unknown). */
  locate(file: string, pointer: string): { line: number; column: number } {
    return this.parsed.get(file)?.locate(pointer) ?? { line: 0, column: 0 };
  }

  /**
   * `data`: what the caller made this JSON text from, taken as its parse when JSON gives it back
   * exactly (GitHub import: 1,876 schema files, 9.5 MB not parsed again).
   */
  private parse(location: string, text: string, data?: unknown): SourceDocument {
    const doc = data !== undefined && /\.json$/i.test(location) && jsonFaithful(data) ? jsonSourceDocument(location, text, data) : parseSourceDocument(location, text);
    this.parsed.set(location, doc);
    return doc;
  }

  private remember(location: string, text: string): void {
    this.order.push(location);
    this.texts.set(location, text);
  }
}

export function isRemote(location: string): boolean {
  return /^https?:\/\//i.test(location);
}

/**
 * Resolves the document part of a reference against the referring document:
 * `other.json` → sibling file, `https://...` → URL, `file:///...` → path.
 */
export function resolveLocation(ref: string, base: string): string {
  if (/^file:/i.test(ref)) return fileURLToPath(ref);
  if (/^[a-z][a-z0-9+.-]*:/i.test(ref)) return ref;
  if (isRemote(base)) return new URL(ref, base).href;
  return path.resolve(path.dirname(base), decodeURI(ref));
}
