import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { withStatementCache } from './sqlite-statements.js';

describe('withStatementCache', () => {
  const opened: Database.Database[] = [];
  afterEach(() => {
    for (const d of opened.splice(0)) if (d.open) d.close();
  });
  function setup(size?: number) {
    const raw = new Database(':memory:');
    opened.push(raw);
    let prepares = 0;
    const counting = { prepare: (text: string) => (prepares++, raw.prepare(text)), close: () => raw.close() };
    const db = new Kysely<{ t: { id: number; v: string } }>({ dialect: new SqliteDialect({ database: withStatementCache(counting, size) }) });
    return { db, raw, prepares: () => prepares };
  }

  it('prepares a SQL text once and reuses it with new parameters', async () => {
    const { db, prepares } = setup();
    await sql`create table t (id integer primary key, v text)`.execute(db);
    await db.insertInto('t').values({ id: 1, v: 'a' }).execute();
    await db.insertInto('t').values({ id: 2, v: 'b' }).execute();
    const before = prepares();
    const one = await db.selectFrom('t').select('v').where('id', '=', 1).executeTakeFirst();
    const two = await db.selectFrom('t').select('v').where('id', '=', 2).executeTakeFirst();
    expect([one?.v, two?.v]).toEqual(['a', 'b']);
    expect(prepares() - before).toBe(1);
  });

  it('stays correct after a schema change (the statement re-prepares itself)', async () => {
    const { db } = setup();
    await sql`create table t (id integer primary key, v text)`.execute(db);
    await db.insertInto('t').values({ id: 1, v: 'a' }).execute();
    expect(await sql`select * from t`.execute(db).then((r) => r.rows)).toEqual([{ id: 1, v: 'a' }]);
    await sql`alter table t add column w text default 'x'`.execute(db);
    expect(await sql`select * from t`.execute(db).then((r) => r.rows)).toEqual([{ id: 1, v: 'a', w: 'x' }]);
  });

  it('does not hand out a cached statement while an iteration over it is still open', () => {
    const raw = new Database(':memory:');
    opened.push(raw);
    raw.exec('create table t (id integer primary key); insert into t values (1), (2)');
    const cache = withStatementCache(raw);
    const first = cache.prepare('select id from t');
    const rows = first.iterate([]);
    rows.next();
    // Left open (a stream stopped early without closing): reusing it would throw "busy".
    const second = cache.prepare('select id from t');
    expect(second).not.toBe(first);
    rows.return?.();
    expect(cache.prepare('select id from t')).toBe(first);
  });

  it('evicts the least recently used text past its size and closes the database', async () => {
    const { db, raw, prepares } = setup(2);
    await sql`create table t (id integer primary key, v text)`.execute(db);
    const q = (n: number) => sql`select ${sql.raw(String(n))} as n`.execute(db);
    await q(1);
    await q(2);
    await q(3); // evicts 1
    const before = prepares();
    await q(1);
    expect(prepares() - before).toBe(1);
    await db.destroy();
    expect(raw.open).toBe(false);
  });
});
