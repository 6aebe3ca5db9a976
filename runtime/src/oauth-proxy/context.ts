/** What every endpoint of the proxy shares: settings, storage, keys, the upstream, audit and limits. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuditOutcome } from '../audit/index.js';
import type { CimdPolicy, ClientMetadata } from './cimd.js';
import { CimdError, fetchClientMetadata, isCimdClientId } from './cimd.js';
import { OAuthRefusal } from './http-util.js';
import type { TokenSigner } from './keys.js';
import type { OAuthStore } from './store.js';
import type { Upstream } from './upstream.js';

export interface ProxyContext {
  issuer: string;
  /** The MCP endpoint's URL: the only `resource` tokens are issued for (RFC 8707), and their audience. */
  resource: string;
  scopesSupported: string[];
  serverName: string;
  store: OAuthStore;
  upstream: Upstream;
  /** Where the upstream provider sends the browser back (`<issuer>/oauth/callback`). */
  callbackUrl: string;
  signer: TokenSigner;
  encryptionKey: Buffer;
  cimd: CimdPolicy;
  accessTokenTtl: number;
  refreshTokenTtl: number;
  /** Cookies marked Secure (an https issuer). */
  secureCookies: boolean;
  /** Records one endpoint outcome in the audit log (and counts refusals as security events). */
  audit(entry: { name: string; outcome: AuditOutcome; subject?: string; errorCode?: string; startedAt: number }): void;
  /** True when the peer is within the endpoint's rate limit. */
  allow(endpoint: string, req: IncomingMessage): Promise<boolean>;
}

export type Endpoint = (ctx: ProxyContext, req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;

/** A known client: registered (DCR) or a metadata document (CIMD), checked on each authorization. */
export interface KnownClient {
  metadata: ClientMetadata;
  secretHash: string | null;
}

export async function findClient(ctx: ProxyContext, clientId: string): Promise<KnownClient | undefined> {
  if (isCimdClientId(clientId)) {
    try {
      return { metadata: await fetchClientMetadata(clientId, ctx.cimd), secretHash: null };
    } catch (error) {
      if (error instanceof CimdError) throw new OAuthRefusal('invalid_client', `client metadata document refused: ${error.message}`, 400);
      throw error;
    }
  }
  const row = await ctx.store.getClient(clientId);
  if (!row) return undefined;
  return { metadata: JSON.parse(row.metadata) as ClientMetadata, secretHash: row.secret_hash };
}
