/**
 * `kind: http`: an upstream URL template, its variables percent-encoded into it (a variable can
 * never add a path segment, a query or a host), fetched only from the hosts of `allow` — redirects
 * are followed by hand and each target is checked against the same list —, within a time and size
 * limit, and kept in the cache module for `ttlSeconds`.
 */
import type { ReadResourceResult } from '@modelcontextprotocol/server';
import { ErrorCode, ToolError } from '../errors/index.js';
import type { ResourceManifestEntry } from '../server/contract.js';
import { decodeVariable, type DeclarativeOptions, type DeclarativeResource } from './shared.js';

type HttpSource = Extract<NonNullable<ResourceManifestEntry['source']>, { kind: 'http' }>;

export const DEFAULT_HTTP_MAX_BYTES = 1024 * 1024;
export const DEFAULT_HTTP_TIMEOUT_MS = 10_000;
export const DEFAULT_HTTP_TTL_SECONDS = 60;
const MAX_REDIRECTS = 5;

/** What the cache keeps of an upstream answer. */
interface Fetched {
  mimeType: string;
  text?: string;
  blob?: string;
}

/** Whether `url`'s host (`host` or `host:port` entries; `*.example.com` for subdomains) is on the list. */
export function hostAllowed(url: URL, allow: readonly string[]): boolean {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return false;
  if (url.username !== '' || url.password !== '') return false;
  const host = url.hostname.toLowerCase();
  return allow.some((raw) => {
    const entry = raw.toLowerCase();
    if (entry.includes(':') && !entry.startsWith('[')) return entry === url.host.toLowerCase();
    if (entry.startsWith('*.')) return host.endsWith(entry.slice(1)) && host.length > entry.length - 1;
    return entry === host;
  });
}

/** The URL template with each `{name}` replaced by the encoded value (no other RFC 6570 operators). */
export function expandUrl(template: string, values: Record<string, string>): string {
  return template.replace(/\{([A-Za-z0-9_]+)\}/g, (_m, name: string) => encodeURIComponent(values[name] ?? ''));
}

export function httpResource(entry: ResourceManifestEntry, source: HttpSource, options: DeclarativeOptions): DeclarativeResource {
  const maxBytes = source.maxBytes ?? DEFAULT_HTTP_MAX_BYTES;
  const timeoutMs = source.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
  const ttl = source.ttlSeconds ?? DEFAULT_HTTP_TTL_SECONDS;
  const doFetch = options.fetch ?? fetch;

  function refused(url: URL): ToolError {
    return new ToolError(`Resource "${entry.name}" may not fetch from ${url.host}: the host is not in its allow list.`, { code: 'upstream_refused' });
  }

  async function get(target: string): Promise<Fetched> {
    let url = new URL(target);
    const signal = AbortSignal.timeout(timeoutMs);
    for (let hop = 0; ; hop++) {
      if (!hostAllowed(url, source.allow)) throw refused(url);
      let response: Response;
      try {
        response = await doFetch(url, { redirect: 'manual', signal, headers: { accept: entry.mimeType ?? '*/*' } });
      } catch (error) {
        const timedOut = signal.aborted;
        options.logger.warn({ err: error, resource: entry.name, host: url.host }, 'upstream fetch failed');
        throw new ToolError(timedOut ? `The upstream of resource "${entry.name}" did not answer within ${timeoutMs} ms.` : `The upstream of resource "${entry.name}" could not be reached.`, { code: 'upstream_failed' });
      }
      if (response.status >= 300 && response.status < 400 && response.headers.has('location')) {
        await response.body?.cancel();
        if (hop >= MAX_REDIRECTS) throw new ToolError(`The upstream of resource "${entry.name}" redirected more than ${MAX_REDIRECTS} times.`, { code: 'upstream_failed' });
        url = new URL(response.headers.get('location')!, url);
        continue;
      }
      if (response.status === 404) {
        await response.body?.cancel();
        throw new ToolError(`The upstream of resource "${entry.name}" has nothing at this URI.`, { code: ErrorCode.NotFound });
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw new ToolError(`The upstream of resource "${entry.name}" answered HTTP ${response.status}.`, { code: 'upstream_failed' });
      }
      const bytes = await readCapped(response, maxBytes, entry.name);
      const mimeType = entry.mimeType ?? response.headers.get('content-type')?.split(';')[0]?.trim() ?? 'application/octet-stream';
      const text = /^(text\/|application\/(json|xml|[a-z.+-]+\+(json|xml))$)/.test(mimeType);
      return text ? { mimeType, text: new TextDecoder().decode(bytes) } : { mimeType, blob: Buffer.from(bytes).toString('base64') };
    }
  }

  return {
    async read(params, uri): Promise<ReadResourceResult> {
      const values = Object.fromEntries(entry.variables.map((v) => [v, decodeVariable(params[v], v)]));
      const target = expandUrl(source.url, values);
      const fetched = await options.cache.wrap(`resource:${entry.name}:${target}`, ttl, () => get(target));
      return { contents: [{ uri, mimeType: fetched.mimeType, ...(fetched.text !== undefined ? { text: fetched.text } : { blob: fetched.blob! }) }] };
    },
  };
}

/** The body, refused past `maxBytes` without reading the rest (a declared length is checked first). */
async function readCapped(response: Response, maxBytes: number, name: string): Promise<Uint8Array> {
  const tooBig = () => new ToolError(`The upstream answer of resource "${name}" is larger than its limit of ${maxBytes} bytes.`, { code: 'upstream_too_large' });
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw tooBig();
  }
  const reader = response.body?.getReader();
  if (!reader) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooBig();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}
