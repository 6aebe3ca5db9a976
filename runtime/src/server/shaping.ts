/**
 * Serve-time schema shaping (client-profiles): `tools/list` shows each tool's input schema in the
 * form the calling client accepts, and a call's arguments are mapped back (JSON text parsed,
 * stringified enums restored, strict-mode nulls for absent optionals dropped) before the policy
 * stage validates them against the full schema — the same `runTool` on the SDK path and the fast
 * path. The profile is the operator's (`MCP_CLIENT_PROFILE`), else the spec's (`clients.profile`),
 * else detected from the request's `clientInfo`: the 2026-07-28 envelope (`_meta`) of each
 * request, or the `initialize` of a 2025 session. Tool caps (VS Code 128, Cursor 40) are applied
 * here too, with one warning per profile.
 */
import { CLIENT_INFO_META_KEY, type McpServer, type ServerContext } from '@modelcontextprotocol/server';
import type { Logger } from 'pino';
import {
  CLIENT_PROFILES,
  detectProfile,
  restoreArguments,
  shapeForProfile,
  shapeOutputForProfile,
  type ClientInfoLike,
  type ClientProfileName,
  type ShapedSchema,
} from '../client-profiles/index.js';
import type { Manifest, ToolManifestEntry } from './contract.js';
import { shapedTool } from './listing.js';

export interface SchemaShaping {
  /** The profile of one request: the fixed one, else from its envelope or its session's `initialize`. */
  profileOf(meta: Record<string, unknown> | undefined, instance: McpServer | undefined): ClientProfileName;
  /** Arguments as the full schema expects them (the same object when the profile changes nothing). */
  restore(entry: ToolManifestEntry, profile: ClientProfileName, args: unknown): unknown;
  /** A tool's input schema as a profile's client sees it. */
  schemaFor(entry: ToolManifestEntry, profile: ClientProfileName): Record<string, unknown>;
  /** Wraps the instance's `tools/list` answer (call before tools are registered). */
  install(server: McpServer): void;
  /** Remembers the client identity an instance had when lent, so a stale one is never used. */
  lent(server: McpServer): void;
}

export interface SchemaShapingOptions {
  manifest: Manifest;
  logger: Logger;
  /** `MCP_CLIENT_PROFILE`: `auto` (or absent) detects, a profile name fixes it for every client. */
  profile?: ClientProfileName | 'auto';
  /** Which tools `tools/list` shows (progressive discovery lists a few); all when absent. */
  listed?: (name: string) => boolean;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The 2026-07-28 envelope of a request: its `_meta` as sent (the HTTP fast path hands it on
 * whole), else the envelope the SDK lifted out of `_meta` before dispatch (`ctx.mcpReq.envelope`).
 * Over stdio that is the only place the client's identity is: one long-lived SDK instance serves
 * every request, so `getClientVersion()` never holds a modern client's.
 */
export function envelopeOf(sdkCtx: ServerContext | undefined): Record<string, unknown> | undefined {
  const req = sdkCtx?.mcpReq as { _meta?: unknown; envelope?: unknown } | undefined;
  const meta = req?._meta;
  if (isObject(meta) && meta[CLIENT_INFO_META_KEY] !== undefined) return meta;
  if (isObject(req?.envelope)) return req.envelope;
  return isObject(meta) ? meta : undefined;
}

export function createSchemaShaping(options: SchemaShapingOptions): SchemaShaping {
  const { manifest, logger } = options;
  const configured = options.profile ?? manifest.clients?.profile ?? 'auto';
  const fixed = configured === 'auto' ? undefined : configured;
  const shaped = new Map<ClientProfileName, Map<string, ShapedSchema>>();
  const shapedOutputs = new Map<ClientProfileName, Map<string, Record<string, unknown>>>();
  const capWarned = new Set<ClientProfileName>();
  const byName = new Map<string, ClientProfileName>();
  const atLending = new WeakMap<McpServer, unknown>();

  function shapeOf(entry: ToolManifestEntry, profile: ClientProfileName): ShapedSchema {
    let table = shaped.get(profile);
    if (!table) shaped.set(profile, (table = new Map()));
    let result = table.get(entry.name);
    if (!result) table.set(entry.name, (result = shapeForProfile(profile, entry.inputSchema)));
    return result;
  }

  function outputOf(entry: ToolManifestEntry, profile: ClientProfileName): Record<string, unknown> | undefined {
    if (!entry.outputSchema) return undefined;
    let table = shapedOutputs.get(profile);
    if (!table) shapedOutputs.set(profile, (table = new Map()));
    let result = table.get(entry.name);
    if (!result) table.set(entry.name, (result = shapeOutputForProfile(profile, entry.outputSchema)));
    return result;
  }

  function fromInfo(info: unknown): ClientProfileName | undefined {
    if (!isObject(info) || typeof info.name !== 'string') return undefined;
    const key = `${info.name}\u0000${typeof info.title === 'string' ? info.title : ''}`;
    let profile = byName.get(key);
    if (profile === undefined) {
      profile = detectProfile(info as ClientInfoLike);
      if (byName.size < 1000) byName.set(key, profile);
    }
    return profile;
  }

  const toolsByName = new Map(Object.values(manifest.tools).map((t) => [t.name, t]));

  const shaping: SchemaShaping = {
    profileOf(meta, instance) {
      if (fixed) return fixed;
      const envelope = fromInfo(meta?.[CLIENT_INFO_META_KEY]);
      if (envelope) return envelope;
      if (!instance) return 'full';
      const seen = instance.server.getClientVersion();
      // The SDK keeps an instance's last client identity across pooled requests: only one this
      // lending brought (an initialize or an envelope) counts.
      return seen !== undefined && seen !== atLending.get(instance) ? (fromInfo(seen) ?? 'full') : 'full';
    },
    schemaFor(entry, profile) {
      return shapeOf(entry, profile).schema;
    },
    restore(entry, profile, args) {
      if (profile === 'full') return args;
      return restoreArguments(shapeOf(entry, profile).plan, args);
    },
    lent(server) {
      atLending.set(server, server.server.getClientVersion());
    },
    install(server) {
      const low = server.server as unknown as { setRequestHandler: (method: string, ...rest: unknown[]) => unknown };
      const original = low.setRequestHandler.bind(low);
      // Same interception as authz.filterLists: McpServer installs its list handler once, on the
      // first registered tool; wrapping that call reaches no SDK internals.
      low.setRequestHandler = (method: string, ...rest: unknown[]) => {
        const handler = rest[0];
        if (method !== 'tools/list' || rest.length !== 1 || typeof handler !== 'function') return original(method, ...rest);
        return original(method, async (request: unknown, ctx: ServerContext) => {
          const result = await (handler as (r: unknown, c: ServerContext) => unknown)(request, ctx);
          const params = isObject(request) && isObject(request.params) ? request.params : undefined;
          const profile = shaping.profileOf(envelopeOf(ctx) ?? (isObject(params?._meta) ? params._meta : undefined), server);
          return shapeList(result, profile);
        });
      };
    },
  };

  const listed = options.listed;
  function shapeList(result: unknown, profile: ClientProfileName): unknown {
    if ((profile === 'full' && !listed) || !isObject(result) || !Array.isArray(result.tools)) return result;
    const shown = listed ? (result.tools as Record<string, unknown>[]).filter((tool) => listed(String(tool.name))) : (result.tools as Record<string, unknown>[]);
    let tools = shown.map((tool) => {
      const entry = toolsByName.get(String(tool.name));
      if (!entry) return tool;
      return shapedTool(tool, shapeOf(entry, profile).schema, outputOf(entry, profile));
    });
    const cap = CLIENT_PROFILES[profile].maxTools;
    if (cap !== undefined && tools.length > cap) {
      if (!capWarned.has(profile)) {
        capWarned.add(profile);
        logger.warn(
          { profile, tools: tools.length, cap },
          `tools/list for ${profile}: ${tools.length} tools but the client takes at most ${cap}; listing the first ${cap} (choose a subset with MCP_TOOLSETS or MCP_TOOLS, use MCP_DISCOVERY=progressive, or set MCP_CLIENT_PROFILE)`,
        );
      }
      tools = tools.slice(0, cap);
    }
    return { ...result, tools };
  }

  return shaping;
}
