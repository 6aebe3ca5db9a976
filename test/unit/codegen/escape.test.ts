/** Each escaping helper keeps any string as data in its context (round trip or no way out). */
import fc from 'fast-check';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { blockComment, identifier, jsDocLines, lineComment, propertyKey, stringLiteral, templateLiteral } from '../../../generators/shared/codegen/escape.js';

const nasty = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.array(fc.constantFrom('*/', '/*', '\n', '\r', '\u2028', '\u2029', '`', '${', "'", '"', '\\', '\0', '\ud800', '\udc00', 'x', '🙂'), { maxLength: 20 }).map((a) => a.join('')),
);
const evaluate = (source: string): unknown => new Function(`return (${source});`)();
/** Syntax errors of a module made of `source`. */
const syntaxErrors = (source: string) => ts.transpileModule(source, { reportDiagnostics: true }).diagnostics ?? [];

describe('escaping helpers', () => {
  it('stringLiteral and templateLiteral read back exactly, on one line', () => {
    fc.assert(
      fc.property(nasty, (s) => {
        for (const literal of [stringLiteral(s), templateLiteral(s)]) {
          expect(evaluate(literal)).toBe(s);
          expect(literal).not.toMatch(/[\n\r\u2028\u2029]/);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('comments can never be closed or ended by their text', () => {
    fc.assert(
      fc.property(nasty, (s) => {
        const source = [`// ${lineComment(s)}`, `/* ${blockComment(s)} */`, '/**', ...jsDocLines(s), ' */', 'export const ok = 1;'].join('\n');
        expect(syntaxErrors(source)).toEqual([]);
        expect(evaluate(`(() => { ${source.replace('export ', '')}\nreturn ok; })()`)).toBe(1);
      }),
      { numRuns: 300 },
    );
  });

  it('identifier and propertyKey give valid names and own keys', () => {
    fc.assert(
      fc.property(nasty, (s) => {
        const id = identifier(s);
        expect(syntaxErrors(`let ${id} = 1; type ${id === 'type' ? 'T' : id} = 2;`)).toEqual([]);
        const object = evaluate(`{ ${propertyKey(s)}: 1 }`) as Record<string, unknown>;
        expect(Object.getOwnPropertyNames(object)).toEqual([s]);
      }),
      { numRuns: 300 },
    );
    expect(identifier('class')).toBe('class_');
    expect(identifier('3d')).toBe('_3d');
    expect(propertyKey('__proto__')).toBe("['__proto__']");
  });
});
