/**
 * The OAuth proxy's tables: registered clients, pending authorizations, one-time codes, grants
 * (one per consent: the upstream tokens, sealed, live here) and refresh tokens. Created by the
 * runtime's migrator as a built-in migration (`OAUTH_PROXY_MIGRATIONS`), in SQL SQLite and
 * PostgreSQL both accept; times are seconds since the epoch. Secrets (codes, refresh tokens, CSRF
 * and browser tokens, client secrets) are stored as SHA-256 hashes only.
 */
import { sql, type Kysely } from 'kysely';

export const OAUTH_TABLES = {
  clients: 'mcpforge_oauth_clients',
  transactions: 'mcpforge_oauth_transactions',
  codes: 'mcpforge_oauth_codes',
  grants: 'mcpforge_oauth_grants',
  refreshTokens: 'mcpforge_oauth_refresh_tokens',
} as const;

/** Built-in migrations for `storage.migrate(folder, OAUTH_PROXY_MIGRATIONS)`. */
export const OAUTH_PROXY_MIGRATIONS: Readonly<Record<string, string>> = {
  '0002_oauth_proxy': `
create table if not exists ${OAUTH_TABLES.clients} (
  client_id text primary key,
  secret_hash text,
  metadata text not null,
  created_at bigint not null
);
create table if not exists ${OAUTH_TABLES.transactions} (
  id text primary key,
  browser_hash text not null,
  csrf_hash text not null,
  client_id text not null,
  request text not null,
  upstream_verifier text not null,
  nonce text not null,
  subject text,
  upstream_sealed text,
  expires_at bigint not null
);
create table if not exists ${OAUTH_TABLES.codes} (
  code_hash text primary key,
  grant_id text not null,
  client_id text not null,
  redirect_uri text not null,
  code_challenge text not null,
  used_at bigint,
  expires_at bigint not null
);
create table if not exists ${OAUTH_TABLES.grants} (
  id text primary key,
  client_id text not null,
  subject text not null,
  scope text not null,
  resource text not null,
  upstream_sealed text,
  revoked_at bigint,
  expires_at bigint not null,
  created_at bigint not null
);
create table if not exists ${OAUTH_TABLES.refreshTokens} (
  token_hash text primary key,
  grant_id text not null,
  used_at bigint,
  expires_at bigint not null
);
`,
};

export interface ClientRow {
  client_id: string;
  secret_hash: string | null;
  metadata: string;
}

/** What the browser asked for at /authorize, kept until the code is issued. */
export interface AuthorizationRequest {
  redirectUri: string;
  codeChallenge: string;
  scope: string[];
  state?: string;
  resource: string;
  clientName: string;
}

export interface TransactionRow {
  id: string;
  browser_hash: string;
  csrf_hash: string;
  client_id: string;
  request: string;
  upstream_verifier: string;
  nonce: string;
  subject: string | null;
  upstream_sealed: string | null;
  expires_at: number | string;
}

export interface GrantRow {
  id: string;
  client_id: string;
  subject: string;
  scope: string;
  resource: string;
  upstream_sealed: string | null;
  revoked_at: number | string | null;
  expires_at: number | string;
}

export const now = (): number => Math.floor(Date.now() / 1000);

/** Data access of the proxy; every method is one statement (atomic on both databases). */
export function createOAuthStore(db: Kysely<unknown>) {
  const T = OAUTH_TABLES;
  const first = async <R>(q: ReturnType<typeof sql<R>>): Promise<R | undefined> => (await q.execute(db)).rows[0];
  return {
    async putClient(clientId: string, secretHash: string | null, metadata: unknown): Promise<void> {
      await sql`insert into ${sql.table(T.clients)} (client_id, secret_hash, metadata, created_at) values (${clientId}, ${secretHash}, ${JSON.stringify(metadata)}, ${now()})`.execute(db);
    },
    getClient(clientId: string): Promise<ClientRow | undefined> {
      return first(sql<ClientRow>`select client_id, secret_hash, metadata from ${sql.table(T.clients)} where client_id = ${clientId}`);
    },
    async putTransaction(row: Omit<TransactionRow, 'subject' | 'upstream_sealed'>): Promise<void> {
      await sql`insert into ${sql.table(T.transactions)} (id, browser_hash, csrf_hash, client_id, request, upstream_verifier, nonce, expires_at)
        values (${row.id}, ${row.browser_hash}, ${row.csrf_hash}, ${row.client_id}, ${row.request}, ${row.upstream_verifier}, ${row.nonce}, ${row.expires_at})`.execute(db);
    },
    getTransaction(id: string): Promise<TransactionRow | undefined> {
      return first(sql<TransactionRow>`select * from ${sql.table(T.transactions)} where id = ${id} and expires_at > ${now()}`);
    },
    async setTransactionUser(id: string, subject: string, upstreamSealed: string): Promise<void> {
      await sql`update ${sql.table(T.transactions)} set subject = ${subject}, upstream_sealed = ${upstreamSealed} where id = ${id}`.execute(db);
    },
    /** Removes and returns the transaction: a consent form is answered once. */
    takeTransaction(id: string): Promise<TransactionRow | undefined> {
      return first(sql<TransactionRow>`delete from ${sql.table(T.transactions)} where id = ${id} and expires_at > ${now()} returning *`);
    },
    async putGrant(row: Omit<GrantRow, 'revoked_at'>): Promise<void> {
      await sql`insert into ${sql.table(T.grants)} (id, client_id, subject, scope, resource, upstream_sealed, expires_at, created_at)
        values (${row.id}, ${row.client_id}, ${row.subject}, ${row.scope}, ${row.resource}, ${row.upstream_sealed}, ${row.expires_at}, ${now()})`.execute(db);
    },
    getGrant(id: string): Promise<GrantRow | undefined> {
      return first(sql<GrantRow>`select * from ${sql.table(T.grants)} where id = ${id}`);
    },
    /** Replaces the sealed upstream tokens after a refresh at the provider (only while the grant is live). */
    async setGrantUpstream(id: string, upstreamSealed: string): Promise<void> {
      await sql`update ${sql.table(T.grants)} set upstream_sealed = ${upstreamSealed} where id = ${id} and revoked_at is null`.execute(db);
    },
    async revokeGrant(id: string): Promise<void> {
      await sql`update ${sql.table(T.grants)} set revoked_at = ${now()} where id = ${id} and revoked_at is null`.execute(db);
    },
    async putCode(codeHash: string, grantId: string, clientId: string, redirectUri: string, codeChallenge: string, expiresAt: number): Promise<void> {
      await sql`insert into ${sql.table(T.codes)} (code_hash, grant_id, client_id, redirect_uri, code_challenge, expires_at)
        values (${codeHash}, ${grantId}, ${clientId}, ${redirectUri}, ${codeChallenge}, ${expiresAt})`.execute(db);
    },
    /** Marks a code used; `replayed` when it had been used before (the caller then revokes its grant). */
    async useCode(codeHash: string): Promise<{ row?: { grant_id: string; client_id: string; redirect_uri: string; code_challenge: string; expires_at: number | string }; replayed: boolean }> {
      const row = await first(
        sql<{ grant_id: string; client_id: string; redirect_uri: string; code_challenge: string; expires_at: number | string }>`update ${sql.table(T.codes)} set used_at = ${now()}
          where code_hash = ${codeHash} and used_at is null returning grant_id, client_id, redirect_uri, code_challenge, expires_at`,
      );
      if (row) return { row, replayed: false };
      const used = await first(sql<{ grant_id: string }>`select grant_id from ${sql.table(T.codes)} where code_hash = ${codeHash}`);
      return used ? { row: { ...used, client_id: '', redirect_uri: '', code_challenge: '', expires_at: 0 }, replayed: true } : { replayed: false };
    },
    async putRefreshToken(tokenHash: string, grantId: string, expiresAt: number): Promise<void> {
      await sql`insert into ${sql.table(T.refreshTokens)} (token_hash, grant_id, expires_at) values (${tokenHash}, ${grantId}, ${expiresAt})`.execute(db);
    },
    /** Marks a refresh token used (rotation); `replayed` when it had been used already. */
    async useRefreshToken(tokenHash: string): Promise<{ grantId?: string; replayed: boolean; expired?: boolean }> {
      const row = await first(sql<{ grant_id: string; expires_at: number | string }>`update ${sql.table(T.refreshTokens)} set used_at = ${now()}
        where token_hash = ${tokenHash} and used_at is null returning grant_id, expires_at`);
      if (row) return Number(row.expires_at) > now() ? { grantId: row.grant_id, replayed: false } : { grantId: row.grant_id, replayed: false, expired: true };
      const used = await first(sql<{ grant_id: string }>`select grant_id from ${sql.table(T.refreshTokens)} where token_hash = ${tokenHash}`);
      return used ? { grantId: used.grant_id, replayed: true } : { replayed: false };
    },
    findRefreshToken(tokenHash: string): Promise<{ grant_id: string } | undefined> {
      return first(sql<{ grant_id: string }>`select grant_id from ${sql.table(T.refreshTokens)} where token_hash = ${tokenHash}`);
    },
    /** Deletes expired rows (and grants revoked or expired); returns how many rows went. */
    async prune(): Promise<number> {
      const t = now();
      let n = 0;
      for (const table of [T.transactions, T.codes, T.refreshTokens, T.grants]) {
        const result = await sql`delete from ${sql.table(table)} where expires_at <= ${t}`.execute(db);
        n += Number(result.numAffectedRows ?? 0);
      }
      return n;
    },
  };
}

export type OAuthStore = ReturnType<typeof createOAuthStore>;
