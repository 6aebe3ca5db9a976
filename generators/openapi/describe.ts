/**
 * Descriptions as an imported tool carries them. An API description is written for people
 * reading its reference pages: markdown links to guides, "For more information, see …" sentences
 * and paragraphs of detail. A model reading tools/list gets nothing from a URL it cannot open,
 * and every byte is paid in every client's context on every conversation (GitHub's import: the
 * same pagination sentence with its link, 187 characters, in 265 tools). So the import keeps the
 * link text, drops pointers to further reading, and fits each schema description into a budget
 * of whole sentences. The OpenAPI document keeps the full text.
 */
import { rewriteAnnotations } from '../shared/spec/schema-annotations.js';

/** Characters per schema description (parameters, properties) by default: `--description-budget`. */
export const DEFAULT_DESCRIPTION_BUDGET = 160;

/**
 * Largest output schema an import keeps by default, in KiB as tools/list advertises it with its
 * definitions (`--output-schema-limit`). Above it a tool returns its JSON as text: the model reads
 * the same data, and no client downloads a schema that only checks it.
 */
export const DEFAULT_OUTPUT_SCHEMA_LIMIT_KB = 3;

const MARKDOWN_LINK = /\[([^\]]+)\]\((?:https?:\/\/|\/)[^)\s]*\)/g;
/** A sentence that only points elsewhere ("For more information, see …"). */
const FURTHER_READING = /(^|[.!?]\s+)(?:For more (?:information|details)(?: about [^,.]+)?,? see [^]*?(?:[.!?](?=\s|$)|$))/gi;

/** Link text instead of links, no further-reading sentences, whitespace collapsed. */
export function tidyDescription(text: string): string {
  return text
    .replace(/^[ \t]*>[ \t]?/gm, '') // quote markers of GitHub-style admonitions (`> [!NOTE]`)
    .replace(/\[!(NOTE|TIP|IMPORTANT|WARNING|CAUTION)\]/g, (_m, kind: string) => `${kind[0]}${kind.slice(1).toLowerCase()}:`)
    .replace(/\s+/g, ' ') // then: link text and sentences wrap across lines
    .replace(MARKDOWN_LINK, '$1')
    .replace(FURTHER_READING, '$1')
    .trim();
}

/** Whole sentences up to `budget` characters; a first sentence longer than that is cut at a word (" …"). 0: no budget. */
export function fitDescription(text: string, budget: number): string {
  if (budget <= 0 || text.length <= budget) return text;
  const sentences = text.match(/[^.!?]+(?:[.!?]+(?=\s|$)|$)\s*/g) ?? [text];
  let kept = '';
  for (const sentence of sentences) {
    if ((kept + sentence).trimEnd().length > budget) break;
    kept += sentence;
  }
  kept = kept.trimEnd();
  if (kept) return kept;
  const cut = text.slice(0, budget - 2);
  const space = cut.lastIndexOf(' ');
  return `${(space > budget / 2 ? cut.slice(0, space) : cut).trimEnd()} …`;
}

/** Every description in a schema (and its subschemas) tidied and fitted into the budget. */
export function tidySchemaDescriptions<T>(schema: T, budget: number): T {
  return rewriteAnnotations(schema, (keyword, value) => {
    if (keyword !== 'description' || typeof value !== 'string') return value;
    const text = fitDescription(tidyDescription(value), budget);
    return text || undefined;
  });
}
