/**
 * The SQL text of a `kind: sql` resource, read without a database: whether it is one read-only
 * statement, and where its `:name` parameters are. Shared by `mcpforge check`/`generate` (which
 * refuse a bad query with the spec's file and pointer) and the runtime (which binds the values).
 *
 * Not a SQL parser: a small scanner that skips string literals, quoted identifiers and comments,
 * then refuses anything that is not a single SELECT/WITH…SELECT or that names a writing keyword
 * anywhere. It errs on the side of refusing; the read-only transaction the runtime opens
 * (PostgreSQL `READ ONLY`, SQLite `query_only`) is the second line.
 */

/** Keywords that write, change schema, lock rows or reach outside the query: refused anywhere. */
const WRITING = /\b(insert|update|delete|merge|upsert|replace|create|drop|alter|truncate|grant|revoke|attach|detach|pragma|vacuum|reindex|copy|call|lock|set|listen|notify|execute|prepare|into)\b/i;

export interface SqlText {
  /** Literal text around the parameters: `pieces.length === names.length + 1`. */
  pieces: string[];
  /** Parameter names in order of appearance (a name may repeat). */
  names: string[];
}

/** Splits `query` at its `:name` parameters (outside strings and comments; `::type` casts are kept). */
export function parseSqlText(query: string): SqlText {
  const pieces: string[] = [];
  const names: string[] = [];
  let current = '';
  let i = 0;
  while (i < query.length) {
    const c = query[i]!;
    const skip = skipQuoted(query, i);
    if (skip > i) {
      current += query.slice(i, skip);
      i = skip;
      continue;
    }
    if (c === ':' && query[i + 1] === ':') {
      current += '::';
      i += 2;
      continue;
    }
    const m = c === ':' ? /^:([A-Za-z_][A-Za-z0-9_]*)/.exec(query.slice(i)) : null;
    if (m) {
      pieces.push(current);
      names.push(m[1]!);
      current = '';
      i += m[0].length;
      continue;
    }
    current += c;
    i++;
  }
  pieces.push(current);
  return { pieces, names };
}

/** Why `query` is not one read-only statement, or undefined when it is. */
export function readOnlyProblem(query: string): string | undefined {
  const code = codeOnly(query).trim();
  if (code === '') return 'the query is empty';
  const body = code.replace(/;\s*$/, '');
  if (body.includes(';')) return 'the query holds more than one statement (a `;` before its end)';
  if (!/^(select|with|values)\b/i.test(body)) return 'the query must be a SELECT (or WITH … SELECT)';
  const writing = WRITING.exec(body);
  if (writing) return `the query uses "${writing[1]!.toUpperCase()}", which may write or lock: only reading queries are served`;
  return undefined;
}

/** `query` with string literals, quoted identifiers and comments blanked out. */
function codeOnly(query: string): string {
  let out = '';
  let i = 0;
  while (i < query.length) {
    const skip = skipQuoted(query, i);
    if (skip > i) {
      out += ' ';
      i = skip;
    } else {
      out += query[i];
      i++;
    }
  }
  return out;
}

/** Index just past a string literal, quoted identifier or comment starting at `i`; `i` if none starts there. */
function skipQuoted(query: string, i: number): number {
  const c = query[i];
  if (c === "'" || c === '"' || c === '`') {
    let j = i + 1;
    while (j < query.length) {
      if (query[j] === c) {
        // A doubled quote is an escaped quote inside the literal.
        if (query[j + 1] === c) j += 2;
        else return j + 1;
      } else j++;
    }
    return query.length;
  }
  if (c === '-' && query[i + 1] === '-') {
    const end = query.indexOf('\n', i);
    return end === -1 ? query.length : end + 1;
  }
  if (c === '/' && query[i + 1] === '*') {
    const end = query.indexOf('*/', i + 2);
    return end === -1 ? query.length : end + 2;
  }
  return i;
}
