/**
 * A large import's spec, parsed in an emit worker while this thread goes on. The import made the
 * spec's text from data it holds, so the generation starts from that data at once; the worker's
 * YAML parse (GitHub: 0.7 MB, ~0.3 s that this thread used to spend before the batches could
 * start) gives the source positions, asked only when a warning or an error is printed, and
 * confirms that the text parses back to that very data. A generation whose data is not confirmed
 * is planned again from a parse of the text (see `planProject`).
 */
import { documentFromPositionTree, parseSourceDocument, parseToPositionTree, type PositionTree, type SourceDocument } from '../spec/source-document.js';

/** The message that asks an emit worker to parse a spec. */
export interface SpecParseRequest {
  parseSpec: { file: string; text: string };
}

/** A worker's answer: the data as JSON (one string to pass, one to compare) and the positions; `failed` when the text did not parse. */
export interface SpecParseAnswer {
  parsedSpec: { json: string; tree: PositionTree } | { failed: true };
}

/** In the worker: parses the spec as the loader would. */
export function parseSpecHere({ file, text }: SpecParseRequest['parseSpec']): SpecParseAnswer {
  try {
    const { data, tree } = parseToPositionTree(file, text);
    return { parsedSpec: { json: JSON.stringify(data), tree } };
  } catch {
    // The loader's own parse reports the error (confirmed() parses here when the worker could not).
    return { parsedSpec: { failed: true } };
  }
}

/** A spec whose data is known before its text is parsed (what `loadSpec` is given for it, see SpecDocumentCache). */
export interface ForeseenSpec {
  file: string;
  text: string;
  data: unknown;
  /** Positions in `text`, once the worker's answer is in; undefined before (the caller parses it then). */
  locator(): Pick<SourceDocument, 'locate'> | undefined;
  /** Whether `text` parses to `data` (waits for the worker's answer; parses here when the worker could not). */
  confirmed(): Promise<boolean>;
}

/**
 * The foreseen spec of `answer`, a worker's parse of `text` under way. `data` is what the caller
 * made `text` from; it is confirmed by comparing JSON texts: both sides are plain YAML data, and
 * data JSON cannot represent exactly (`.nan`, `-0`) is never foreseen (see the caller).
 */
export function foreseenSpec(file: string, text: string, data: unknown, answer: Promise<SpecParseAnswer['parsedSpec']>): ForeseenSpec {
  let arrived: SpecParseAnswer['parsedSpec'] | undefined;
  void answer.then((a) => (arrived = a));
  let locator: Pick<SourceDocument, 'locate'> | undefined;
  let confirmation: Promise<boolean> | undefined;
  const confirm = async (): Promise<boolean> => {
    // A pending message on an unref'd worker would not keep the process alive.
    const keepAlive = setInterval(() => {}, 1 << 30);
    try {
      const got = await answer;
      if (!('failed' in got)) return got.json === JSON.stringify(data);
    } finally {
      clearInterval(keepAlive);
    }
    try {
      return JSON.stringify(parseSourceDocument(file, text).data) === JSON.stringify(data);
    } catch {
      return false; // planned again from the text, whose parse then reports the error
    }
  };
  return {
    file,
    text,
    data,
    locator: () => {
      if (!locator && arrived && !('failed' in arrived)) locator = documentFromPositionTree(file, text, data, arrived.tree);
      return locator;
    },
    confirmed: () => (confirmation ??= confirm()),
  };
}
