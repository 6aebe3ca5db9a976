/**
 * `mcpforge dev-cert`: a local certificate authority, a server certificate and client certificates
 * for trying HTTPS and mutual TLS on one machine, written as PEM files with no external tools.
 *
 * node:crypto makes keys but cannot build X.509 certificates, so the certificates are built with
 * node-forge (no dependencies, synchronous, long maintained); the RSA keys themselves come from
 * node:crypto, which is native and fast. Everything here is for development: the CA key sits next
 * to the certificates, so never trust this CA outside your machine.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, relative, resolve } from 'node:path';
import forge from 'node-forge';
import { UserError } from '../output.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface KeyAndCert {
  certPem: string;
  keyPem: string;
}

export interface IssueOptions {
  commonName: string;
  /** DNS names and IP addresses for subjectAltName (server certificates). */
  hosts?: readonly string[];
  /** `server` (serverAuth) or `client` (clientAuth). */
  usage: 'server' | 'client';
  notBefore?: Date;
  notAfter?: Date;
}

function newKeys(): { privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey; keyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return {
    privateKey: forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey,
    publicKey: forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString()) as forge.pki.rsa.PublicKey,
    keyPem,
  };
}

function baseCertificate(publicKey: forge.pki.rsa.PublicKey, notBefore: Date, notAfter: Date): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  // A positive 16-byte serial (high bit cleared), unique enough for a local CA.
  const serial = randomBytes(16);
  serial[0]! &= 0x7f;
  cert.serialNumber = serial.toString('hex');
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  return cert;
}

/** A self-signed CA certificate (valid for `days`, default 825). */
export function createCertificateAuthority(commonName = 'mcpforge dev CA', days = 825): KeyAndCert {
  const keys = newKeys();
  const now = Date.now();
  const cert = baseCertificate(keys.publicKey, new Date(now - 60_000), new Date(now + days * DAY_MS));
  const subject = [{ name: 'commonName', value: commonName }, { name: 'organizationName', value: 'mcpforge development' }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.keyPem };
}

/** A leaf certificate signed by `ca`; `notBefore`/`notAfter` let tests make expired ones. */
export function issueCertificate(ca: KeyAndCert, options: IssueOptions): KeyAndCert {
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const caKey = forge.pki.privateKeyFromPem(ca.keyPem);
  const keys = newKeys();
  const now = Date.now();
  const cert = baseCertificate(keys.publicKey, options.notBefore ?? new Date(now - 60_000), options.notAfter ?? new Date(now + 397 * DAY_MS));
  cert.setSubject([{ name: 'commonName', value: options.commonName }]);
  cert.setIssuer(caCert.subject.attributes);
  const altNames = (options.hosts ?? []).map((host) => (isIP(host) ? { type: 7, ip: host } : { type: 2, value: host }));
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: options.usage === 'server', clientAuth: options.usage === 'client' },
    ...(altNames.length > 0 ? [{ name: 'subjectAltName', altNames }] : []),
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.keyPem };
}

export interface DevCertOptions {
  /** Output folder (default .certs). */
  out?: string;
  /** Comma-separated names and IPs for the server certificate (default localhost,127.0.0.1,::1). */
  hosts?: string;
  /** Client certificate common names, one certificate each. */
  client?: string[];
}

export interface DevCertResult {
  dir: string;
  ca: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  clients: Array<{ name: string; cert: string; key: string }>;
  /** True when an existing CA in the folder was reused (its clients stay valid). */
  reusedCa: boolean;
}

const CLIENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Writes the files and returns their paths; an existing CA in `out` is reused, not replaced. */
export function writeDevCertificates(options: DevCertOptions = {}, cwd = process.cwd()): DevCertResult {
  const dir = resolve(cwd, options.out ?? '.certs');
  const hosts = (options.hosts ?? 'localhost,127.0.0.1,::1').split(',').map((h) => h.trim()).filter(Boolean);
  if (hosts.length === 0) throw new UserError('--hosts: give at least one host name or IP address, e.g. --hosts localhost,127.0.0.1');
  const clients = options.client ?? [];
  for (const name of clients) {
    if (!CLIENT_NAME.test(name)) throw new UserError(`--client ${name}: use 1 to 64 letters, digits, ".", "_" or "-" (it becomes the certificate's CN and file name)`);
  }
  mkdirSync(dir, { recursive: true });
  const path = (file: string) => join(dir, file);
  const writeKey = (file: string, pem: string) => writeFileSync(path(file), pem, { mode: 0o600 });

  const reusedCa = existsSync(path('ca.pem')) && existsSync(path('ca-key.pem'));
  let ca: KeyAndCert;
  if (reusedCa) {
    ca = { certPem: readFileSync(path('ca.pem'), 'utf8'), keyPem: readFileSync(path('ca-key.pem'), 'utf8') };
  } else {
    ca = createCertificateAuthority();
    writeFileSync(path('ca.pem'), ca.certPem);
    writeKey('ca-key.pem', ca.keyPem);
  }
  const server = issueCertificate(ca, { commonName: hosts[0]!, hosts, usage: 'server' });
  writeFileSync(path('server.pem'), server.certPem);
  writeKey('server-key.pem', server.keyPem);
  const written = clients.map((name) => {
    const client = issueCertificate(ca, { commonName: name, usage: 'client' });
    writeFileSync(path(`client-${name}.pem`), client.certPem);
    writeKey(`client-${name}-key.pem`, client.keyPem);
    return { name, cert: path(`client-${name}.pem`), key: path(`client-${name}-key.pem`) };
  });
  return { dir, ca: path('ca.pem'), caKey: path('ca-key.pem'), serverCert: path('server.pem'), serverKey: path('server-key.pem'), clients: written, reusedCa };
}

export function devCertCommand(options: DevCertOptions): void {
  const result = writeDevCertificates(options);
  const show = (file: string) => relative(process.cwd(), file) || file;
  const lines = [
    `${result.reusedCa ? 'Reused the CA' : 'Created a local CA'} and a server certificate in ${show(result.dir)}/ (for development only; keep ca-key.pem private):`,
    `  CA certificate      ${show(result.ca)}`,
    `  server certificate  ${show(result.serverCert)}  (key ${show(result.serverKey)})`,
    ...result.clients.map((c) => `  client ${c.name.padEnd(12)} ${show(c.cert)}  (key ${show(c.key)}, subject CN=${c.name})`),
    '',
    'Serve HTTPS:',
    `  MCP_TRANSPORT=http MCP_TLS_CERT=${result.serverCert} MCP_TLS_KEY=${result.serverKey} node dist/server.js`,
    'Require client certificates (mutual TLS) by also setting:',
    `  MCP_TLS_CLIENT_CA=${result.ca}`,
    'Trust the CA in Node.js clients:',
    `  NODE_EXTRA_CA_CERTS=${result.ca}`,
    ...(result.clients.length > 0
      ? ['Try it with curl:', `  curl --cacert ${result.ca} --cert ${result.clients[0]!.cert} --key ${result.clients[0]!.key} https://localhost:3000/healthz`]
      : []),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
