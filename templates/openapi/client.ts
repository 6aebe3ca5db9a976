/**
 * Calls the upstream HTTP API for the tools imported by `mcpforge import openapi`.
 * Created once; yours to edit (retries, logging, extra headers): mcpforge never overwrites it.
 *
 * Each tool handler passes an operation (method, path template, where each input property goes);
 * this file builds the request, sends the server's own upstream credentials (never the MCP
 * client's token), enforces a timeout, honours cancellation and turns upstream failures into
 * tool errors the model can read.
 */
import { ToolError } from '@mcpforge/runtime';

export type SecurityScheme =
  | { type: 'apiKey'; in: 'header' | 'query' | 'cookie'; name: string; env: string }
  /**
   * `upstream: true` (opt-in per scheme, with `auth.mode: oauth-proxy` when this API belongs to the
   * identity provider users sign in with, e.g. GitHub): the signed-in user's own token from
   * `ctx.auth.upstreamToken()` is sent instead of the `env` variable — a call on the user's behalf.
   */
  | { type: 'bearer'; env: string; upstream?: boolean }
  | { type: 'basic'; usernameEnv: string; passwordEnv: string };

export interface ApiConfig {
  /** Shown in error messages. */
  title: string;
  /** Environment variable holding the base URL, and the default from the description. */
  baseUrlEnv: string;
  defaultBaseUrl: string;
  /** Environment variable holding the timeout in milliseconds, and the default. */
  timeoutEnv: string;
  defaultTimeoutMs: number;
  securitySchemes: Record<string, SecurityScheme>;
  /** Sent on every request (e.g. a user agent the API requires). */
  headers?: Record<string, string>;
  /**
   * A response that does not match its declared output schema (upstream drift): `warn` (default)
   * hands the data over as text with a note, logs and counts it; `strict` answers a tool error
   * naming the HTTP status and the first mismatch. The environment variable, when set, wins.
   */
  outputValidation?: 'warn' | 'strict';
  outputValidationEnv?: string;
}

/** The generated output validator of a tool (src/generated/validators/<tool>.output.js). */
export interface OutputValidator {
  (data: unknown): boolean;
  errors?: Array<{ instancePath: string; message?: string }> | null;
}

/** Responses that did not match their schema, per tool operation, since the server started. */
export const upstreamDrift = new Map<string, number>();

export interface ParamBinding {
  in: 'path' | 'query' | 'header' | 'cookie';
  /** The name on the wire. */
  name: string;
  /** The input property, when it differs from `name`. */
  arg?: string;
  style?: string;
  explode?: boolean;
  /** Serialise the value as JSON text. */
  json?: boolean;
}

export interface Operation {
  method: string;
  /** Path template relative to the base URL, e.g. `/repos/{owner}/{repo}`. */
  path: string;
  params?: ParamBinding[];
  /** multipart: file fields (`files`) arrive base64-encoded; binary: the whole body is base64 in the input. */
  body?: { kind: 'json' | 'form' | 'text' | 'multipart' | 'binary'; contentType: string; fields?: Record<string, string>; files?: string[]; arg?: string };
  /** Alternatives of security scheme names; an empty alternative means anonymous is allowed. */
  security?: string[][];
  /** json: return the parsed body; wrap: return `{ result: body }`; text: return the body text. */
  output: 'json' | 'wrap' | 'text';
}

/** What a handler passes as `ctx` (the runtime's context has more; only this is needed here). */
export interface UpstreamContext {
  signal: AbortSignal;
  /** `auth.mode: oauth-proxy`: the signed-in user's token at the identity provider (for `upstream: true` schemes). */
  auth?: { upstreamToken?: () => Promise<string | undefined> };
  log?: { warn(fields: object, message: string): void };
}

const EXCERPT = 300;

export function defineApi(config: ApiConfig): ApiConfig {
  return config;
}

export async function callUpstream<T>(api: ApiConfig, ctx: UpstreamContext, input: object, op: Operation, validate?: OutputValidator): Promise<T> {
  const args = input as Record<string, unknown>;
  const base = process.env[api.baseUrlEnv] || api.defaultBaseUrl;
  const timeoutMs = Number(process.env[api.timeoutEnv] || api.defaultTimeoutMs);
  let path = op.path;
  const query = new URLSearchParams();
  const headers = new Headers(api.headers);
  const cookies: string[] = [];
  for (const p of op.params ?? []) {
    const value = args[p.arg ?? p.name];
    if (value === undefined || value === null) continue;
    if (p.in === 'path') path = path.split(`{${p.name}}`).join(pathSegment(op, p, simple(value, p)));
    else if (p.in === 'query') appendQuery(query, p, value);
    else if (p.in === 'header') setHeader(op, headers, p.name, simple(value, p));
    else cookies.push(`${p.name}=${encodeURIComponent(simple(value, p))}`);
  }
  const url = confine(api, op, base, path);
  await authenticate(api, op, headers, query, cookies, await userToken(api, op, ctx));
  for (const [key, value] of query) url.searchParams.append(key, value);
  if (cookies.length > 0) headers.set('cookie', cookies.join('; '));

  let body: string | FormData | Uint8Array | undefined;
  if (op.body) {
    const payload = op.body.arg !== undefined ? args[op.body.arg] : pick(args, op.body.fields ?? {});
    if (payload !== undefined) {
      headers.set('content-type', op.body.contentType);
      if (op.body.kind === 'json') body = JSON.stringify(payload);
      else if (op.body.kind === 'binary') body = new Uint8Array(Buffer.from(String(payload), 'base64'));
      else if (op.body.kind === 'multipart') {
        // fetch writes the content type with its boundary.
        headers.delete('content-type');
        const form = new FormData();
        const files = new Set(op.body.files ?? []);
        for (const [key, value] of Object.entries(payload as object)) {
          if (value === undefined) continue;
          if (files.has(key)) form.append(key, new Blob([new Uint8Array(Buffer.from(String(value), 'base64'))]), key);
          else form.append(key, typeof value === 'string' ? value : JSON.stringify(value));
        }
        body = form;
      }
      else if (op.body.kind === 'form') {
        const pairs = Object.entries(payload as object).filter(([, v]) => v !== undefined);
        body = new URLSearchParams(pairs.map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : JSON.stringify(v)])).toString();
      }
      else body = typeof payload === 'string' ? payload : JSON.stringify(payload);
    }
  }
  if (!headers.has('accept')) headers.set('accept', op.output === 'text' ? '*/*' : 'application/json');

  const timeout = AbortSignal.timeout(timeoutMs);
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, { method: op.method, headers, body, signal: AbortSignal.any([ctx.signal, timeout]) });
    text = await response.text();
  } catch (error) {
    if (ctx.signal.aborted) throw new ToolError(`${op.method} ${op.path} was cancelled`, { code: 'cancelled' });
    if (timeout.aborted) throw new ToolError(`${api.title} did not answer ${op.method} ${op.path} within ${timeoutMs} ms. Try again later.`, { code: 'upstream_timeout' });
    throw new ToolError(`${api.title} at ${url.origin} could not be reached (${(error as Error).message}).`, { code: 'upstream_unreachable' });
  }
  if (!response.ok) {
    const excerpt = text.replace(/\s+/g, ' ').trim().slice(0, EXCERPT);
    throw new ToolError(`${api.title} answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''} to ${op.method} ${op.path}${excerpt ? `: ${excerpt}` : ''}`, {
      code: 'upstream_error',
      data: { status: response.status, body: excerpt },
    });
  }
  if (op.output === 'text') return (text || `HTTP ${response.status}`) as T;
  let parsed: unknown = {};
  if (text.trim() !== '') {
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ToolError(`${api.title} sent a body that is not JSON to ${op.method} ${op.path}: ${text.slice(0, EXCERPT)}`, { code: 'upstream_error' });
    }
  }
  const output = op.output === 'wrap' ? { result: parsed } : parsed;
  if (validate && !validate(output)) drifted(api, ctx, op, response.status, validate, text);
  return output as T;
}

/**
 * The upstream answered with data its own description does not allow. Never an opaque internal
 * error: the model gets either the data (warn) or the reason (strict). Both are tool errors
 * (`isError`): a result without `structuredContent` for a tool that declares an output schema is
 * refused by MCP clients (the official SDK's among them), so an error result is the only
 * conformant way to hand over non-conforming data.
 */
function drifted(api: ApiConfig, ctx: UpstreamContext, op: Operation, status: number, validate: OutputValidator, text: string): never {
  const first = validate.errors?.[0];
  const pointer = first ? first.instancePath || '/' : '/';
  const mismatch = `${pointer} ${first?.message ?? 'does not match'}`;
  const key = `${op.method} ${op.path}`;
  const count = (upstreamDrift.get(key) ?? 0) + 1;
  upstreamDrift.set(key, count);
  const mode = (api.outputValidationEnv && process.env[api.outputValidationEnv]) || api.outputValidation || 'warn';
  ctx.log?.warn({ code: 'upstream_drift', status, pointer, count }, `${api.title}: the response to ${key} does not match its declared schema (${mismatch})`);
  if (mode === 'strict') {
    throw new ToolError(`${api.title} answered HTTP ${status} to ${key} with data that does not match its declared schema: ${mismatch}.`, { code: 'upstream_drift', data: { status, pointer } });
  }
  throw new ToolError(
    `Note: ${api.title} answered HTTP ${status} (success) to ${key}, but the data does not match the API's declared schema (${mismatch}), so it is given as received, unchecked:\n${text}`,
    { code: 'upstream_unvalidated', data: { status, pointer } },
  );
}

/** The signed-in user's provider token, when an `upstream: true` scheme may be used for this operation. */
async function userToken(api: ApiConfig, op: Operation, ctx: UpstreamContext): Promise<string | undefined> {
  const names = (op.security ?? Object.keys(api.securitySchemes).map((name) => [name])).flat();
  const wanted = names.some((name) => {
    const scheme = api.securitySchemes[name];
    return scheme?.type === 'bearer' && scheme.upstream === true;
  });
  return wanted ? ctx.auth?.upstreamToken?.() : undefined;
}

/** Adds the credentials of the first security alternative that is configured (the server's own, or the user's for `upstream: true`). */
async function authenticate(api: ApiConfig, op: Operation, headers: Headers, query: URLSearchParams, cookies: string[], user: string | undefined): Promise<void> {
  const alternatives = op.security ?? Object.keys(api.securitySchemes).map((name) => [name]);
  const configured = (name: string) => {
    const scheme = api.securitySchemes[name];
    if (!scheme) return false;
    if (scheme.type === 'bearer' && scheme.upstream === true) return user !== undefined;
    return scheme.type === 'basic' ? Boolean(process.env[scheme.usernameEnv]) : Boolean(process.env[scheme.env]);
  };
  const chosen = alternatives.find((alt) => alt.length > 0 && alt.every(configured));
  if (!chosen) {
    const anonymous = op.security === undefined || op.security.length === 0 || op.security.some((alt) => alt.length === 0);
    if (anonymous) return;
    const onBehalf = (name: string) => {
      const scheme = api.securitySchemes[name];
      return scheme?.type === 'bearer' && scheme.upstream === true;
    };
    if (alternatives.every((alt) => alt.some(onBehalf))) {
      throw new ToolError(`${op.method} ${op.path} acts on the signed-in user's behalf: call it with a token from this server's sign-in (auth.mode oauth-proxy), not as ${user === undefined ? 'an anonymous or API-key caller' : 'this caller'}.`, { code: 'upstream_credentials' });
    }
    const needed = alternatives.map((alt) => alt.map((name) => describeEnv(api.securitySchemes[name])).join(' and ')).join(', or ');
    throw new ToolError(`${op.method} ${op.path} needs credentials that this server is not configured with: set ${needed} in its environment.`, { code: 'upstream_credentials' });
  }
  for (const name of chosen) {
    const scheme = api.securitySchemes[name]!;
    if (scheme.type === 'bearer') headers.set('authorization', `Bearer ${scheme.upstream === true ? user : process.env[scheme.env]}`);
    else if (scheme.type === 'basic') {
      const pair = `${process.env[scheme.usernameEnv] ?? ''}:${process.env[scheme.passwordEnv] ?? ''}`;
      headers.set('authorization', `Basic ${Buffer.from(pair).toString('base64')}`);
    } else if (scheme.in === 'header') headers.set(scheme.name, process.env[scheme.env]!);
    else if (scheme.in === 'query') query.set(scheme.name, process.env[scheme.env]!);
    else cookies.push(`${scheme.name}=${encodeURIComponent(process.env[scheme.env]!)}`);
  }
}

function describeEnv(scheme: SecurityScheme | undefined): string {
  if (!scheme) return 'an unknown scheme';
  if (scheme.type === 'bearer' && scheme.upstream === true) return "the signed-in user's token (auth.mode oauth-proxy)";
  return scheme.type === 'basic' ? `${scheme.usernameEnv}/${scheme.passwordEnv}` : scheme.env;
}

/**
 * A path parameter value as ONE path segment that can never change the path or the query:
 * `/`, `?`, `#` and `%` are percent-encoded, and a value that would read as a dot segment is
 * refused. Encoding is not enough for `.` and `..`: URL parsers (fetch's included) treat `%2E`
 * and `%2E%2E` as dot segments too and collapse them, so `file: ".."` would reach the parent
 * path with this server's credentials. An empty value is refused for the same reason
 * (`/files/` is another resource than `/files/{name}`).
 */
function pathSegment(op: Operation, p: ParamBinding, value: string): string {
  const encoded = encodeURIComponent(value);
  if (value === '' || /^(?:\.|%2e){1,2}$/i.test(encoded)) {
    throw new ToolError(`${op.method} ${op.path}: path parameter "${p.arg ?? p.name}" cannot be ${JSON.stringify(value)}: it would change the path. Pass the name of one item.`, { code: 'invalid_input' });
  }
  return encoded;
}

/**
 * The request URL, confined to the configured base: same origin and under its path prefix,
 * whatever the description's path template or the encoded values hold (a check after the fact,
 * so no encoding subtlety can make it leave).
 */
function confine(api: ApiConfig, op: Operation, base: string, path: string): URL {
  const root = new URL(base);
  const prefix = root.pathname.replace(/\/+$/, '');
  const url = new URL(root.origin + prefix + path + root.search);
  if (url.origin !== root.origin || !(url.pathname === prefix || url.pathname.startsWith(`${prefix}/`)) || url.hash !== '') {
    throw new ToolError(`${op.method} ${op.path} would leave ${api.title}'s base URL (${root.origin}${prefix}): refused.`, { code: 'invalid_input' });
  }
  return url;
}

/** A header value the HTTP layer accepts (no line breaks or NUL), or a tool error naming it. */
function setHeader(op: Operation, headers: Headers, name: string, value: string): void {
  try {
    headers.set(name, value);
  } catch {
    throw new ToolError(`${op.method} ${op.path}: header "${name}" cannot carry this value (line breaks or control characters).`, { code: 'invalid_input' });
  }
}

/** `simple` style (path, header): arrays and objects comma-separated. */
function simple(value: unknown, p: ParamBinding): string {
  if (p.json) return JSON.stringify(value);
  if (Array.isArray(value)) return value.map(String).join(',');
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    return p.explode ? entries.map(([k, v]) => `${k}=${String(v)}`).join(',') : entries.flat().map(String).join(',');
  }
  return String(value);
}

/** `form` (default), `spaceDelimited`, `pipeDelimited` and `deepObject` query styles. */
function appendQuery(query: URLSearchParams, p: ParamBinding, value: unknown): void {
  if (p.json) return query.append(p.name, JSON.stringify(value));
  const style = p.style ?? 'form';
  const explode = p.explode ?? style === 'form';
  if (Array.isArray(value)) {
    if (style === 'form' && explode) for (const item of value) query.append(p.name, String(item));
    else query.append(p.name, value.map(String).join(style === 'spaceDelimited' ? ' ' : style === 'pipeDelimited' ? '|' : ','));
    return;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (style === 'deepObject') for (const [k, v] of entries) query.append(`${p.name}[${k}]`, String(v));
    else if (explode) for (const [k, v] of entries) query.append(k, String(v));
    else query.append(p.name, entries.flat().map(String).join(','));
    return;
  }
  query.append(p.name, String(value));
}

function pick(args: Record<string, unknown>, fields: Record<string, string>): Record<string, unknown> {
  // fromEntries keeps a field named `__proto__` a property; `out[key] =` would set the prototype.
  return Object.fromEntries(Object.entries(fields).flatMap(([arg, key]) => (args[arg] !== undefined ? [[key, args[arg]]] : [])));
}
