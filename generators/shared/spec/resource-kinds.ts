/**
 * The checks of declarative resources (`kind: files | sql | http | memory`) that the spec format's
 * JSON Schema cannot express: which keys belong to which kind, the URI template's variables, the
 * SQL being one read-only statement whose parameters are the URI's variables, the upstream URL's
 * host being on the allow list. Each problem names the spec file, the JSON pointer and the fix.
 */
import { createRequire } from 'node:module';
import { hostAllowed } from '../../../runtime/src/resources/http.js';
import { parseSqlText, readOnlyProblem } from '../../../runtime/src/resources/sql-text.js';
import type { ResourceSource, SqlParamType } from '../../../runtime/src/server/contract.js';
import { SpecError } from './errors.js';
import { joinPointer, type SourceDocument } from './source-document.js';

/**
 * picomatch, loaded when a `files` resource's glob is checked: most specs have none, and loading
 * it is part of every `generate` that loads the spec. (Synchronous, as the check is.)
 */
let picomatchModule: typeof import('picomatch') | undefined;
const picomatch = (glob: string) => (picomatchModule ??= createRequire(import.meta.url)('picomatch') as typeof import('picomatch'))(glob);

/** The resource keys of each kind (beyond uri, title, description, mimeType, schema, scopes). */
const KEYS_OF = {
  files: ['root', 'glob', 'maxBytes'],
  sql: ['query', 'listQuery', 'params'],
  http: ['url', 'allow', 'ttlSeconds', 'maxBytes', 'timeoutMs'],
  memory: ['ttlSeconds'],
} as const;
type Kind = keyof typeof KEYS_OF;
const ALL_KIND_KEYS = [...new Set(Object.values(KEYS_OF).flat())];

export interface RawResourceKind {
  uri: string;
  kind?: Kind;
  root?: string;
  glob?: string;
  maxBytes?: number;
  query?: string;
  listQuery?: string;
  params?: Record<string, SqlParamType>;
  url?: string;
  allow?: string[];
  ttlSeconds?: number;
  timeoutMs?: number;
}

/** The resource's `source` for the manifest, or undefined (no `kind`); problems go to `errors`. */
export function checkResourceKind(doc: SourceDocument, at: string, raw: RawResourceKind, variables: string[], errors: SpecError[]): ResourceSource | undefined {
  const found: SpecError[] = [];
  const source = checkKind(doc, at, raw, variables, found);
  // In line order, like the spec schema's own errors.
  errors.push(...found.sort((a, b) => a.line - b.line || a.column - b.column));
  return source;
}

function checkKind(doc: SourceDocument, at: string, raw: RawResourceKind, variables: string[], errors: SpecError[]): ResourceSource | undefined {
  const problem = (key: string | undefined, message: string, hint: string) => {
    const pointer = key === undefined ? at : joinPointer(at, key);
    const pos = doc.locate(pointer, { key: key !== undefined });
    errors.push(new SpecError({ file: doc.file, line: pos.line, column: pos.column, pointer, message, hint }));
  };
  const present = ALL_KIND_KEYS.filter((k) => (raw as unknown as Record<string, unknown>)[k] !== undefined);
  if (raw.kind === undefined) {
    for (const key of present) {
      const kinds = (Object.keys(KEYS_OF) as Kind[]).filter((k) => (KEYS_OF[k] as readonly string[]).includes(key));
      problem(key, `"${key}" only applies to a declarative resource`, `add \`kind: ${kinds.join('` or `kind: ')}\`, or remove "${key}"`);
    }
    return undefined;
  }
  const kind = raw.kind;
  const before = errors.length;
  for (const key of present) {
    if (!(KEYS_OF[kind] as readonly string[]).includes(key)) {
      problem(key, `"${key}" does not apply to kind ${kind}`, `remove it; kind ${kind} takes ${KEYS_OF[kind].join(', ')}`);
    }
  }
  const oneVariable = (what: string, example: string) => {
    if (variables.length !== 1) problem('uri', `a ${kind} resource's uri must be a template with exactly one variable (${what}), got ${variables.length}`, `write it like ${example}`);
  };
  switch (kind) {
    case 'files': {
      oneVariable('the file path', 'docs://files/{+path} (the + lets the path hold slashes)');
      try {
        picomatch(raw.glob ?? '**/*');
      } catch (error) {
        problem('glob', `invalid glob: ${(error as Error).message}`, 'use a picomatch pattern such as **/*.md');
      }
      if (raw.root!.includes('\0')) problem('root', 'root holds a NUL character', 'give a folder path');
      if (errors.length > before) return undefined;
      return compact({ kind, root: raw.root!, glob: raw.glob, maxBytes: raw.maxBytes });
    }
    case 'sql': {
      const readOnly = readOnlyProblem(raw.query!);
      if (readOnly) problem('query', `query refused: ${readOnly}`, 'write one SELECT; values from the URI go in as :name parameters, never into the text');
      const used = parseSqlText(raw.query!).names;
      for (const name of new Set(used)) {
        if (!variables.includes(name)) problem('query', `the query's :${name} is not a variable of the uri ${raw.uri}`, `add {${name}} to the uri, or use one of: ${variables.join(', ') || '(none)'}`);
      }
      for (const name of variables) {
        if (!used.includes(name)) problem('uri', `the uri's variable {${name}} is not used by the query`, `use :${name} in the query or remove {${name}} from the uri`);
      }
      for (const name of Object.keys(raw.params ?? {})) {
        if (!variables.includes(name)) problem(joinPointer('params', name), `params names "${name}", which is not a variable of the uri`, `use one of: ${variables.join(', ') || '(none)'}`);
      }
      if (raw.listQuery !== undefined) {
        const listProblem = readOnlyProblem(raw.listQuery);
        if (listProblem) problem('listQuery', `listQuery refused: ${listProblem}`, 'write one SELECT returning a column per uri variable');
        else if (parseSqlText(raw.listQuery).names.length > 0) problem('listQuery', 'listQuery takes no parameters', 'remove the :name placeholders');
        if (variables.length === 0) problem('listQuery', 'listQuery lists the instances of a uri template, but the uri has no variables', 'remove listQuery (a static resource lists itself)');
      }
      if (errors.length > before) return undefined;
      return compact({ kind, query: raw.query!, listQuery: raw.listQuery, params: raw.params });
    }
    case 'http': {
      const placeholders = [...raw.url!.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1]!);
      for (const name of placeholders) {
        if (!/^[A-Za-z0-9_]+$/.test(name)) problem('url', `url placeholder {${name}} is not a plain variable name`, 'use {name} only: values are always percent-encoded');
        else if (!variables.includes(name)) problem('url', `url placeholder {${name}} is not a variable of the uri ${raw.uri}`, `add {${name}} to the uri`);
      }
      let a: URL | undefined;
      let b: URL | undefined;
      try {
        a = new URL(raw.url!.replace(/\{[^{}]*\}/g, 'a'));
        b = new URL(raw.url!.replace(/\{[^{}]*\}/g, 'b'));
      } catch {
        problem('url', `url ${JSON.stringify(raw.url)} is not an absolute URL`, 'write it like https://api.example.com/items/{id}');
      }
      if (a && b) {
        if (a.protocol !== 'https:' && a.protocol !== 'http:') problem('url', `url scheme ${a.protocol} is not fetched`, 'use https: (or http: for a local upstream)');
        else if (a.origin !== b.origin) problem('url', 'a placeholder sits in the url\'s scheme, host or port', 'keep the host fixed; put placeholders in the path or query');
        else if (!hostAllowed(a, raw.allow ?? [])) problem('allow', `the url's host ${a.host} is not in allow`, `add "${a.host}" to allow`);
      }
      if (errors.length > before) return undefined;
      return compact({ kind, url: raw.url!, allow: raw.allow!, ttlSeconds: raw.ttlSeconds, maxBytes: raw.maxBytes, timeoutMs: raw.timeoutMs });
    }
    case 'memory': {
      oneVariable('the key', 'memory://sessions/{key}');
      if (errors.length > before) return undefined;
      return compact({ kind, ttlSeconds: raw.ttlSeconds });
    }
  }
}

function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
