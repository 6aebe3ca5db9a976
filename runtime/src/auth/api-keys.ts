/**
 * API keys: random keys shown once, stored as SHA-256 hashes in the project's database.
 *
 * A key reads `mcpk_<id>_<secret>`: the id (public, 12 hex digits) finds the row, the hash of the
 * whole key is compared in constant time. The secret has 256 bits of entropy, so a plain SHA-256
 * (no slow KDF) is enough: nobody brute-forces 2^256. A revocation takes effect on the next
 * request on PostgreSQL (every request reads the row, in every replica). On SQLite (one process,
 * the dev layout) a verified key is remembered while `PRAGMA data_version` says no other connection
 * (`mcpforge keys revoke`) has committed, checked at most every 100 ms: a revocation applies within
 * 0.1 s. Why: the row lookup through Kysely was a third of a call's CPU, and even the pragma alone,
 * which takes SQLite's WAL read locks, a fifth of what was left (bench:ab, --auth apiKey).
 */
import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { LRUCache } from 'lru-cache';
import { checkRoleNames } from './roles.js';
import { bearerToken, invalidToken, malformedBearer, missingCredentials, type AuthOutcome, type Authenticator } from './types.js';

export const API_KEYS_TABLE = 'mcpforge_api_keys';

/**
 * The table as first created, in SQL both SQLite and PostgreSQL accept (timestamps as ISO-8601
 * text, like the runtime's other tables). `if not exists`: runtimes before the migrations below
 * created it at start, so it may be there already.
 */
export const API_KEYS_TABLE_SQL = `create table if not exists ${API_KEYS_TABLE} (
  id text primary key,
  name text not null unique,
  key_hash text not null,
  scopes text not null,
  created_at text not null,
  revoked_at text
)`;

/**
 * Built-in migrations of the key table, for `storage.migrate(folder, API_KEY_MIGRATIONS)` (the
 * server at start in `apiKey` mode, and `mcpforge keys`). Recorded like the runtime's other tables,
 * so each runs once per database: `add column` has no `if not exists` in SQLite.
 */
export const API_KEY_MIGRATIONS: Readonly<Record<string, string>> = {
  '0003_api_keys': API_KEYS_TABLE_SQL,
  // Roles of a key, space-separated like its scopes; existing keys get none.
  '0004_api_key_roles': `alter table ${API_KEYS_TABLE} add column roles text not null default ''`,
};

const KEY_PATTERN = /^mcpk_([0-9a-f]{12})_[A-Za-z0-9_-]{43}$/;

export interface ApiKeyRecord {
  id: string;
  name: string;
  scopes: string[];
  /** Names under the spec's `auth.roles`; the server adds their scopes. */
  roles: string[];
  createdAt: string;
  revokedAt: string | null;
}

interface Row {
  id: string;
  name: string;
  key_hash: string;
  scopes: string;
  roles: string;
  created_at: string;
  revoked_at: string | null;
}

export function hashApiKey(key: string): string {
  // The one-shot digest (Node ≥ 20.12): no Hash object per request; the same hex digest of the UTF-8 key.
  return hash('sha256', key, 'hex');
}

const SCOPE = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** Checks scope names (the OAuth scope-token grammar, so they fit a `WWW-Authenticate` challenge). */
export function checkScopes(scopes: readonly string[]): void {
  for (const scope of scopes) {
    if (!SCOPE.test(scope)) throw new Error(`scope "${scope}" is not valid: use printable ASCII without spaces, quotes or backslashes (e.g. notes:read)`);
  }
}

function toRecord(row: Row): ApiKeyRecord {
  return { id: row.id, name: row.name, scopes: row.scopes.split(' ').filter(Boolean), roles: row.roles.split(' ').filter(Boolean), createdAt: row.created_at, revokedAt: row.revoked_at };
}

function freezeRecord(record: ApiKeyRecord): ApiKeyRecord {
  Object.freeze(record.scopes);
  Object.freeze(record.roles);
  return Object.freeze(record);
}

/** Key management over the project's database (used by `mcpforge keys` and the authenticator). */
export interface ApiKeyStore {
  /** Throws a message naming the fix when the table is missing or older than this runtime (the server checks this at start). */
  check(): Promise<void>;
  /** Creates a key with direct scopes and roles; `key` is the only time the secret exists outside the client. */
  create(name: string, scopes: readonly string[], roles?: readonly string[]): Promise<{ key: string; record: ApiKeyRecord }>;
  list(): Promise<ApiKeyRecord[]>;
  /** Revokes by id or name; returns the revoked record, or undefined when no such key exists. */
  revoke(idOrName: string): Promise<ApiKeyRecord | undefined>;
  /** The active record for a presented key, or why it is refused. */
  verify(key: string): Promise<{ ok: true; record: ApiKeyRecord } | { ok: false; reason: 'unknown' | 'revoked' }>;
  /**
   * Synchronously, the record of a key `verify` accepted and the store still remembers (SQLite,
   * see `dataVersion`), else undefined: ask `verify`. Never reads the database's rows.
   */
  known?(key: string): ApiKeyRecord | undefined;
}

/** Whether the key table is there with every column this runtime reads (no DDL: a serving role may lack the right). */
export async function apiKeyTableReady(db: Kysely<unknown>): Promise<boolean> {
  try {
    await sql`select id, roles from ${sql.table(API_KEYS_TABLE)} where id = ${''}`.execute(db);
    return true;
  } catch {
    return false;
  }
}

const COLUMNS = sql.raw('id, name, key_hash, scopes, roles, created_at, revoked_at');

/** Verified keys remembered at most (by hash), on SQLite. */
export const VERIFIED_KEY_CACHE_SIZE = 1000;

/** How often (ms) a remembered key's database is asked whether another connection committed. */
export const API_KEY_RECHECK_MS = 100;

export interface ApiKeyStoreOptions {
  /**
   * The database's change counter (`Storage.dataVersion`, SQLite only). When given, verified keys
   * are remembered until it moves; this store's own `create`/`revoke` forget them at once.
   */
  dataVersion?: () => number;
  /** Milliseconds between two reads of `dataVersion` (default API_KEY_RECHECK_MS). */
  recheckMs?: number;
  /** The clock for `recheckMs` (tests). */
  now?: () => number;
}

export function createApiKeyStore(db: Kysely<unknown>, options: ApiKeyStoreOptions = {}): ApiKeyStore {
  const byId = async (id: string): Promise<Row | undefined> => (await sql<Row>`select ${COLUMNS} from ${sql.table(API_KEYS_TABLE)} where id = ${id}`.execute(db)).rows[0];
  const { dataVersion, recheckMs = API_KEY_RECHECK_MS, now = performance.now.bind(performance) } = options;
  let checkedAt = -Infinity;
  // Keyed by the key's SHA-256, so a lookup reveals nothing through timing about stored keys.
  const verified = dataVersion ? new LRUCache<string, ApiKeyRecord>({ max: VERIFIED_KEY_CACHE_SIZE }) : undefined;
  // The version read before the rows now cached were read: a commit after it empties the cache.
  let verifiedAt: number | undefined;
  // Moves on this store's own writes, which `dataVersion` does not see.
  let writes = 0;
  const forget = (): void => {
    writes += 1;
    verified?.clear();
  };
  /**
   * The remembered record of a key's hash, after emptying the cache if another connection has
   * committed since it was filled (asked at most every recheckMs). `verify` and `known` share it,
   * so the two answer alike.
   */
  const remembered = (hash: string): ApiKeyRecord | undefined => {
    if (!verified || !dataVersion) return undefined;
    const time = now();
    if (time - checkedAt >= recheckMs) {
      checkedAt = time;
      const current = dataVersion();
      if (current !== verifiedAt) {
        verified.clear();
        verifiedAt = current;
      }
    }
    return verified.get(hash);
  };
  return {
    async check() {
      try {
        await sql`select id, roles from ${sql.table(API_KEYS_TABLE)} where id = ${''}`.execute(db);
      } catch (error) {
        throw new Error(
          `the API key table ${API_KEYS_TABLE} is missing or older than this runtime (${(error as Error).message}): start the server once with MCP_MIGRATE=auto (or only), or run \`mcpforge keys list\` against this database`,
          { cause: error },
        );
      }
    },
    async create(name, scopes, roles = []) {
      if (!/^[A-Za-z0-9_.:@-]{1,64}$/.test(name)) throw new Error(`key name "${name}" is not valid: use 1 to 64 of A-Z a-z 0-9 _ . : @ -`);
      checkScopes(scopes);
      checkRoleNames(roles);
      const taken = (await sql<Row>`select id, revoked_at from ${sql.table(API_KEYS_TABLE)} where name = ${name}`.execute(db)).rows[0];
      if (taken) throw new Error(`a key named "${name}" already exists (id ${taken.id}${taken.revoked_at ? ', revoked' : ''}); choose another name`);
      const id = randomBytes(6).toString('hex');
      const key = `mcpk_${id}_${randomBytes(32).toString('base64url')}`;
      const createdAt = new Date().toISOString();
      const scopeText = [...new Set(scopes)].join(' ');
      const roleText = [...new Set(roles)].join(' ');
      await sql`insert into ${sql.table(API_KEYS_TABLE)} (id, name, key_hash, scopes, roles, created_at, revoked_at) values (${id}, ${name}, ${hashApiKey(key)}, ${scopeText}, ${roleText}, ${createdAt}, ${null})`.execute(db);
      forget();
      return { key, record: { id, name, scopes: scopeText.split(' ').filter(Boolean), roles: roleText.split(' ').filter(Boolean), createdAt, revokedAt: null } };
    },
    async list() {
      const rows = (await sql<Row>`select ${COLUMNS} from ${sql.table(API_KEYS_TABLE)} order by created_at, id`.execute(db)).rows;
      return rows.map(toRecord);
    },
    async revoke(idOrName) {
      const row = (
        await sql<Row>`select ${COLUMNS} from ${sql.table(API_KEYS_TABLE)} where id = ${idOrName} or name = ${idOrName}`.execute(db)
      ).rows[0];
      if (!row) return undefined;
      if (row.revoked_at) return toRecord(row);
      const revokedAt = new Date().toISOString();
      await sql`update ${sql.table(API_KEYS_TABLE)} set revoked_at = ${revokedAt} where id = ${row.id}`.execute(db);
      forget();
      return toRecord({ ...row, revoked_at: revokedAt });
    },
    // Only where keys are remembered at all (SQLite): elsewhere the gate goes straight to `verify`.
    ...(verified ? { known: (key: string) => (KEY_PATTERN.test(key) ? remembered(hashApiKey(key)) : undefined) } : {}),
    async verify(key) {
      const match = KEY_PATTERN.exec(key);
      if (!match) return { ok: false, reason: 'unknown' };
      const hash = hashApiKey(key);
      const writesBefore = writes;
      if (verified) {
        const record = remembered(hash);
        if (record) return { ok: true, record };
      }
      // The version the rows read below belong to (read by `remembered`, at most recheckMs old).
      const version = verifiedAt;
      const row = await byId(match[1]!);
      const presented = Buffer.from(hash, 'hex');
      // Compared even when no row exists (against random bytes): the time taken does not tell
      // an unknown id from a wrong secret.
      const stored = row ? Buffer.from(row.key_hash, 'hex') : randomBytes(32);
      const equal = stored.length === presented.length && timingSafeEqual(stored, presented);
      if (!row || !equal) return { ok: false, reason: 'unknown' };
      if (row.revoked_at) return { ok: false, reason: 'revoked' };
      const record = toRecord(row);
      // Remembered only when nothing was written while the row was read; shared by every request
      // that presents the key, hence frozen.
      if (verified && version !== undefined && version === verifiedAt && writes === writesBefore) verified.set(hash, freezeRecord(record));
      return { ok: true, record };
    },
  };
}

/** The presented API key: `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
function presentedKey(req: Parameters<Authenticator>[0]): string | undefined | null {
  const header = req.headers['x-api-key'];
  if (typeof header === 'string' && header.trim() !== '') return header.trim();
  return bearerToken(req);
}

/**
 * Authenticates API keys against the store. Identity: subject `apikey:<name>`, the key's scopes
 * and roles (the HTTP gate adds the roles' scopes).
 *
 * @example
 * ```ts
 * const authenticate = createApiKeyAuthenticator(createApiKeyStore(storage.db));
 * ```
 */
export function createApiKeyAuthenticator(store: ApiKeyStore): Authenticator {
  const authenticate: Authenticator = async (req) => {
    const key = presentedKey(req);
    if (key === undefined) return missingCredentials('Authentication required: send Authorization: Bearer <API key> (or X-API-Key)');
    if (key === null) return malformedBearer();
    const result = await store.verify(key);
    if (!result.ok) return invalidToken(result.reason === 'revoked' ? 'The API key has been revoked' : 'Unknown API key');
    return accepted(result.record);
  };
  // A key the store remembers as verified (SQLite): the same identity, without a promise.
  const known = store.known?.bind(store);
  if (known) {
    authenticate.known = (req) => {
      const key = presentedKey(req);
      const record = typeof key === 'string' ? known(key) : undefined;
      return record ? accepted(record) : undefined;
    };
  }
  return authenticate;
}

/** A new identity object per request: handlers receive it as `ctx.auth`, and must not share one. */
function accepted(record: ApiKeyRecord): AuthOutcome {
  return { ok: true, identity: { subject: `apikey:${record.name}`, scopes: record.scopes, roles: record.roles, anonymous: false, method: 'apiKey', clientId: record.name } };
}


/**
 * Brings the key table to this runtime's shape through the runtime's migrator (recorded, once per
 * database, under the replica lock). Nothing runs when it is already current, so a database user
 * without DDL rights can still manage keys in a table the owner role migrated.
 *
 * @example
 * ```ts
 * await migrateApiKeyTable(storage);
 * const store = createApiKeyStore(storage.db);
 * ```
 */
export async function migrateApiKeyTable(storage: { db: Kysely<unknown>; migrate(folder: string | URL, runtime?: Readonly<Record<string, string>>): Promise<string[]> }): Promise<void> {
  if (await apiKeyTableReady(storage.db)) return;
  // A folder that does not exist holds no project migration: only the runtime's own run (the
  // project's files are the server's to apply, at its start).
  await storage.migrate(new URL('file:///nonexistent/mcpforge-runtime-tables-only/'), API_KEY_MIGRATIONS);
}
