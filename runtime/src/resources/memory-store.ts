/**
 * The key/value store behind `kind: memory` resources and `ctx.memory`: in-process in dev, Redis in
 * production (`REDIS_URL`). Every change is announced to every replica — in-process directly, with
 * Redis through one pub/sub channel that this replica also hears its own changes on — so a client
 * subscribed on any replica gets `notifications/resources/updated`.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ToolError } from '../errors/index.js';
import type { RedisHandle } from '../redis/index.js';

export type MemoryChange = (collection: string, key: string) => void;

export interface MemoryStore {
  get(collection: string, key: string): Promise<unknown>;
  set(collection: string, key: string, value: unknown, ttlSeconds?: number): Promise<void>;
  delete(collection: string, key: string): Promise<boolean>;
  /** Keys of the collection, sorted. */
  keys(collection: string): Promise<string[]>;
  /** Called once per change, whichever replica made it. */
  onChange(listener: MemoryChange): void;
  close(): Promise<void>;
}

export function createInProcessMemoryStore(): MemoryStore {
  const data = new Map<string, Map<string, { value: unknown; expires: number }>>();
  const listeners: MemoryChange[] = [];
  const collectionOf = (name: string) => {
    let c = data.get(name);
    if (!c) data.set(name, (c = new Map()));
    return c;
  };
  const live = (name: string, key: string) => {
    const c = collectionOf(name);
    const found = c.get(key);
    if (found && found.expires <= Date.now()) {
      c.delete(key);
      return undefined;
    }
    return found;
  };
  const changed = (collection: string, key: string) => {
    for (const l of listeners) l(collection, key);
  };
  return {
    async get(collection, key) {
      return structuredClone(live(collection, key)?.value);
    },
    async set(collection, key, value, ttlSeconds) {
      // Stored as a copy, like Redis stores JSON: a caller mutating its object later changes nothing.
      collectionOf(collection).set(key, { value: structuredClone(value), expires: ttlSeconds ? Date.now() + ttlSeconds * 1000 : Infinity });
      changed(collection, key);
    },
    async delete(collection, key) {
      const had = live(collection, key) !== undefined;
      collectionOf(collection).delete(key);
      if (had) changed(collection, key);
      return had;
    },
    async keys(collection) {
      return [...collectionOf(collection).keys()].filter((k) => live(collection, k) !== undefined).sort();
    },
    onChange(listener) {
      listeners.push(listener);
    },
    async close() {},
  };
}

/**
 * Values are JSON strings under `<prefix>memory:<collection>:<key>` (so each key can expire on its
 * own), with a set of the collection's keys for listing; changes go out on `<prefix>memory`.
 * Resolves once this replica listens on the channel.
 */
export async function createRedisMemoryStore(redis: RedisHandle, logger?: Logger): Promise<MemoryStore> {
  const client = redis.client;
  const channel = `${redis.prefix}memory`;
  const valueKey = (collection: string, key: string) => `${redis.prefix}memory:${collection}:${key}`;
  const indexKey = (collection: string) => `${redis.prefix}memory-keys:${collection}`;
  const listeners: MemoryChange[] = [];
  // A subscribed connection can do nothing else: a second one, made like the first.
  const subscriber: Redis = client.duplicate({ enableOfflineQueue: true });
  subscriber.on('error', (error: Error) => logger?.debug({ err: error }, 'memory change subscriber error'));
  subscriber.on('message', (from: string, text: string) => {
    if (from !== channel) return;
    try {
      const { collection, key } = JSON.parse(text) as { collection: string; key: string };
      for (const l of listeners) l(collection, key);
    } catch (error) {
      logger?.warn({ err: error }, 'malformed memory change message ignored');
    }
  });
  await subscriber.subscribe(channel);
  const announce = (collection: string, key: string) => client.publish(channel, JSON.stringify({ collection, key }));
  // Unlike the cache, memory has no fallback (another replica's writes live only in Redis): an
  // outage is the caller's clear error, counted like every failed Redis command.
  const guarded = <A extends unknown[], R>(what: string, fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await fn(...args);
      } catch (error) {
        redis.failed(`memory ${what}`, error);
        throw new ToolError('The memory store (Redis) is unavailable; try again shortly.', { code: 'memory_unavailable', cause: error });
      }
    };

  const store: MemoryStore = {
    async get(collection, key) {
      const text = await client.get(valueKey(collection, key));
      return text === null ? undefined : JSON.parse(text);
    },
    async set(collection, key, value, ttlSeconds) {
      const text = JSON.stringify(value ?? null);
      const multi = client.multi();
      if (ttlSeconds) multi.set(valueKey(collection, key), text, 'EX', ttlSeconds);
      else multi.set(valueKey(collection, key), text);
      multi.sadd(indexKey(collection), key);
      await multi.exec();
      await announce(collection, key);
    },
    async delete(collection, key) {
      const [[, removed] = [null, 0]] = (await client.multi().del(valueKey(collection, key)).srem(indexKey(collection), key).exec()) ?? [];
      if (removed === 0) return false;
      await announce(collection, key);
      return true;
    },
    async keys(collection) {
      const keys = await client.smembers(indexKey(collection));
      if (keys.length === 0) return [];
      const values = await client.mget(keys.map((k) => valueKey(collection, k)));
      const expired = keys.filter((_k, i) => values[i] === null);
      if (expired.length > 0) await client.srem(indexKey(collection), ...expired);
      return keys.filter((_k, i) => values[i] !== null).sort();
    },
    onChange(listener) {
      listeners.push(listener);
    },
    async close() {
      await subscriber.quit().catch(() => subscriber.disconnect());
    },
  };
  return { ...store, get: guarded('get', store.get), set: guarded('set', store.set), delete: guarded('delete', store.delete), keys: guarded('keys', store.keys) };
}
