import { describe, expect, it } from 'vitest';
import { parseSqlText, readOnlyProblem } from './sql-text.js';

describe('readOnlyProblem', () => {
  it.each([
    ['SELECT id, name FROM items WHERE id = :id'],
    ['select 1;'],
    ['WITH t AS (SELECT 1 AS x) SELECT x FROM t'],
    ["SELECT 'insert; delete' AS words -- update here\nFROM items"],
    ['SELECT "update" FROM items /* drop table */'],
    ['VALUES (1)'],
  ])('accepts %j', (query) => expect(readOnlyProblem(query)).toBeUndefined());

  it.each([
    ['', /empty/],
    ['DELETE FROM items', /SELECT/],
    ['SELECT 1; DROP TABLE items', /more than one statement/],
    ['WITH gone AS (DELETE FROM items RETURNING *) SELECT * FROM gone', /DELETE/],
    ['SELECT * INTO copy FROM items', /INTO/],
    ['SELECT * FROM items FOR UPDATE', /UPDATE/],
    ["SELECT 1 /* unterminated ';' */; INSERT INTO x VALUES (1)", /more than one statement/],
    ['PRAGMA writable_schema = 1', /SELECT/],
  ])('refuses %j', (query, why) => expect(readOnlyProblem(query)).toMatch(why));
});

describe('parseSqlText', () => {
  it('splits at :name parameters outside strings, comments and casts', () => {
    expect(parseSqlText("SELECT ':skip', id::text FROM t -- :no\nWHERE a = :a AND b = :b_2 OR a = :a")).toEqual({
      pieces: ["SELECT ':skip', id::text FROM t -- :no\nWHERE a = ", ' AND b = ', ' OR a = ', ''],
      names: ['a', 'b_2', 'a'],
    });
  });
});
