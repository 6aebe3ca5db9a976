import { describe, expect, it } from 'vitest';
import { declaresExport } from '../../../generators/shared/codegen/emit-types.js';

/** What emitTypes checked with before (a RegExp per type name): declaresExport must answer the same. */
const byRegExp = (code: string, name: string) => new RegExp(`^export (?:interface|type) ${name}\\b`, 'm').test(code);

describe('declaresExport (the type emitter names the exports the registry imports)', () => {
  const cases: Array<[string, string, boolean]> = [
    ['export interface Foo {\n}\n', 'Foo', true],
    ['export type Foo = string;\n', 'Foo', true],
    ['/** doc */\nexport interface Foo {}', 'Foo', true],
    ['a\r\nexport type Foo = 1', 'Foo', true],
    ['a\rexport type Foo = 1', 'Foo', true],
    ['a\u2028export type Foo = 1', 'Foo', true],
    ['export interface Foo', 'Foo', true], // the name ends the text
    ['export interface FooBar {}\n', 'Foo', false], // a longer name
    ['export interface Foo_ {}\n', 'Foo', false],
    ['export interface Foo1 {}\n', 'Foo', false],
    [' export interface Foo {}\n', 'Foo', false], // not at a line start
    ['// export interface Foo {}\n', 'Foo', false],
    ['export  interface Foo {}\n', 'Foo', false],
    ['export interface FooBar {}\nexport type Foo = 1;\n', 'Foo', true], // found after a longer name
    ['x export interface Foo {}\nexport interface Foo<T> {}\n', 'Foo', true], // after one not at a line start
    ['export declare interface Foo {}\n', 'Foo', false],
    ['export interface Foo$ {}\n', 'Foo', true], // `$` is not a word character: \b holds
    ['', 'Foo', false],
  ];
  it.each(cases)('%j, %s → %s', (code, name, expected) => {
    expect(byRegExp(code, name)).toBe(expected); // the cases describe the old check
    expect(declaresExport(code, name)).toBe(expected);
  });

  it('answers as the RegExp did on generated-looking modules', () => {
    const names = ['A', 'AB', 'Ab1', 'A_b'];
    const pieces = ['export interface ', 'export type ', '\n', '\r\n', ' ', '{}', ';', 'x', '/** c */', ...names];
    let seed = 7;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let i = 0; i < 3000; i++) {
      let code = '';
      for (let j = random(12); j >= 0; j--) code += pieces[random(pieces.length)];
      for (const name of names) expect([code, name, declaresExport(code, name)]).toEqual([code, name, byRegExp(code, name)]);
    }
  });
});
