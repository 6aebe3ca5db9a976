/**
 * The HTTP fast path (DESIGN §8): serves modern (2026-07-28) stateless `tools/call` requests for
 * eligible tools directly — parse, the SDK's own era classification, precompiled validator,
 * handler, JSON-RPC result — and hands everything else to the SDK's `createMcpHandler` untouched.
 *
 * Why: the SDK's serving pipeline (Node request → web Request, per-request transport, zod checks of
 * request and result) costs ~15× more than the tool call itself. The fast path answers with the same
 * status and body the SDK would (a differential test holds it to that), reusing the SDK's exported
 * helpers (`classifyInboundRequest`, `isJsonContentType`, `isCallToolResult`) so that protocol rules
 * are not re-implemented here. Anything unusual — other methods, 2025-era traffic, extra `_meta`
 * keys (progress tokens, idempotency keys), header mismatches, unknown or ineligible tools, bodies
 * that are not JSON — goes to the SDK. `MCP_FAST_PATH=off` turns it off.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LRUCache } from 'lru-cache';
import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  PROTOCOL_VERSION_META_KEY,
  SERVER_INFO_META_KEY,
  classifyInboundRequest,
  isInputRequiredResult,
  type CallToolResult,
  type AuthInfo,
  type ServerContext,
} from '@modelcontextprotocol/server';
import type { NodeIncomingMessageLike } from '@modelcontextprotocol/node';
import { announces, header, readJsonBody, replay } from '../core/announced-post.js';
import type { ToolManifestEntry } from '../server/contract.js';
import { edgeOfAuthInfo } from '../core/edge.js';
import { retryAfterFor, statusFor } from '../limits/http.js';
import { inputRequiredError } from './input-required.js';
import { isToolResultShape } from './result-shape.js';

/** The protocol revision the fast path serves; every other revision goes to the SDK. */
export const FAST_PATH_PROTOCOL_VERSION = '2026-07-28';

/** One tool as the fast path sees it (built by the server factory; same code as the SDK path). */
export interface FastTool {
  /** Whether the tool declares an output schema (results must then carry `structuredContent`). */
  readonly outputSchema: boolean;
  /**
   * Runs the tool — input validation included — as the SDK path does (the same function). Never
   * throws. A plain result when the call answered synchronously (a handler that returned a value).
   */
  call(args: unknown, sdkCtx: ServerContext | undefined): CallToolResult | Promise<CallToolResult>;
}

export interface FastPathTools {
  readonly serverInfo: { name: string; version: string };
  /** The tool named `name` if the fast path may serve it, else undefined (the SDK serves it). */
  tool(name: string): FastTool | undefined;
}

/**
 * Whether the fast path may serve a tool: no scope challenge (scopes need the SDK's challenge
 * flow), no `x-mcp-header` parameters (the SDK cross-checks them against request headers), and
 * no `task:` (whether a call becomes a task is decided in front of the SDK's tools/call, see `tasks`).
 */
export function isFastPathEligible(entry: ToolManifestEntry): boolean {
  if (entry.task !== undefined) return false;
  if (entry.scopes !== undefined && entry.scopes.length > 0) return false;
  return !JSON.stringify(entry.inputSchema).includes('"x-mcp-header"');
}

export type NodeHandler = (req: NodeIncomingMessageLike, res: ServerResponse) => Promise<void>;

export interface FastPathOptions {
  tools: FastPathTools;
  /** Serves everything the fast path does not: the SDK handler through `toNodeHandler`. */
  fallback: NodeHandler;
  /** Bodies larger than this (or of unknown length) go to the SDK, which answers 413. */
  maxBodyBytes: number;
}

const ENVELOPE_KEYS = new Set([PROTOCOL_VERSION_META_KEY, CLIENT_INFO_META_KEY, CLIENT_CAPABILITIES_META_KEY]);
const PARAM_KEYS = new Set(['name', 'arguments', '_meta']);

/**
 * The SDK classifier's verdicts, remembered: key = protocol-version, method and name headers plus
 * the `_meta` envelope's JSON. Why: the classifier validates with zod, and at thousands of calls a
 * second it was ~5% of a fast-path call's CPU and a fifth of its allocations — for the same few
 * envelopes every client sends again and again. Its verdict depends only on the headers, the
 * JSON-RPC shape (fixed by `isPlainToolsCall`: exactly jsonrpc "2.0", a string or safe-integer id,
 * method, params) and the envelope, so a body equal in all of those gets the same verdict. Only
 * acceptances are kept; anything else is classified afresh (and goes to the SDK).
 */
const acceptedShapes = new LRUCache<string, true>({ max: 4096 });

/** The headers and envelope of the last request accepted on a connection (see `acceptedBefore`). */
interface AcceptedEnvelope {
  readonly protocolVersion: string | undefined;
  readonly method: string | undefined;
  readonly name: string | undefined;
  readonly meta: Record<string, unknown>;
}

/**
 * Per connection, the last accepted header set and envelope. Why: a client sends the same envelope
 * on every call of a connection, and comparing the parsed values costs a fraction of building the
 * LRU key (JSON.stringify of `_meta` and a long string per call, ~1.5 KB and ~3% of a call's CPU).
 * A miss (another envelope, a new connection) falls back to the LRU above.
 */
const lastAccepted = new WeakMap<object, AcceptedEnvelope>();

const REQUEST_KEYS = new Set(['jsonrpc', 'id', 'method', 'params']);

interface PlainToolsCall {
  jsonrpc: '2.0';
  id: string | number;
  method: 'tools/call';
  params: { name: string; arguments?: unknown; _meta: Record<string, unknown> };
}

/**
 * A JSON-RPC request the SDK's schema accepts (strict keys, a string or safe-integer id; anything
 * else is left to the SDK) calling a tool named as the `Mcp-Name` header says, with nothing in
 * `params` but name, arguments and `_meta`, and nothing in `_meta` but the envelope keys (progress
 * tokens, idempotency keys… go to the SDK).
 */
function isPlainToolsCall(body: unknown, nameHeader: string | undefined): body is PlainToolsCall {
  if (!isPlainObject(body)) return false;
  for (const key in body) if (!REQUEST_KEYS.has(key)) return false;
  const id = body.id;
  if (body.jsonrpc !== '2.0' || body.method !== 'tools/call' || !(typeof id === 'string' || Number.isSafeInteger(id))) return false;
  const params = body.params;
  if (!isPlainObject(params) || typeof params.name !== 'string' || params.name !== nameHeader) return false;
  for (const key in params) if (!PARAM_KEYS.has(key)) return false;
  const meta = params._meta;
  if (!isPlainObject(meta)) return false;
  for (const key in meta) if (!ENVELOPE_KEYS.has(key)) return false;
  return true;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Whether two parsed JSON values are equal (key order aside, which no verdict depends on). Recurses
 * only while both sides match, so no deeper than `accepted`, a value JSON.stringify already walked.
 */
function sameJson(accepted: unknown, value: unknown): boolean {
  if (accepted === value) return true;
  if (typeof accepted !== 'object' || typeof value !== 'object' || accepted === null || value === null) return false;
  if (Array.isArray(accepted)) {
    if (!Array.isArray(value) || accepted.length !== value.length) return false;
    for (let i = 0; i < accepted.length; i++) if (!sameJson(accepted[i], value[i])) return false;
    return true;
  }
  if (Array.isArray(value)) return false;
  const a = accepted as Record<string, unknown>;
  const b = value as Record<string, unknown>;
  let keys = 0;
  for (const key in a) {
    if (!Object.hasOwn(b, key) || !sameJson(a[key], b[key])) return false;
    keys++;
  }
  for (const _ in b) keys--;
  return keys === 0;
}

/** The response of a fast-path request, and its abort controller once the handler asked for a signal. */
const RESPONSE: unique symbol = Symbol('mcpforge.fastPathResponse');
const CONTROLLER: unique symbol = Symbol('mcpforge.fastPathController');
type FastRequest = { [RESPONSE]: ServerResponse; [CONTROLLER]?: AbortController };

/**
 * `mcpReq.signal`: one accessor function for every request (an object literal's getter is a new
 * function per object, and V8 then gives every such object a slow dictionary of its own).
 */
const SIGNAL: PropertyDescriptor = {
  enumerable: true,
  configurable: true,
  get(this: FastRequest): AbortSignal {
    let controller = this[CONTROLLER];
    if (!controller) {
      const c = (controller = this[CONTROLLER] = new AbortController());
      const res = this[RESPONSE];
      res.once('close', () => {
        if (!res.writableFinished) c.abort(new Error('client disconnected'));
      });
    }
    return controller.signal;
  },
};

const notify = async (): Promise<void> => {};

/**
 * A handler context for the fast path: no progress (JSON responses drop it anyway), and an abort
 * signal — created only if the handler looks at it — that fires when the client goes away.
 */
function requestContext(meta: Record<string, unknown> | undefined, res: ServerResponse, req: IncomingMessage): ServerContext {
  const mcpReq = { _meta: meta } as { _meta: unknown; notify?: typeof notify } & FastRequest;
  Object.defineProperty(mcpReq, 'signal', SIGNAL);
  mcpReq.notify = notify;
  mcpReq[RESPONSE] = res;
  // The request's AuthInfo (identity and edge, set by the HTTP transport) reaches ctx.auth and the
  // policy stage as on the SDK path.
  const authInfo = (req as { auth?: unknown }).auth;
  return (authInfo === undefined ? { mcpReq } : { mcpReq, http: { authInfo } }) as unknown as ServerContext;
}

/**
 * The JSON of `{ ...result, resultType: 'complete' }` without its closing brace. A plain result is
 * stringified as it is and `resultType` appended: the spread copy cost ~3 µs a call, three times
 * its stringify (a copy's JSON is the same: own enumerable keys in order, `resultType` last). A result
 * that is not a plain object, or has its own `resultType` or `toJSON`, is copied as before.
 */
function openResultJson(result: CallToolResult): string {
  if (Object.getPrototypeOf(result) !== Object.prototype || Object.hasOwn(result, 'resultType') || Object.hasOwn(result, 'toJSON')) {
    return JSON.stringify({ ...result, resultType: 'complete' }).slice(0, -1);
  }
  const json = JSON.stringify(result);
  return json === '{}' ? '{"resultType":"complete"' : `${json.slice(0, -1)},"resultType":"complete"`;
}

function toolError(text: string): CallToolResult {
  return { content: [{ type: 'text', text }], isError: true };
}

/** As the SDK's 2026 wire codec does: a non-object `structuredContent` also gets a text copy. */
function withTextFallback(result: CallToolResult): CallToolResult {
  const sc = result.structuredContent as unknown;
  if (sc === undefined || (typeof sc === 'object' && sc !== null && !Array.isArray(sc))) return result;
  if (result.content?.some((c) => c.type === 'text')) return result;
  return { ...result, content: [...(result.content ?? []), { type: 'text', text: JSON.stringify(sc) }] };
}

/**
 * Wraps the SDK's node handler with the fast path.
 *
 * @example
 * ```ts
 * const serve = config.fastPath ? createFastPath({ tools: factory.fastPath, fallback: nodeHandler, maxBodyBytes }) : nodeHandler;
 * createServer((req, res) => void serve(req, res));
 * ```
 */
export function createFastPath(options: FastPathOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { tools, fallback, maxBodyBytes } = options;
  const serverInfoJson = JSON.stringify(tools.serverInfo);
  // What follows a result in every reply, up to its id: built once, so that a reply is five pieces
  // joined rather than nine.
  const resultTail = `,"_meta":{"${SERVER_INFO_META_KEY}":${serverInfoJson}}},"jsonrpc":"2.0","id":`;

  function send(req: IncomingMessage, res: ServerResponse, body: string, status = 200): void {
    // A rate-limited call: 429 + Retry-After, as the SDK path answers it (limits/http.ts).
    const edge = edgeOfAuthInfo((req as { auth?: AuthInfo }).auth);
    const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    const retryAfter = retryAfterFor(edge, status);
    if (retryAfter !== undefined) headers['retry-after'] = retryAfter;
    res.writeHead(statusFor(edge, status), headers);
    res.end(body);
  }

  return async function fastPath(req, res) {
    // Cheap header gate: only a JSON POST announcing a modern tools/call, of known bounded size,
    // is buffered here; everything else streams straight to the SDK.
    if (!announces(req, 'tools/call', FAST_PATH_PROTOCOL_VERSION, maxBodyBytes)) return fallback(req, res);
    const h = req.headers;
    const read = await readJsonBody(req);
    const raw = read.raw;
    if (!read.parsed) return fallback(replay(req, raw), res);
    const body = read.body;
    // Only a plain tools/call with nothing but the envelope in `_meta` is served here.
    const nameHeader = header(h['mcp-name']);
    if (!isPlainToolsCall(body, nameHeader)) return fallback(replay(req, raw), res);
    const message = body;
    const params = message.params;
    const meta = params._meta;
    // The SDK's era classifier (envelope validity, header/body version and method cross-checks)
    // decides; its verdict for a header set and envelope already accepted is remembered (above).
    const protocolVersion = header(h['mcp-protocol-version']);
    const methodHeader = header(h['mcp-method']);
    const connection = req.socket as object | null;
    const last = connection ? lastAccepted.get(connection) : undefined;
    if (last === undefined || last.protocolVersion !== protocolVersion || last.method !== methodHeader || last.name !== nameHeader || !sameJson(last.meta, meta)) {
      const metaJson = JSON.stringify(meta);
      const verdictKey = `${protocolVersion}\0${methodHeader}\0${nameHeader}\0${metaJson}`;
      if (!acceptedShapes.has(verdictKey)) {
        const route = classifyInboundRequest({
          httpMethod: 'POST',
          protocolVersionHeader: protocolVersion,
          mcpMethodHeader: methodHeader,
          mcpNameHeader: nameHeader,
          body,
        } as Parameters<typeof classifyInboundRequest>[0]);
        if (route.kind !== 'modern' || route.messageKind !== 'request' || route.classification.revision !== FAST_PATH_PROTOCOL_VERSION) {
          return fallback(replay(req, raw), res);
        }
        acceptedShapes.set(verdictKey, true);
      }
      // A copy: the request's own `_meta` reaches the handler's context, which must not be able to
      // change what later requests are compared with.
      if (connection) lastAccepted.set(connection, { protocolVersion, method: methodHeader, name: nameHeader, meta: JSON.parse(metaJson) as Record<string, unknown> });
    }
    const args = params.arguments;
    // An argument named `__proto__` (an own key from JSON.parse) is dropped by the SDK's parsing:
    // the SDK answers such a call, so the handler sees the same arguments on every transport.
    if (args !== undefined && (!isPlainObject(args) || Object.hasOwn(args, '__proto__'))) return fallback(replay(req, raw), res);
    const tool = tools.tool(params.name);
    if (!tool) return fallback(replay(req, raw), res);

    // From here on the fast path answers. The steps mirror the SDK's tools/call handler.
    const idJson = JSON.stringify(message.id);
    const input = args ?? {};
    // A synchronous answer is taken as it is: no promise and no microtask turn (factory.ts, runTool).
    const called = tool.call(input, requestContext(meta, res, req));
    let result = called instanceof Promise ? await called : called;
    // The handler asked for client input (ctx.elicit/sample). The handler has run: the answer is
    // given here, never by handing the request to the SDK (that would run the handler twice).
    if (isInputRequiredResult(result)) {
      const refused = inputRequiredError(result, meta[CLIENT_CAPABILITIES_META_KEY], idJson);
      if (refused !== undefined) return send(req, res, refused.body, refused.status);
      return send(req, res, `{"result":${JSON.stringify(result).slice(0, -1)}${resultTail}${idJson}}`);
    }
    if (tool.outputSchema && !result.isError && result.structuredContent === undefined) {
      result = toolError(`Output validation error: Tool ${params.name} has an output schema but no structured content was provided`);
    }
    result = withTextFallback(result);
    if (!isToolResultShape(result) || (result as { resultType?: unknown }).resultType !== undefined) {
      // Handlers are typed to return a CallToolResult; a plain JS handler may not. The SDK would
      // fail to encode such a result as well: answer its internal error.
      return send(req, res, `{"jsonrpc":"2.0","error":{"code":-32603,"message":"Internal error"},"id":${idJson}}`);
    }
    if (result._meta !== undefined) {
      // The SDK's stamp: a handler's own serverInfo (or a malformed `_meta`) is kept as it is.
      // Key order as the SDK serialises it: `_meta` first, then the rest, then `resultType`.
      const { _meta: meta, ...rest } = result as CallToolResult & { _meta: unknown };
      const keep = !isPlainObject(meta) || meta[SERVER_INFO_META_KEY] !== undefined;
      const full = { _meta: keep ? meta : { ...meta, [SERVER_INFO_META_KEY]: tools.serverInfo }, ...rest, resultType: 'complete' };
      return send(req, res, `{"result":${JSON.stringify(full)},"jsonrpc":"2.0","id":${idJson}}`);
    }
    send(req, res, `{"result":${openResultJson(result)}${resultTail}${idJson}}`);
  };
}
