/**
 * A fresh PostgreSQL database opened as `Storage` for one describe block (created before its
 * tests, closed and dropped after them).
 */
import { afterAll, beforeAll } from 'vitest';
import { createDatabase, type Storage } from '../storage/index.js';
import { freshPostgresDatabase } from './services.js';

/** Call inside `describe`; the returned function gives the open storage inside the tests. */
export function useFreshPostgresStorage(): () => Storage {
  let db: Awaited<ReturnType<typeof freshPostgresDatabase>> | undefined;
  let storage: Storage | undefined;
  beforeAll(async () => {
    db = await freshPostgresDatabase();
    storage = await createDatabase(db.url);
  });
  afterAll(async () => {
    await storage?.close();
    await db?.drop();
  });
  return () => {
    if (!storage) throw new Error('useFreshPostgresStorage(): the storage opens in beforeAll; use it inside a test');
    return storage;
  };
}
