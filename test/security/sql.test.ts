/**
 * SQL metacharacters in every string field of the notes example (create_note title/body/tags,
 * list_notes tag, search_notes query, delete_note id, the note resource's id, the summarize_notes
 * prompt's tag), against a running server over HTTP on SQLite and on a fresh PostgreSQL database.
 *
 * Per payload: it round-trips exactly (create → read back by resource and by list), a search for it
 * finds exactly the notes that contain it literally (never "everything", so `%`, `_` and `' OR 1=1`
 * do not widen a query), filters and deletes with it touch nothing else, and the table survives.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshPostgresDatabase, postgresAvailable } from '../../runtime/src/__fixtures__/services.js';
import type { ServerProcess } from '../production/lib/server.js';
import { expectHttpServes } from './lib/checks.js';
import { callLegacy, callModern, postJson, toolText } from './lib/http.js';
import { SQL_NUL_PAYLOAD, SQL_PAYLOADS } from './lib/attack-cases.js';
import { builtExample, startHttp } from './lib/servers.js';

interface Note {
  id: string;
  title: string;
  body: string;
  tags: string[];
}

/** Payloads (shared with the `kind: sql` resource suite); NUL apart: PostgreSQL text cannot hold it. */
const PAYLOADS = SQL_PAYLOADS;
const NUL_PAYLOAD = SQL_NUL_PAYLOAD;

function suite(database: 'SQLite' | 'PostgreSQL', setup: () => Promise<{ env: Record<string, string>; cleanup(): Promise<void> } | undefined>) {
  describe(`SQL metacharacters in every notes field (${database})`, () => {
    let server: ServerProcess | undefined;
    let cleanup: (() => Promise<void>) | undefined;
    let baseline: Note;
    const call = async (tool: string, args: Record<string, unknown>) => {
      const reply = await callLegacy(server!.url, tool, args);
      expect(reply.error, JSON.stringify(reply.error)).toBeUndefined();
      return reply;
    };
    const ok = async <T>(tool: string, args: Record<string, unknown>): Promise<T> => {
      const reply = await call(tool, args);
      expect(reply.result?.isError ?? false, toolText(reply)).toBe(false);
      return reply.result?.structuredContent as T;
    };
    const allNotes = async () => (await ok<{ notes: Note[] }>('list_notes', { limit: 100 })).notes;

    beforeAll(async () => {
      const prepared = await setup();
      if (!prepared) return;
      cleanup = prepared.cleanup;
      server = await startHttp(await builtExample('notes'), prepared.env);
      // The title ends in "a", the NUL payload's text before its U+0000: a search that stops at the
      // NUL (SQLite's LIKE does) would return the baseline on every run, not by chance.
      baseline = await ok<Note>('create_note', { title: `baseline ${randomUUID()} a`, body: 'plain text', tags: ['base'] });
    });
    afterAll(async () => {
      await server?.stop();
      await cleanup?.();
    });

    const exercise = async (payload: string, nulOnPostgres = false) => {
      if (!server) return;
      const before = await allNotes();
      // create_note: title and body hold the payload; it comes back byte for byte.
      const created = await call('create_note', { title: `t ${payload}`, body: `b ${payload} end` });
      if (nulOnPostgres) {
        // PostgreSQL text cannot store U+0000: a tool error, not a crash and not a partial row.
        expect(created.result?.isError).toBe(true);
        expect(await allNotes()).toHaveLength(before.length);
        return;
      }
      const note = created.result?.structuredContent as Note;
      expect(note.title).toBe(`t ${payload}`);
      expect(note.body).toBe(`b ${payload} end`);
      // Read back through the resource (id in a URI) and through list_notes.
      const read = await postJson(server.url, { jsonrpc: '2.0', id: 2, method: 'resources/read', params: { uri: `notes://${note.id}` } });
      expect(JSON.parse((read.messages[0]?.result?.contents as Array<{ text: string }>)[0]!.text)).toMatchObject({ title: `t ${payload}`, body: `b ${payload} end` });
      const listed = (await allNotes()).find((n) => n.id === note.id);
      expect(listed).toMatchObject({ title: `t ${payload}`, body: `b ${payload} end`, tags: [] });

      // search_notes: exactly the notes containing the payload literally (never the baseline).
      const found = (await ok<{ notes: Note[] }>('search_notes', { query: payload, limit: 100 })).notes;
      expect(found.map((n) => n.id)).toContain(note.id);
      expect(found.map((n) => n.id)).not.toContain(baseline.id);
      for (const n of found) expect(`${n.title}\n${n.body}`.toLowerCase()).toContain(payload.toLowerCase());
      // The fast path (2026 era) runs the same query.
      const fast = await callModern(server.url, 'search_notes', { query: payload, limit: 100 });
      expect((fast.result?.structuredContent as { notes: Note[] }).notes.map((n) => n.id).sort()).toEqual(found.map((n) => n.id).sort());

      // list_notes tag: no note carries the payload as a tag, so nothing matches.
      expect((await ok<{ notes: Note[] }>('list_notes', { tag: payload })).notes).toEqual([]);
      // create_note tags: the tag pattern refuses the payload with a validation error naming the field.
      const tagged = await call('create_note', { title: 'tagged', tags: [payload] });
      expect(tagged.result?.isError).toBe(true);
      expect(toolText(tagged)).toContain('/tags/0 must match pattern');

      // delete_note id and the resource id: the payload matches no row; nothing is deleted.
      expect(await ok('delete_note', { id: payload })).toEqual({ deleted: false });
      const missing = await postJson(server.url, { jsonrpc: '2.0', id: 3, method: 'resources/read', params: { uri: `notes://${encodeURIComponent(payload)}` } });
      expect(missing.messages[0]?.result).toBeUndefined();
      expect(missing.messages[0]?.error).toBeDefined();

      // The summarize_notes prompt takes a free-text tag.
      const prompt = await postJson(server.url, { jsonrpc: '2.0', id: 4, method: 'prompts/get', params: { name: 'summarize_notes', arguments: { tag: payload } } });
      expect(prompt.messages[0]?.error, JSON.stringify(prompt.messages[0])).toBeUndefined();

      // The table survives with every earlier row; then the note is deleted by its real id.
      const after = await allNotes();
      expect(after.map((n) => n.id)).toEqual(expect.arrayContaining([...before.map((n) => n.id), note.id, baseline.id]));
      expect(after).toHaveLength(before.length + 1);
      expect(await ok('delete_note', { id: note.id })).toEqual({ deleted: true });
    };

    it.each(PAYLOADS)('%s', async (_name, payload) => exercise(payload));
    it(NUL_PAYLOAD[0], async () => exercise(NUL_PAYLOAD[1], database === 'PostgreSQL'));

    it('search for % or _ alone does not return every note', async () => {
      if (!server) return;
      await ok('create_note', { title: 'plain one' });
      await ok('create_note', { title: '100% sure' });
      const percent = (await ok<{ notes: Note[] }>('search_notes', { query: '%' })).notes;
      expect(percent.map((n) => n.title)).toEqual(['100% sure']);
      const underscore = (await ok<{ notes: Note[] }>('search_notes', { query: '_' })).notes;
      expect(underscore).toEqual([]);
    });

    it('the server is alive, and the notes table still answers', async () => {
      if (!server) return;
      await expectHttpServes(server);
      expect((await allNotes()).map((n) => n.id)).toContain(baseline.id);
    });
  });
}

suite('SQLite', async () => ({ env: { DATABASE_URL: 'sqlite::memory:' }, cleanup: async () => {} }));

suite('PostgreSQL', async () => {
  if (!(await postgresAvailable())) return undefined;
  const db = await freshPostgresDatabase();
  return { env: { DATABASE_URL: db.url }, cleanup: () => db.drop() };
});
