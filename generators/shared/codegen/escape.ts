/**
 * One escaping helper per place a foreign string can land in generated TypeScript. Every string
 * that comes from a spec or an API description (titles, paths, descriptions, names, enum values)
 * is untrusted: it must reach the generated file as data, never as code. Each helper is total
 * (any JavaScript string, lone surrogates and NUL included) and keeps the text readable.
 */

/** Line terminators of ECMAScript: each one ends a `//` comment and breaks a quoted string. */
const LINE_TERMINATORS = /[\n\r\u2028\u2029]/g;
/** Characters shown as escapes in comments: controls, line terminators, lone surrogates. */
const UNSAFE_IN_COMMENT = /[\u0000-\u001f\u007f\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** `value` with every lone surrogate replaced by U+FFFD (what writing it as UTF-8 would do). */
export function wellFormed(value: string): string {
  return value.replace(LONE_SURROGATE, '\ufffd');
}

const hex4 = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
const SHORT: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * A single-quoted string literal whose value is exactly `value`. JSON.stringify escapes
 * controls, quotes, backslashes and lone surrogates; U+2028/U+2029 are escaped too (valid in
 * strings since ES2019, but they break older parsers and line-based tools).
 */
export function stringLiteral(value: string): string {
  const json = JSON.stringify(value).slice(1, -1);
  const single = json.replace(/\\.|'/g, (m) => (m === '\\"' ? '"' : m === "'" ? "\\'" : m));
  return `'${single.replace(/[\u2028\u2029]/g, hex4)}'`;
}

/** Text for a `//` comment: one line whatever the input (line terminators and controls shown as escapes). */
export function lineComment(text: string): string {
  return text.replace(UNSAFE_IN_COMMENT, (c) => SHORT[c] ?? hex4(c));
}

/** Text for one line of a `/* *\/` comment: as `lineComment`, and `*\/` can never close it. */
export function blockComment(text: string): string {
  return lineComment(text).replace(/\*\//g, '*\\/');
}

/**
 * The body lines of a JSDoc block (` * ...` each), keeping the text's own line breaks as
 * separate lines (any line terminator), with `*\/` neutralised and controls shown as escapes.
 */
export function jsDocLines(text: string, indent = ''): string[] {
  return text.split(/\r\n|[\n\r\u2028\u2029]/).map((line) => `${indent} * ${blockComment(line)}`.trimEnd());
}

/** A template literal whose value is exactly `value` (`\``, `${` and backslashes escaped). */
export function templateLiteral(value: string): string {
  const body = value
    .replace(/\\/g, '\\\\')
    .replace(/`/g, '\\`')
    .replace(/\$\{/g, '\\${')
    // A raw CR in a template literal reads back as LF: escape every terminator and control.
    .replace(/[\u0000-\u001f\u007f\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, (c) => SHORT[c] ?? hex4(c));
  return `\`${body}\``;
}

/** Words TypeScript will not accept as a binding name (reserved, strict-mode and type keywords). */
const RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for function if import in ' +
    'instanceof new null return super switch this throw true try typeof var void while with implements interface let package private ' +
    'protected public static yield await arguments eval any boolean never number object string symbol undefined unknown bigint'
  ).split(' '),
);

/** A valid, non-reserved identifier made from `raw` (invalid characters become `_`). */
export function identifier(raw: string): string {
  let id = raw.replace(/[^A-Za-z0-9_$]/g, '_');
  if (!id) id = '_';
  if (/^[0-9]/.test(id)) id = `_${id}`;
  return RESERVED.has(id) ? `${id}_` : id;
}

/** An object key as source: bare when it is an identifier, a string literal otherwise. */
export function propertyKey(name: string): string {
  // `__proto__: x` in an object literal sets the prototype; computed, it is an own property.
  if (name === '__proto__') return "['__proto__']";
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : stringLiteral(name);
}

/** Whether `LINE_TERMINATORS` occur: for tests and callers that must stay on one line. */
export function hasLineTerminator(text: string): boolean {
  return new RegExp(LINE_TERMINATORS.source).test(text);
}
