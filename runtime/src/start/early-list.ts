/**
 * The stdio early answer: a modern (2026-07-28) `tools/list` (and, for a plain tool server, the
 * `server/discover` an SDK client sends first) answered from the manifest, byte for byte as the SDK
 * path answers it, before the runtime and the SDK have loaded.
 *
 * Why: importing the SDK alone costs several times Node's own boot (bench/README.md, "Cold
 * start"), and a client's first request is nearly always `tools/list`. A 2026-07-28 request is
 * stateless (the client's identity travels in its `_meta`), so answering it needs no session. Only
 * the plain case is answered here — no cursor, an envelope of exactly the three keys with plainly
 * valid values, direct discovery, no tool cap crossed; everything else returns undefined and waits
 * for the runtime, which answers it through the SDK as always. What reaches the listing is the same
 * code as the SDK path's (server/listing.ts, the client profiles), and a differential test holds
 * the bytes equal.
 */
import { CLIENT_PROFILES, detectProfile, shapeForProfile, shapeOutputForProfile, type ClientProfileName } from '../client-profiles/index.js';
import { budgetsActive } from '../budgets/active.js';
import type { Manifest, ToolManifestEntry } from '../server/contract.js';
import { listedTool, shapedTool } from '../server/listing.js';

/** The revision answered early: the stateless one (2025 sessions start with `initialize`). */
export const EARLY_PROTOCOL_VERSION = '2026-07-28';

const PROTOCOL_VERSION_KEY = 'io.modelcontextprotocol/protocolVersion';
const CLIENT_INFO_KEY = 'io.modelcontextprotocol/clientInfo';
const CLIENT_CAPABILITIES_KEY = 'io.modelcontextprotocol/clientCapabilities';
const SERVER_INFO_KEY = 'io.modelcontextprotocol/serverInfo';

/** A large manifest's listing, precomputed at generation (precomputed.ts has the why and when). */
export interface PrecomputedListing {
  format: number;
  /** How many tools the manifest has. */
  tools: number;
  /** Whether a tool is a task tool (then `server/discover` is the runtime's to answer). */
  tasks: boolean;
  /** Whether a tool has its own `maxOutputTokens` (output budgets are then active). */
  maxOutputTokens: boolean;
  /** The client profiles whose listing `json` is. */
  profiles: ClientProfileName[];
  /** The `tools` array of the answer, as the SDK path writes it. */
  json: string;
}

export interface EarlyListingOptions {
  /** The served manifest (MCP_GROUP, MCP_TOOLSETS and MCP_TOOLS already applied). */
  manifest: Manifest;
  /** `MCP_CLIENT_PROFILE`, when set. */
  clientProfile?: ClientProfileName | 'auto';
  /** `MCP_MAX_OUTPUT_TOKENS`, when set. */
  maxOutputTokens?: number | 'off';
  /** The manifest's precomputed listing (precomputed.ts), when valid: then `manifest.tools` is not read unless another profile is listed. */
  precomputed?: PrecomputedListing;
}

export interface EarlyListing {
  /** The whole answer line (without its newline) for a request line, or undefined: the runtime answers it. */
  answer(line: string): string | undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Only these keys, each of them present. */
const hasExactly = (o: Record<string, unknown>, keys: readonly string[]) => Object.keys(o).length === keys.length && keys.every((k) => k in o);

/**
 * A client identity the SDK's envelope schema certainly accepts: a name and a version, and a title
 * at most. Anything richer (icons, URLs…) is left to the SDK's own check.
 */
function plainClientInfo(info: unknown): info is { name: string; version: string; title?: string } {
  if (!isObject(info) || typeof info.name !== 'string' || typeof info.version !== 'string') return false;
  for (const key in info) if (key !== 'name' && key !== 'version' && !(key === 'title' && typeof info.title === 'string')) return false;
  return true;
}

/** Client capabilities as clients send them: an object of objects (what is inside is the client's). */
function plainCapabilities(capabilities: unknown): boolean {
  if (!isObject(capabilities)) return false;
  for (const key in capabilities) if (!isObject(capabilities[key])) return false;
  return true;
}

/**
 * The `tools` array of a profile's listing, as the SDK path writes it; undefined when the runtime
 * answers instead: over a client's cap (it cuts the list and logs a warning once), or a tool the
 * SDK path lists differently (listing.ts).
 */
export function listingJson(entries: readonly ToolManifestEntry[], profile: ClientProfileName): string | undefined {
  const cap = CLIENT_PROFILES[profile].maxTools;
  if (cap !== undefined && entries.length > cap) return undefined;
  const listed: Record<string, unknown>[] = [];
  for (const entry of entries) {
    const tool = listedTool(entry);
    if (!tool) return undefined;
    listed.push(profile === 'full' ? tool : shapedTool(tool, shapeForProfile(profile, entry.inputSchema).schema, entry.outputSchema ? shapeOutputForProfile(profile, entry.outputSchema) : undefined));
  }
  return JSON.stringify(listed);
}

/** Undefined when this server never answers early (progressive discovery lists its own tools). */
export function createEarlyListing(options: EarlyListingOptions, progressive: boolean): EarlyListing | undefined {
  const { manifest, precomputed } = options;
  // Without tools the SDK has no tools/list at all (it answers "method not found").
  if (progressive || (precomputed ? precomputed.tools : Object.keys(manifest.tools).length) === 0) return undefined;
  const configured = options.clientProfile ?? manifest.clients?.profile ?? 'auto';
  const fixed = configured === 'auto' ? undefined : configured;
  const serverInfo = JSON.stringify({ name: manifest.name, version: manifest.version });
  // The listing of each profile, built on first use (one per process in practice).
  const listings = new Map<ClientProfileName, string | undefined>();

  function listingFor(profile: ClientProfileName): string | undefined {
    if (precomputed?.profiles.includes(profile)) return precomputed.json;
    if (!listings.has(profile)) listings.set(profile, listingJson(Object.values(manifest.tools), profile));
    return listings.get(profile);
  }

  // server/discover (the SDK client's first request in its default mode) advertises what the
  // server registers. Only the plain tool server's set is known here without building it — no
  // resources, prompts or tasks of its own (the runtime's result store adds `resources` when output
  // budgets apply); a server with more is answered by the runtime. The differential test pins the set.
  const plainTools =
    Object.keys(manifest.resources).length === 0 &&
    Object.keys(manifest.prompts).length === 0 &&
    !(precomputed ? precomputed.tasks : Object.values(manifest.tools).some((entry) => entry.task !== undefined));
  const discovered = plainTools
    ? JSON.stringify({
        supportedVersions: [EARLY_PROTOCOL_VERSION],
        capabilities: {
          tools: { listChanged: true },
          ...(budgetsActive(manifest, options.maxOutputTokens, configured, precomputed?.maxOutputTokens) ? { resources: { listChanged: true } } : {}),
          logging: {},
        },
        ...(manifest.description ? { instructions: manifest.description } : {}),
      }).slice(0, -1)
    : undefined;
  const stamp = `"resultType":"complete","ttlMs":0,"cacheScope":"private","_meta":{"${SERVER_INFO_KEY}":${serverInfo}}}`;

  return {
    answer(line) {
      let message: unknown;
      try {
        message = JSON.parse(line);
      } catch {
        return undefined;
      }
      if (!isObject(message) || message.jsonrpc !== '2.0' || !hasExactly(message, ['jsonrpc', 'id', 'method', 'params'])) return undefined;
      const method = message.method;
      if (method !== 'tools/list' && !(method === 'server/discover' && discovered !== undefined)) return undefined;
      const id = message.id;
      if (!(typeof id === 'string' || Number.isSafeInteger(id))) return undefined;
      const params = message.params;
      if (!isObject(params) || !hasExactly(params, ['_meta'])) return undefined;
      const meta = params._meta;
      if (!isObject(meta) || !hasExactly(meta, [PROTOCOL_VERSION_KEY, CLIENT_INFO_KEY, CLIENT_CAPABILITIES_KEY])) return undefined;
      if (meta[PROTOCOL_VERSION_KEY] !== EARLY_PROTOCOL_VERSION) return undefined;
      const info = meta[CLIENT_INFO_KEY];
      if (!plainClientInfo(info) || !plainCapabilities(meta[CLIENT_CAPABILITIES_KEY])) return undefined;
      const idJson = JSON.stringify(id);
      if (method === 'server/discover') return `{"result":${discovered},${stamp},"jsonrpc":"2.0","id":${idJson}}`;
      const tools = listingFor(fixed ?? detectProfile(info));
      if (tools === undefined) return undefined;
      return `{"result":{"tools":${tools},${stamp},"jsonrpc":"2.0","id":${idJson}}`;
    },
  };
}
