/**
 * Finds the parts of a handler file that generation may own: the `define*('<name>', ...)` call of
 * the default export, the type annotations of its handler function, and the imports from
 * `../generated/types/`. Syntax only (TypeScript's parser as bundled by ts-morph: no type
 * checker, no tsconfig, no other file read), so analysing a thousand handlers stays cheap.
 */
import { ts } from 'ts-morph';
import { DEFINE_FUNCTION, type EntryKind } from './entries.js';

/** A range of the original text. */
export interface Span {
  start: number;
  end: number;
}

export interface ImportedName {
  /** The name the module exports. */
  imported: string;
  /** The name the file uses (differs with `X as Y`). */
  local: string;
  /** `import { type X }`. */
  typeOnly: boolean;
}

export interface GeneratedImport {
  span: Span;
  /** Module specifier as written, e.g. `../generated/types/create_note.js`. */
  module: string;
  quote: string;
  /** `import type { ... }`. */
  typeOnly: boolean;
  names: ImportedName[];
  /** `import * as T from ...` (its members are not tracked one by one). */
  namespace?: string;
  /** A default import or another shape we do not rewrite. */
  other: boolean;
}

export interface Annotation {
  /** From the `:` to the end of the type. */
  span: Span;
  /** The type itself. */
  type: Span;
  text: string;
}

export interface HandlerShape {
  kind: EntryKind;
  /** The entry name the file claims, and where the string literal is. */
  name: string;
  nameSpan: Span;
  nameQuote: string;
  /** Annotations of the handler function (`read` for a resource). */
  annotations: { params: Array<Annotation | undefined>; returns?: Annotation };
  imports: GeneratedImport[];
  /** Every identifier outside import declarations: text and position. */
  identifiers: Array<{ text: string; start: number }>;
}

export type Analysis = { ok: true; shape: HandlerShape } | { ok: false; found: string };

export function analyzeHandler(fileName: string, text: string, kind: EntryKind): Analysis {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const define = DEFINE_FUNCTION[kind];
  const imports: GeneratedImport[] = [];
  let exported: ts.Expression | undefined;
  const locals = new Map<string, ts.Expression>();

  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier)) {
      const module = statement.moduleSpecifier.text;
      if (!/^\.\.\/generated\/types\//.test(module)) continue;
      const clause = statement.importClause;
      const bindings = clause?.namedBindings;
      imports.push({
        span: { start: statement.getStart(source), end: statement.end },
        module,
        quote: statement.moduleSpecifier.getText(source)[0] ?? "'",
        typeOnly: clause?.isTypeOnly ?? false,
        names:
          bindings && ts.isNamedImports(bindings)
            ? bindings.elements.map((e) => ({ imported: (e.propertyName ?? e.name).text, local: e.name.text, typeOnly: e.isTypeOnly }))
            : [],
        ...(bindings && ts.isNamespaceImport(bindings) ? { namespace: bindings.name.text } : {}),
        other: !clause || clause.name !== undefined || bindings === undefined,
      });
    } else if (ts.isExportAssignment(statement) && !statement.isExportEquals) {
      exported = statement.expression;
    } else if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        if (ts.isIdentifier(declaration.name) && declaration.initializer) locals.set(declaration.name.text, declaration.initializer);
      }
    }
  }

  if (!exported) return { ok: false, found: 'no `export default`' };
  let call = unwrap(exported);
  if (ts.isIdentifier(call) && locals.has(call.text)) call = unwrap(locals.get(call.text)!);
  const shown = oneLine(exported.getText(source));
  if (!ts.isCallExpression(call) || !ts.isIdentifier(call.expression) || call.expression.text !== define) {
    return { ok: false, found: `export default ${shown} (not a ${define}(...) call)` };
  }
  const [nameArg, handlerArg] = call.arguments;
  if (!nameArg || !(ts.isStringLiteral(nameArg) || ts.isNoSubstitutionTemplateLiteral(nameArg))) {
    return { ok: false, found: `${define}(${nameArg ? oneLine(nameArg.getText(source)) : ''}...): the first argument is not a string literal` };
  }
  const fn = handlerArg && handlerFunction(kind, unwrap(handlerArg));
  if (!fn) {
    const what = kind === 'resource' ? 'an object literal with a `read` function' : 'an arrow function or function expression';
    return { ok: false, found: `${define}('${nameArg.text}', ${handlerArg ? oneLine(handlerArg.getText(source)) : '<missing>'}): the second argument is not ${what}` };
  }

  const annotation = (typeNode: ts.TypeNode | undefined): Annotation | undefined => {
    if (!typeNode) return undefined;
    const typeStart = typeNode.getStart(source);
    let colon = typeStart - 1;
    while (colon >= 0 && /\s/.test(text[colon]!)) colon--;
    // Not `x: T` as written (a comment in between): treat the whole type as the annotation.
    const start = text[colon] === ':' ? colon : typeStart;
    return { span: { start, end: typeNode.end }, type: { start: typeStart, end: typeNode.end }, text: typeNode.getText(source) };
  };

  const identifiers: Array<{ text: string; start: number }> = [];
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node)) return;
    if (ts.isIdentifier(node)) identifiers.push({ text: node.text, start: node.getStart(source) });
    ts.forEachChild(node, visit);
  };
  visit(source);

  return {
    ok: true,
    shape: {
      kind,
      name: nameArg.text,
      nameSpan: { start: nameArg.getStart(source), end: nameArg.end },
      nameQuote: nameArg.getText(source)[0]!,
      annotations: { params: fn.parameters.map((p) => annotation(p.type)), returns: annotation(fn.type) },
      imports,
      identifiers,
    },
  };
}

type HandlerFunction = ts.ArrowFunction | ts.FunctionExpression | ts.MethodDeclaration;

function handlerFunction(kind: EntryKind, node: ts.Expression): HandlerFunction | undefined {
  if (kind !== 'resource') return ts.isArrowFunction(node) || ts.isFunctionExpression(node) ? node : undefined;
  if (!ts.isObjectLiteralExpression(node)) return undefined;
  for (const property of node.properties) {
    const name = property.name && (ts.isIdentifier(property.name) || ts.isStringLiteral(property.name)) ? property.name.text : undefined;
    if (name !== 'read') continue;
    if (ts.isMethodDeclaration(property)) return property;
    if (ts.isPropertyAssignment(property)) {
      const value = unwrap(property.initializer);
      if (ts.isArrowFunction(value) || ts.isFunctionExpression(value)) return value;
    }
  }
  return undefined;
}

/** `(x)`, `x as T`, `x satisfies T` → x. */
function unwrap(node: ts.Expression): ts.Expression {
  let current = node;
  for (;;) {
    if (ts.isParenthesizedExpression(current) || ts.isAsExpression(current) || ts.isSatisfiesExpression(current)) current = current.expression;
    else return current;
  }
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > 80 ? `${flat.slice(0, 77)}...` : flat;
}
