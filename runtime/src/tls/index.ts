/**
 * TLS for the HTTP transport: certificate files, HTTPS server options, reload on SIGHUP, and the
 * mutual-TLS authenticator that turns a verified client certificate into a caller identity.
 *
 * Only TLS 1.2 and 1.3 are accepted: older versions have known downgrade attacks and every MCP
 * client runs on a TLS stack that speaks 1.2. Files are read here (not by node:https) so that a
 * missing or malformed file is reported with its path and the variable that named it.
 */
import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { createSecureContext, type SecureContextOptions, type Server as TlsServer, type TLSSocket } from 'node:tls';
import type { ServerOptions as HttpsServerOptions } from 'node:https';
import type { Logger } from 'pino';
import type { AuthOutcome, Authenticator } from '../auth/types.js';
import type { Manifest } from '../server/contract.js';
import type { RuntimeConfig } from '../config/index.js';
import type { HttpServerHandle } from '../transports/http.js';

export const TLS_MIN_VERSION = 'TLSv1.2';

/** Paths of the PEM files, as given by `--tls-cert` / `--tls-key` / `--tls-client-ca`. */
export interface TlsFiles {
  /** Server certificate chain (leaf first). MCP_TLS_CERT. */
  cert: string;
  /** Private key of the server certificate. MCP_TLS_KEY. */
  key: string;
  /** CA bundle client certificates must chain to; turns on mutual TLS. MCP_TLS_CLIENT_CA. */
  clientCa?: string;
}

export class TlsConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TlsConfigError';
  }
}

/** What a certificate file holds, for logs and tests (fingerprints compare certificates). */
export interface CertificateSummary {
  subject: string;
  issuer: string;
  validFrom: string;
  validTo: string;
  /** SHA-256 fingerprint, colon-separated upper-case hex (as node:tls reports `fingerprint256`). */
  fingerprint256: string;
}

const NAMES: Record<keyof TlsFiles, string> = { cert: 'MCP_TLS_CERT (--tls-cert)', key: 'MCP_TLS_KEY (--tls-key)', clientCa: 'MCP_TLS_CLIENT_CA (--tls-client-ca)' };

function readPem(which: keyof TlsFiles, path: string, marker: RegExp): Buffer {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (error) {
    throw new TlsConfigError(`${NAMES[which]}=${path}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); give the path of a PEM file`);
  }
  if (!marker.test(data.toString('latin1'))) {
    throw new TlsConfigError(`${NAMES[which]}=${path}: not a PEM file of the expected kind (no "-----BEGIN ${marker.source.includes('KEY') ? '... PRIVATE KEY' : 'CERTIFICATE'}-----" line)`);
  }
  return data;
}

/**
 * Reads and checks the files and returns the secure-context options (cert, key, CA, TLS 1.2+).
 * Throws `TlsConfigError` naming the file when one is missing, not PEM, or the key does not match
 * the certificate, so neither start-up nor a reload ever serves a half-loaded context.
 */
export function loadSecureContextOptions(files: TlsFiles): SecureContextOptions {
  const options: SecureContextOptions = {
    cert: readPem('cert', files.cert, /-----BEGIN CERTIFICATE-----/),
    key: readPem('key', files.key, /-----BEGIN [A-Z ]*PRIVATE KEY-----/),
    minVersion: TLS_MIN_VERSION,
    ...(files.clientCa ? { ca: readPem('clientCa', files.clientCa, /-----BEGIN CERTIFICATE-----/) } : {}),
  };
  try {
    // Builds the OpenSSL context once to surface a key/certificate mismatch or a broken PEM now.
    createSecureContext(options);
  } catch (error) {
    throw new TlsConfigError(`${files.cert} with ${files.key}: ${(error as Error).message}; the key must be the private key of the certificate`);
  }
  return options;
}

/**
 * Options for `https.createServer`: the secure context plus, with a client CA, mutual TLS
 * (`requestCert` + `rejectUnauthorized`: a client without a certificate signed by that CA, or with
 * an expired one, fails the handshake and never reaches HTTP).
 */
export function httpsServerOptions(files: TlsFiles): HttpsServerOptions {
  return {
    ...loadSecureContextOptions(files),
    ...(files.clientCa ? { requestCert: true, rejectUnauthorized: true } : {}),
  };
}

/** Subject, issuer, validity and fingerprint of the first certificate in a PEM file or buffer. */
export function describeCertificate(pem: string | Buffer): CertificateSummary {
  const cert = new X509Certificate(pem);
  return { subject: cert.subject.replace(/\n/g, ', '), issuer: cert.issuer.replace(/\n/g, ', '), validFrom: cert.validFrom, validTo: cert.validTo, fingerprint256: cert.fingerprint256 };
}

export interface TlsReloader {
  /**
   * Re-reads the files and swaps the server's secure context. New connections get the new
   * certificate; open connections and in-flight calls keep theirs. A bad file keeps the old
   * context and returns (and logs) the error.
   */
  reload(): { ok: true; certificate: CertificateSummary } | { ok: false; error: string };
}

export function createTlsReloader(server: TlsServer, files: TlsFiles, logger?: Logger): TlsReloader {
  return {
    reload() {
      try {
        const options = loadSecureContextOptions(files);
        server.setSecureContext(options);
        const certificate = describeCertificate(options.cert as Buffer);
        logger?.info({ certificate }, 'TLS certificate reloaded');
        if (Date.parse(certificate.validTo) < Date.now()) logger?.warn({ certificate }, 'the reloaded TLS certificate has expired');
        return { ok: true, certificate };
      } catch (error) {
        const message = (error as Error).message;
        logger?.error({ err: error }, `TLS reload failed, still serving the previous certificate: ${message}`);
        return { ok: false, error: message };
      }
    },
  };
}

/**
 * Logs failed TLS handshakes (plain HTTP to an HTTPS port, unknown CA, missing client certificate)
 * at debug: they are the client's problem and a scanner could otherwise flood the log.
 */
export function logTlsClientErrors(server: TlsServer, logger?: Logger): void {
  server.on('tlsClientError', (error: Error & { code?: string }, socket: TLSSocket) => {
    logger?.debug({ code: error.code, remote: socket.remoteAddress, reason: error.message }, 'TLS handshake refused');
    socket.destroy();
  });
}

/** Scopes and roles granted to a client certificate subject (the spec's `auth.clients`). */
export interface MtlsClient {
  scopes?: string[];
  /** Names under the spec's `auth.roles`; their scopes are added at the HTTP gate. */
  roles?: string[];
}

export interface MtlsAuthenticatorOptions {
  /**
   * Keys are `CN=<common name>` or a subjectAltName entry as OpenSSL prints it (`DNS:<name>`,
   * `URI:<uri>`, `email:<address>`, `IP Address:<ip>`). Without a mapping every certificate the CA
   * signed is accepted with no scopes; with one, a certificate matching no key is refused (403).
   * A `*` in a key matches any run of characters within one DNS label or path segment
   * (`DNS:*.agents.internal`, `CN=ci-*`); exact keys win over patterns, patterns apply in order.
   */
  clients?: Record<string, MtlsClient>;
}

/** The names a client certificate can be mapped by: `CN=...` first, then its subjectAltNames. */
export function certificateNames(peer: { subject?: Record<string, string | string[]> | null; subjectaltname?: string }): string[] {
  const names: string[] = [];
  const cn = peer.subject?.CN;
  for (const value of Array.isArray(cn) ? cn : cn ? [cn] : []) names.push(`CN=${value}`);
  for (const entry of (peer.subjectaltname ?? '').split(/,\s*/)) if (entry) names.push(entry);
  return names;
}

/** `*` matches within one DNS label or path segment (never across `.`, `/`, `,`); the rest literally. */
function subjectPattern(key: string): RegExp {
  return new RegExp(`^${key.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[^./,]*')}$`);
}

/**
 * The mutual-TLS authenticator: the verified client certificate is the credential. The handshake
 * (with `rejectUnauthorized`) already refused missing, foreign and expired certificates; this
 * checks `authorized` again (defence in depth) and maps the subject to an identity and scopes.
 */
export function createMtlsAuthenticator(options: MtlsAuthenticatorOptions = {}): Authenticator {
  const clients = options.clients;
  const mapped = clients && Object.keys(clients).length > 0 ? clients : undefined;
  const patterns = Object.keys(mapped ?? {})
    .filter((key) => key.includes('*'))
    .map((key) => ({ key, pattern: subjectPattern(key) }));
  const refuse = (status: 401 | 403, description: string, presented: boolean): AuthOutcome => ({ ok: false, rejection: { status, description, presented } });
  return async (req) => {
    const socket = req.socket as Partial<TLSSocket>;
    if (typeof socket.getPeerCertificate !== 'function') {
      return refuse(401, 'mutual TLS is required: the server must serve HTTPS with MCP_TLS_CLIENT_CA set', false);
    }
    const peer = socket.getPeerCertificate();
    const present = Boolean(peer && Object.keys(peer).length > 0);
    if (!present) return refuse(401, 'a client certificate is required', false);
    if (!socket.authorized) return refuse(401, `the client certificate is not valid${socket.authorizationError ? ` (${String(socket.authorizationError)})` : ''}`, true);
    const names = certificateNames(peer as never);
    if (!mapped) return { ok: true, identity: { subject: names[0] ?? `sha256:${peer.fingerprint256}`, scopes: [], anonymous: false, method: 'mtls' } };
    const exact = names.find((name) => Object.hasOwn(mapped, name));
    const key = exact ?? patterns.find(({ pattern }) => names.some((name) => pattern.test(name)))?.key;
    if (key === undefined) return refuse(403, `client certificate ${names[0] ?? peer.fingerprint256} is not listed in auth.clients of the server's spec`, true);
    // The subject is the certificate's own name (a pattern is not a caller): the one the key matched.
    const match = exact ?? names.find((name) => patterns.find((p) => p.key === key)!.pattern.test(name))!;
    const client = mapped[key]!;
    return { ok: true, identity: { subject: match, scopes: [...(client.scopes ?? [])], roles: [...(client.roles ?? [])], anonymous: false, method: 'mtls' } };
  };
}

/**
 * The authenticator of `auth.mode: mtls` (mapping from the spec's `auth.clients`), or undefined for
 * other modes. Throws when the mode is mtls but the server does not ask for client certificates.
 */
export function mtlsAuthenticatorFor(manifest: Pick<Manifest, 'auth'>, config: Pick<RuntimeConfig, 'transport' | 'tlsClientCa'>): Authenticator | undefined {
  if (manifest.auth?.mode !== 'mtls' || config.transport !== 'http') return undefined;
  if (!config.tlsClientCa) {
    throw new TlsConfigError('auth.mode is mtls in the spec, so client certificates are the credentials: set MCP_TLS_CERT, MCP_TLS_KEY and MCP_TLS_CLIENT_CA (`mcpforge dev-cert --client <name>` makes a set for development)');
  }
  return createMtlsAuthenticator(manifest.auth.clients ? { clients: manifest.auth.clients } : {});
}

/** The TLS files named by the configuration, or undefined when serving plain HTTP. */
export function tlsFiles(config: Pick<RuntimeConfig, 'tlsCert' | 'tlsKey' | 'tlsClientCa'>): TlsFiles | undefined {
  if (!config.tlsCert || !config.tlsKey) return undefined;
  return { cert: config.tlsCert, key: config.tlsKey, ...(config.tlsClientCa ? { clientCa: config.tlsClientCa } : {}) };
}

/** `{ tls }` for `startHttpServer` when the configuration names TLS files (read and checked now). */
export function tlsFilesOf(config: Pick<RuntimeConfig, 'tlsCert' | 'tlsKey' | 'tlsClientCa'>): { tls?: HttpsServerOptions } {
  const files = tlsFiles(config);
  return files ? { tls: httpsServerOptions(files) } : {};
}

/**
 * For a server started with TLS: logs refused handshakes and, with `onSignal`, reloads the files
 * on SIGHUP (the conventional "re-read your configuration" signal, as nginx does).
 */
export function watchTls(http: HttpServerHandle, config: Pick<RuntimeConfig, 'tlsCert' | 'tlsKey' | 'tlsClientCa'>, logger: Logger, onSignal: boolean): TlsReloader | undefined {
  const files = tlsFiles(config);
  if (!files) return undefined;
  const server = http.server as unknown as TlsServer;
  logTlsClientErrors(server, logger);
  const reloader = createTlsReloader(server, files, logger);
  if (onSignal) {
    process.on('SIGHUP', () => {
      logger.info('SIGHUP: reloading the TLS certificate');
      reloader.reload();
    });
  }
  return reloader;
}
