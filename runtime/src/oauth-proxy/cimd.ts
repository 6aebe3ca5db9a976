/**
 * Client ID metadata documents (CIMD): a client whose `client_id` is an https URL publishes its
 * metadata (name, redirect URIs) at that URL, and the authorization server fetches it instead of
 * requiring registration. Fetching a URL an anonymous caller chose is a server-side request forgery
 * risk, so the fetch is fenced:
 * - https only (http only for a loopback host, and only with the development switch);
 * - the host name is resolved once and every address checked: loopback, private, link-local,
 *   unique-local, CGNAT and unspecified ranges are refused (unless allowed), and the connection goes
 *   to the vetted address (no second lookup a rebinding DNS server could answer differently);
 * - no redirects, a time limit and a size limit; the document must be JSON naming itself as
 *   `client_id` with at least one redirect URI.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { rootCertificates } from 'node:tls';

export const CIMD_MAX_BYTES = 5 * 1024;
export const CIMD_TIMEOUT_MS = 5_000;

export interface CimdPolicy {
  /** Development: http:// and loopback hosts are accepted (MCP_OAUTH_DEV_ALLOW_HTTP_LOCALHOST). */
  allowHttpLocalhost: boolean;
  /** Private ranges accepted (MCP_OAUTH_CIMD_ALLOW_PRIVATE): an internal client registry. */
  allowPrivate: boolean;
  maxBytes?: number;
  timeoutMs?: number;
  /** Extra PEM CA certificates trusted besides the system's (MCP_OAUTH_CIMD_CA_FILE: an internal registry). */
  ca?: string;
}

export interface ClientMetadata {
  client_id: string;
  client_name?: string;
  redirect_uris: string[];
  token_endpoint_auth_method?: string;
  grant_types?: string[];
  response_types?: string[];
  scope?: string;
  client_uri?: string;
  logo_uri?: string;
}

/** A refusal whose message is safe to show the client (OAuth `invalid_client`). */
export class CimdError extends Error {
  override readonly name = 'CimdError';
}

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

const restricted = new BlockList();
for (const [net, bits] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4]] as const) {
  restricted.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [['::', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96]] as const) restricted.addSubnet(net, bits, 'ipv6');

/** Whether an address is loopback, private or otherwise not a public internet host. */
export function addressClass(address: string): 'loopback' | 'private' | 'public' {
  const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
  // An IPv4-mapped IPv6 address (::ffff:10.0.0.1) is judged as the IPv4 address it carries.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return addressClass(mapped[1]!);
  if (loopback.check(address, family)) return 'loopback';
  if (restricted.check(address, family)) return 'private';
  return 'public';
}

/** Whether a client_id is a URL (a CIMD client) rather than a registered id. */
export function isCimdClientId(clientId: string): boolean {
  return /^https?:\/\//i.test(clientId);
}

function checkUrl(clientId: string, policy: CimdPolicy): URL {
  let url: URL;
  try {
    url = new URL(clientId);
  } catch {
    throw new CimdError('client_id is not a valid URL');
  }
  if (url.hash || url.username || url.password) throw new CimdError('client_id URL must not contain a fragment or credentials');
  if (url.pathname === '/' || url.pathname === '') throw new CimdError('client_id URL must have a path (the metadata document)');
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && policy.allowHttpLocalhost && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)) return url;
  throw new CimdError('client_id URL must use https');
}

/** Resolves the host and checks each address; returns the address to connect to. */
async function vettedAddress(url: URL, policy: CimdPolicy): Promise<{ address: string; family: number }> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await dnsLookup(host, { all: true, verbatim: true }).catch(() => {
    throw new CimdError(`client_id host ${host} does not resolve`);
  });
  if (addresses.length === 0) throw new CimdError(`client_id host ${host} does not resolve`);
  for (const { address } of addresses) {
    const kind = addressClass(address);
    if (kind === 'loopback' && !policy.allowHttpLocalhost && !policy.allowPrivate) throw new CimdError('client_id URL points at a loopback address, which this server does not fetch');
    if (kind === 'private' && !policy.allowPrivate) throw new CimdError('client_id URL points at a private or reserved address, which this server does not fetch');
  }
  return addresses[0]!;
}

/**
 * Fetches and checks a client's metadata document.
 *
 * @example
 * ```ts
 * const client = await fetchClientMetadata('https://app.example/oauth/client.json', { allowHttpLocalhost: false, allowPrivate: false });
 * ```
 */
export async function fetchClientMetadata(clientId: string, policy: CimdPolicy): Promise<ClientMetadata> {
  const url = checkUrl(clientId, policy);
  const target = await vettedAddress(url, policy);
  const maxBytes = policy.maxBytes ?? CIMD_MAX_BYTES;
  const timeoutMs = policy.timeoutMs ?? CIMD_TIMEOUT_MS;
  // The connection goes to the vetted address; TLS still checks the certificate against the host name.
  const lookup: LookupFunction = (_host, options, callback) => {
    if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [target]);
    else callback(null, target.address, target.family);
  };
  const body = await new Promise<string>((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const tlsOptions = url.protocol === 'https:' && policy.ca ? { ca: [...rootCertificates, policy.ca] } : {};
    const req = send(url, { method: 'GET', headers: { accept: 'application/json' }, lookup, timeout: timeoutMs, ...tlsOptions }, (res) => {
      if ((res.statusCode ?? 0) >= 300 && (res.statusCode ?? 0) < 400) {
        res.resume();
        return reject(new CimdError('client metadata document answered with a redirect, which is not followed'));
      }
      if (res.statusCode !== 200) {
        res.resume();
        return reject(new CimdError(`client metadata document answered HTTP ${res.statusCode}`));
      }
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > maxBytes) {
        res.destroy();
        return reject(new CimdError(`client metadata document is larger than ${maxBytes} bytes`));
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          res.destroy();
          reject(new CimdError(`client metadata document is larger than ${maxBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      res.on('error', () => reject(new CimdError('client metadata document could not be read')));
    });
    req.on('timeout', () => req.destroy(new CimdError(`client metadata document did not arrive within ${timeoutMs} ms`)));
    req.on('error', (error) => reject(error instanceof CimdError ? error : new CimdError('client metadata document could not be fetched')));
    req.end();
  });
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    throw new CimdError('client metadata document is not JSON');
  }
  return checkMetadata(doc, clientId);
}

function checkMetadata(doc: unknown, clientId: string): ClientMetadata {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new CimdError('client metadata document must be a JSON object');
  const d = doc as Record<string, unknown>;
  if (d.client_id !== clientId) throw new CimdError('client metadata document has a client_id other than its own URL');
  if (!Array.isArray(d.redirect_uris) || d.redirect_uris.length === 0 || !d.redirect_uris.every((u) => typeof u === 'string')) {
    throw new CimdError('client metadata document must list redirect_uris');
  }
  const method = d.token_endpoint_auth_method ?? 'none';
  if (method !== 'none') throw new CimdError('client metadata document: only token_endpoint_auth_method "none" is supported for URL client ids');
  return {
    client_id: clientId,
    redirect_uris: d.redirect_uris as string[],
    token_endpoint_auth_method: 'none',
    ...(typeof d.client_name === 'string' ? { client_name: d.client_name.slice(0, 200) } : {}),
    ...(typeof d.client_uri === 'string' ? { client_uri: d.client_uri } : {}),
  };
}
