/**
 * The type compiler's declarations in the house format, printed here instead of by prettier.
 *
 * json-schema-to-typescript emits a small, regular subset of TypeScript: interfaces and type
 * aliases built from keywords, names, literals, arrays, unions, intersections, tuples and object
 * types, with JSDoc comments before declarations and members. For that subset this module parses
 * the emitted text and lays it out with the rules prettier applies to those nodes (the same
 * groups, the same fitting, `PRETTIER_OPTIONS`), so the bytes are prettier's: checked equal on
 * every declaration taken while importing GitHub's description and a sample of the OpenAPI corpus
 * (test/import/format-corpus.test.ts) and on hand-made shapes at every width around the limit
 * (test/unit/codegen/format-declarations.test.ts). prettier parses with a full TypeScript parser
 * and runs a general document printer: ~1.2 s of one thread's CPU for the GitHub import's 2,100
 * distinct declarations, against ~0.12 s here (bench/README.md, round sixteen).
 *
 * Anything outside the subset, or any doubt (a blank line, a comment elsewhere, a character whose
 * width prettier measures by Unicode width, a literal prettier would rewrite, generic arguments),
 * returns undefined: the caller formats that text with prettier, as before.
 */

const PRINT_WIDTH = 100;

/** The part formatted as prettier formats it on its own (`format.ts`), or undefined when unsure. */
export function formatDeclaration(text: string): string | undefined {
  const body = text.replace(/\n+$/, '');
  // An empty body (`{` blank line `}`) is the one blank line prettier drops: it prints `{}`.
  if (body.length === 0 || /\n[ \t]*\n/.test(body.replaceAll('{\n\n}', '{}')) || body.startsWith('\n')) return undefined;
  if (body.startsWith('//')) return lineComments(body);
  try {
    return print(declarationDoc(new Parser(body).declaration())) + '\n';
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  }
}

/** A header of `//` lines prints as it is (prettier would trim trailing blanks: left to it). */
function lineComments(body: string): string | undefined {
  return body.split('\n').every((line) => line.startsWith('//') && !/[ \t]$/.test(line)) ? body + '\n' : undefined;
}

// ─── The subset ─────────────────────────────────────────────────────────────────────────────────

type Type =
  | { k: 'name'; text: string }
  | { k: 'literal'; text: string }
  | { k: 'array'; element: Type }
  | { k: 'union'; types: Type[] }
  | { k: 'intersection'; types: Type[] }
  | { k: 'tuple'; elements: Array<{ rest: boolean; type: Type }> }
  | { k: 'object'; members: Member[] };

interface Member {
  comments: string[];
  /** The key as printed (`[k: string]` for an index signature). */
  key: string;
  optional: boolean;
  type: Type;
}

interface Declaration {
  comments: string[];
  kind: 'interface' | 'type';
  name: string;
  /** The interface's members, or the alias's type. */
  members?: Member[];
  type?: Type;
}

/** Thrown where the text leaves the subset: `formatDeclaration` then leaves it to prettier. */
class Unsupported extends Error {}

const NAME = '[A-Za-z_$][A-Za-z0-9_$]*';
/** A whole text that is an identifier name. */
const IDENTIFIER = new RegExp(`^${NAME}$`);
/** An identifier name where `lastIndex` points (sticky). */
const IDENTIFIER_AT = new RegExp(NAME, 'y');
const KEYWORDS = new Set(['string', 'number', 'boolean', 'unknown', 'any', 'null', 'undefined', 'void', 'never', 'object', 'true', 'false', 'bigint', 'symbol']);

/** A recursive-descent parser over the emitted text; throws `Unsupported` on anything else. */
class Parser {
  private at = 0;
  constructor(private readonly src: string) {}

  declaration(): Declaration {
    const comments = this.comments();
    this.word('export');
    const kind = this.identifier();
    if (kind !== 'interface' && kind !== 'type') throw new Unsupported();
    const name = this.identifier();
    let result: Declaration;
    if (kind === 'interface') {
      this.expect('{');
      result = { comments, kind, name, members: this.members() };
    } else {
      this.expect('=');
      result = { comments, kind, name, type: this.type() };
    }
    this.space();
    if (this.at !== this.src.length) throw new Unsupported();
    return result;
  }

  /** Members up to and including the closing brace. */
  private members(): Member[] {
    const members: Member[] = [];
    for (;;) {
      const comments = this.comments();
      if (this.peek() === '}') {
        if (comments.length > 0) throw new Unsupported();
        this.at++;
        return members;
      }
      let key: string;
      let optional = false;
      if (this.peek() === '[') {
        this.at++;
        const parameter = this.identifier();
        this.expect(':');
        const indexType = this.identifier();
        if (indexType !== 'string' && indexType !== 'number') throw new Unsupported();
        this.expect(']');
        key = `[${parameter}: ${indexType}]`;
      } else if (this.peek() === '"') {
        key = propertyKey(this.string());
      } else {
        key = this.identifier();
      }
      if (this.peek() === '?') {
        this.at++;
        optional = true;
      }
      this.expect(':');
      members.push({ comments, key, optional, type: this.type() });
    }
  }

  private type(): Type {
    return this.joined('|', () => this.intersection(), (types) => ({ k: 'union', types }));
  }

  private intersection(): Type {
    return this.joined('&', () => this.postfix(), (types) => ({ k: 'intersection', types }));
  }

  /** `part (separator part)*`: the part alone, or `make` of them all. */
  private joined(separator: string, part: () => Type, make: (types: Type[]) => Type): Type {
    const types = [part()];
    while (this.peek() === separator) {
      this.at++;
      types.push(part());
    }
    return types.length === 1 ? types[0]! : make(types);
  }

  private postfix(): Type {
    let type = this.primary();
    // `[]` only: a `[` followed by anything else starts the next member (an index signature).
    for (;;) {
      const open = this.skip();
      if (this.src[open] !== '[') return type;
      const close = this.skip(open + 1);
      if (this.src[close] !== ']') return type;
      this.at = close + 1;
      type = { k: 'array', element: type };
    }
  }

  private primary(): Type {
    const c = this.peek();
    if (c === '(') {
      this.at++;
      const inner = this.type();
      this.expect(')');
      return inner;
    }
    if (c === '[') {
      this.at++;
      const elements: Array<{ rest: boolean; type: Type }> = [];
      do {
        const rest = this.src.startsWith('...', this.skip());
        if (rest) this.at = this.skip() + 3;
        elements.push({ rest, type: this.type() });
      } while (this.peek() === ',' && ++this.at);
      this.expect(']');
      return { k: 'tuple', elements };
    }
    if (c === '{') {
      this.at++;
      return { k: 'object', members: this.members() };
    }
    if (c === '"') return { k: 'literal', text: stringLiteral(this.string()) };
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return { k: 'literal', text: this.number() };
    const name = this.identifier();
    const next = this.src[this.at];
    // Generic arguments, qualified names: outside the subset.
    if (next === '<' || next === '.') throw new Unsupported();
    return { k: 'name', text: name };
  }

  private comments(): string[] {
    const comments: string[] = [];
    while (this.peek() === '/') {
      if (!this.src.startsWith('/**', this.at)) throw new Unsupported();
      const end = this.src.indexOf('*/', this.at + 2);
      if (end < 0) throw new Unsupported();
      comments.push(this.src.slice(this.at, end + 2));
      this.at = end + 2;
    }
    if (comments.length > 1) throw new Unsupported();
    return comments;
  }

  private string(): string {
    const start = this.at;
    let i = start + 1;
    for (; i < this.src.length && this.src[i] !== '"'; i++) {
      if (this.src[i] === '\\') i++;
      else if (this.src[i] === '\n') throw new Unsupported();
    }
    if (i >= this.src.length) throw new Unsupported();
    this.at = i + 1;
    return this.src.slice(start, i + 1);
  }

  private number(): string {
    const match = /^-?(?:0|[1-9]\d*)(?:\.\d*[1-9])?(?![\w.])/.exec(this.src.slice(this.at, this.at + 64));
    // Exponents, trailing zeros, `0x`: prettier rewrites those; left to it.
    if (!match) throw new Unsupported();
    this.at += match[0].length;
    return match[0];
  }

  private identifier(): string {
    this.space();
    IDENTIFIER_AT.lastIndex = this.at;
    const match = IDENTIFIER_AT.exec(this.src);
    if (!match) throw new Unsupported();
    this.at += match[0].length;
    return match[0];
  }

  private word(word: string): void {
    if (this.identifier() !== word) throw new Unsupported();
  }

  private expect(c: string): void {
    if (this.peek() !== c) throw new Unsupported();
    this.at++;
  }

  /** The next significant character (whitespace skipped). */
  private peek(): string | undefined {
    this.space();
    return this.src[this.at];
  }

  private space(): void {
    this.at = this.skip();
  }

  private skip(from = this.at): number {
    let i = from;
    while (i < this.src.length && (this.src[i] === ' ' || this.src[i] === '\n')) i++;
    return i;
  }
}

/**
 * A string literal as prettier prints it with `singleQuote`: single quotes unless the text holds
 * more single than double quotes. Only texts whose quotes need no re-escaping are taken.
 */
function stringLiteral(raw: string): string {
  const content = raw.slice(1, -1);
  if (!/^[\x20-\x7e]*$/.test(content)) throw new Unsupported();
  if (content.includes('"')) throw new Unsupported();
  if (content.includes("'")) return raw;
  return `'${content}'`;
}

/**
 * A quoted property key as prettier prints it (`quoteProps: 'as-needed'`, TypeScript): unquoted
 * when it is an ES5 identifier name written without escapes, else a string literal. Number-like
 * keys stay quoted in TypeScript.
 */
function propertyKey(raw: string): string {
  const content = raw.slice(1, -1);
  if (IDENTIFIER.test(content)) return content;
  return stringLiteral(raw);
}

// ─── Documents: prettier's layout rules for these nodes ────────────────────────────────────────

type Doc = string | Doc[] | Group | Indent | Align | Line | IfBreak | IndentIfBreak;
interface Group {
  t: 'group';
  contents: Doc;
  broken: boolean;
  id?: symbol;
}
interface Indent {
  t: 'indent';
  contents: Doc;
}
interface Align {
  t: 'align';
  n: number;
  contents: Doc;
}
interface Line {
  t: 'line';
  soft: boolean;
  hard: boolean;
}
interface IfBreak {
  t: 'ifBreak';
  broken: Doc;
  flat: Doc;
}
interface IndentIfBreak {
  t: 'indentIfBreak';
  contents: Doc;
  id: symbol;
}

const line: Line = { t: 'line', soft: false, hard: false };
const softline: Line = { t: 'line', soft: true, hard: false };
const hardline: Line = { t: 'line', soft: false, hard: true };
const indent = (contents: Doc): Indent => ({ t: 'indent', contents });
const align = (n: number, contents: Doc): Align => ({ t: 'align', n, contents });
const ifBreak = (broken: Doc, flat: Doc = ''): IfBreak => ({ t: 'ifBreak', broken, flat });

/** A group, broken when its contents hold a hard line or a broken group (prettier's `propagateBreaks`). */
function group(contents: Doc, options: { shouldBreak?: boolean; id?: symbol } = {}): Group {
  return { t: 'group', contents, broken: options.shouldBreak === true || holdsBreak(contents), ...(options.id ? { id: options.id } : {}) };
}

function holdsBreak(doc: Doc): boolean {
  if (typeof doc === 'string') return false;
  if (Array.isArray(doc)) return doc.some(holdsBreak);
  switch (doc.t) {
    case 'group':
      return doc.broken;
    case 'line':
      return doc.hard;
    case 'ifBreak':
      return holdsBreak(doc.broken) || holdsBreak(doc.flat);
    default:
      return holdsBreak(doc.contents);
  }
}

function declarationDoc(d: Declaration): Doc {
  const parts: Doc[] = d.comments.flatMap((c) => [comment(c), hardline]);
  if (d.kind === 'interface') {
    parts.push('export ', 'interface ', d.name, ' ', objectDoc(d.members!));
    return parts;
  }
  const type = d.type!;
  const left = group(['type ', d.name]);
  if (type.k === 'union' && !hugs(type)) {
    // An assignment's "break-after-operator" layout; the union is not indented again.
    parts.push('export ', group([left, ' =', group(indent([line, unionDoc(type, 'assigned')]))]), ';');
  } else {
    // The "fluid" layout: the line after `=` breaks only when what follows up to its first
    // possible break does not fit.
    const id = Symbol('assignment');
    parts.push('export ', group([left, ' =', group(indent(line), { id }), { t: 'indentIfBreak', contents: typeDoc(type, 'assigned'), id }]), ';');
  }
  return parts;
}

/**
 * Where a type is printed: what decides a union's indentation, and the parentheses of unions and
 * intersections (`nested`: an array's element, a member of a union or an intersection).
 */
type Place = 'annotation' | 'assigned' | 'nested' | 'tuple' | 'sole';

function typeDoc(type: Type, place: Place): Doc {
  switch (type.k) {
    case 'name':
    case 'literal':
      return type.text;
    case 'object':
      return objectDoc(type.members);
    case 'array':
      return [typeDoc(type.element, 'nested'), '[]'];
    case 'union':
      return unionDoc(type, place);
    case 'intersection':
      return place === 'nested' ? ['(', intersectionDoc(type), ')'] : intersectionDoc(type);
    case 'tuple':
      return tupleDoc(type);
  }
}

/**
 * `[A, ...B[]]`: on one line when it fits, else one element per line with a trailing comma. A
 * union among several elements gets its parentheses only when broken (`tuple`), a sole one none.
 */
function tupleDoc(tuple: Extract<Type, { k: 'tuple' }>): Doc {
  const place: Place = tuple.elements.length > 1 ? 'tuple' : 'sole';
  const elements = tuple.elements.map((e, i) => [
    group(e.rest ? ['...', typeDoc(e.type, 'nested')] : typeDoc(e.type, place)),
    i + 1 < tuple.elements.length ? [',', line] : '',
  ]);
  return group(['[', indent([softline, elements, ifBreak(',')]), softline, ']']);
}

/** `{ a: T; b?: U }` broken over lines, as an object type whose source breaks after `{`; `{}` when empty. */
function objectDoc(members: Member[]): Doc {
  if (members.length === 0) return '{}';
  const printed: Doc[] = [];
  members.forEach((member, i) => {
    if (i > 0) printed.push(hardline);
    for (const c of member.comments) printed.push(comment(c), hardline);
    printed.push(member.key, member.optional ? '?' : '', ': ', typeDoc(member.type, 'annotation'), ';');
  });
  return group(['{', indent([hardline, printed]), hardline, '}'], { shouldBreak: true });
}

/** A union with one object-like member (an object type or a type name) and otherwise only `null` or `void`: printed inline, never broken. */
function hugs(union: Extract<Type, { k: 'union' }>): boolean {
  const object = union.types.find((t) => t.k === 'object' || (t.k === 'name' && !KEYWORDS.has(t.text)));
  return object !== undefined && union.types.every((t) => t === object || (t.k === 'name' && (t.text === 'null' || t.text === 'void')));
}

function unionDoc(union: Extract<Type, { k: 'union' }>, place: Place): Doc {
  if (hugs(union)) {
    const parts: Doc[] = [];
    union.types.forEach((t, i) => parts.push(i > 0 ? ' | ' : '', typeDoc(t, 'nested')));
    return place === 'nested' ? ['(', parts, ')'] : parts;
  }
  // Each member aligned two columns in, past the bar of the broken layout.
  const printed = group(union.types.map((t, i) => [i === 0 ? ifBreak('| ') : [line, '| '], align(2, typeDoc(t, 'nested'))]));
  if (place === 'nested') return ['(', group([indent([softline, printed]), softline]), ')'];
  if (place === 'tuple') return group([indent([ifBreak(['(', softline]), printed]), softline, ifBreak(')')]);
  // An alias's union is indented by the assignment's layout already; a tuple's sole one is not.
  if (place === 'assigned' || place === 'sole') return printed;
  return group(indent([softline, printed]));
}

/**
 * `A & B`: two object types, or a type name and an object type, stay on one line around `&`
 * (an object type after the second member is indented); between two names the line may break
 * after `&`.
 */
function intersectionDoc(intersection: Extract<Type, { k: 'intersection' }>): Doc {
  let indented = false;
  return group(
    intersection.types.map((t, i) => {
      const doc = typeDoc(t, 'nested');
      if (i === 0) return doc;
      const object = t.k === 'object';
      const previousObject = intersection.types[i - 1]!.k === 'object';
      if (object && previousObject) return [' & ', indented ? indent(doc) : doc];
      if (!object && !previousObject) return indent([' &', line, doc]);
      if (i > 1) indented = true;
      return [' & ', i > 1 ? indent(doc) : doc];
    }),
  );
}

/**
 * A JSDoc block comment re-indented as prettier does when every line after the first starts
 * with `*`: the first line as written, the others trimmed and prefixed with one space.
 */
function comment(text: string): Doc {
  const value = text.slice(2, -2);
  const lines = value.split('\n');
  if (lines.length < 2 || !`*${value}*`.split('\n').every((l) => l.trimStart().startsWith('*'))) throw new Unsupported();
  const out: Doc[] = ['/*'];
  lines.forEach((l, i) => {
    if (i > 0) out.push(hardline);
    out.push(i === 0 ? l.trimEnd() : ' ' + (i < lines.length - 1 ? l.trim() : l.trimStart()));
  });
  out.push('*/');
  return out;
}

// ─── Printing: a document printer with prettier's fitting rules ─────────────────────────────────

type Mode = 'flat' | 'break';
interface Command {
  indent: number;
  mode: Mode;
  doc: Doc;
}

function print(root: Doc): string {
  const out: string[] = [];
  let pos = 0;
  const modes = new Map<symbol, Mode>();
  const commands: Command[] = [{ indent: 0, mode: 'break', doc: root }];
  while (commands.length > 0) {
    const { indent: ind, mode, doc } = commands.pop()!;
    if (typeof doc === 'string') {
      out.push(doc);
      pos += doc.length;
      continue;
    }
    if (Array.isArray(doc)) {
      for (let i = doc.length - 1; i >= 0; i--) commands.push({ indent: ind, mode, doc: doc[i]! });
      continue;
    }
    switch (doc.t) {
      case 'indent':
        commands.push({ indent: ind + 2, mode, doc: doc.contents });
        break;
      case 'align':
        commands.push({ indent: ind + doc.n, mode, doc: doc.contents });
        break;
      case 'group': {
        let chosen: Mode = doc.broken ? 'break' : 'flat';
        if (mode === 'break' && !doc.broken) chosen = fits({ indent: ind, mode: 'flat', doc: doc.contents }, commands, PRINT_WIDTH - pos) ? 'flat' : 'break';
        commands.push({ indent: ind, mode: chosen, doc: doc.contents });
        if (doc.id) modes.set(doc.id, chosen);
        break;
      }
      case 'ifBreak':
        commands.push({ indent: ind, mode, doc: mode === 'break' ? doc.broken : doc.flat });
        break;
      case 'indentIfBreak':
        commands.push({ indent: modes.get(doc.id) === 'break' ? ind + 2 : ind, mode, doc: doc.contents });
        break;
      case 'line':
        if (mode === 'flat' && !doc.hard) {
          if (!doc.soft) {
            out.push(' ');
            pos++;
          }
          break;
        }
        if (mode === 'flat') throw new Unsupported(); // a hard line in a flat group: prettier remeasures
        trimTrailingSpace(out);
        out.push('\n' + ' '.repeat(ind));
        pos = ind;
        break;
    }
  }
  trimTrailingSpace(out);
  return out.join('');
}

/**
 * Whether `next` fits flat in `width` columns, with what follows it up to its first line break
 * (a line's space counts once text follows it). Measured widths are string lengths: the parser
 * takes printable ASCII only outside comments, and comments always sit between hard lines.
 */
function fits(next: Command, rest: Command[], width: number): boolean {
  let restAt = rest.length;
  let pendingSpace = false;
  const todo: Array<{ mode: Mode; doc: Doc }> = [next];
  while (width >= 0) {
    if (todo.length === 0) {
      if (restAt === 0) return true;
      todo.push(rest[--restAt]!);
      continue;
    }
    const { mode, doc } = todo.pop()!;
    if (typeof doc === 'string') {
      if (doc.length > 0) {
        if (pendingSpace) width--;
        pendingSpace = false;
        width -= doc.length;
      }
      continue;
    }
    if (Array.isArray(doc)) {
      for (let i = doc.length - 1; i >= 0; i--) todo.push({ mode, doc: doc[i]! });
      continue;
    }
    switch (doc.t) {
      case 'indent':
      case 'align':
      case 'indentIfBreak':
        todo.push({ mode, doc: doc.contents });
        break;
      case 'group':
        todo.push({ mode: doc.broken ? 'break' : mode, doc: doc.contents });
        break;
      case 'ifBreak':
        todo.push({ mode, doc: mode === 'break' ? doc.broken : doc.flat });
        break;
      case 'line':
        if (mode === 'break' || doc.hard) return true;
        if (!doc.soft) pendingSpace = true;
        break;
    }
  }
  return false;
}

function trimTrailingSpace(out: string[]): void {
  while (out.length > 0) {
    const last = out[out.length - 1]!;
    const trimmed = last.replace(/[ \t]+$/, '');
    if (trimmed.length > 0) {
      out[out.length - 1] = trimmed;
      return;
    }
    out.pop();
  }
}
