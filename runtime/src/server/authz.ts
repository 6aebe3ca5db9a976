/**
 * Authorization: which caller may use which tool, resource and prompt.
 *
 * - A call without the entry's scopes is refused before any handler runs. Over HTTP this is the
 *   SDK's scope challenge (the MCP authorization spec's answer): `403` with
 *   `WWW-Authenticate: Bearer error="insufficient_scope", scope="<needed>"`, so an OAuth client
 *   can step up its token. The runtime only supplies the per-entry check (`scopeChallenge`).
 * - Lists (`tools/list`, `resources/list`, `resources/templates/list`, `prompts/list`) show only
 *   what the caller may use (`auth.list: filter`, the default), or everything (`all`).
 * - Scope time windows (`auth.scopeWindows`): a scope the caller holds counts only inside its
 *   window; outside, the call fails with a tool error (or a protocol error for resources and
 *   prompts) that says when the scope is usable. A token refresh would not help, so this is not
 *   an `insufficient_scope` challenge.
 *
 * Requests without an authenticated identity (stdio, or HTTP with `auth.mode: none`) are not
 * checked: stdio's caller is the local user (see the `auth` module).
 *
 * Roles (`auth.roles`) never appear here: the HTTP auth gate turns them into scopes (auth/roles.ts),
 * so every check below reads the caller's effective scopes.
 */
import type { AuthInfo, McpServer, ScopeChallengeHandler, ServerContext } from '@modelcontextprotocol/server';
import type { AuthIdentity, AuthManifestEntry, Manifest, ScopeWindow } from './contract.js';
import { ToolError } from '../errors/index.js';
import { identityOfAuthInfo } from '../core/edge.js';

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

export interface Authz {
  /** True when auth is on (mode other than `none`). */
  readonly enabled: boolean;
  /** The SDK scope challenge for an entry's scopes (undefined: nothing to check). */
  scopeChallenge(scopes: readonly string[] | undefined): ScopeChallengeHandler | undefined;
  /** Scopes in `required` the identity does not hold. */
  missing(required: readonly string[] | undefined, identity: AuthIdentity): string[];
  /** A message when a required scope is outside its time window now; undefined when usable. */
  windowDenied(required: readonly string[] | undefined, identity: AuthIdentity, now?: Date): string | undefined;
  /** Wraps the list handlers of a not yet populated `McpServer` so lists show only allowed entries. */
  filterLists(server: McpServer): void;
  /**
   * Throws a `ToolError` when the caller lacks a scope or a scope is outside its window. Over HTTP
   * the scope challenge has already answered 403; this is the check for every other way in
   * (WebSocket, custom transports) and for time windows.
   */
  assertAllowed(required: readonly string[] | undefined, identity: AuthIdentity, now?: Date): void;
}

export { identityOfAuthInfo };

export function identityOfContext(sdkCtx: ServerContext | undefined): AuthIdentity | undefined {
  return identityOfAuthInfo((sdkCtx as { http?: { authInfo?: AuthInfo } } | undefined)?.http?.authInfo);
}

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

/** Weekday and minute of day of `now` in a time zone. */
function localTime(now: Date, timezone: string): { day: (typeof DAYS)[number]; minute: number } {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: timezone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(now);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const day = get('weekday').slice(0, 3).toLowerCase() as (typeof DAYS)[number];
  return { day, minute: Number(get('hour')) * 60 + Number(get('minute')) };
}

/** Whether `now` is inside the window. `from` > `to` wraps past midnight (the day is the start's). */
export function inWindow(window: ScopeWindow, now: Date): boolean {
  const { day, minute } = localTime(now, window.timezone ?? 'UTC');
  const from = minutes(window.from ?? '00:00');
  const to = window.to === undefined || window.to === '24:00' ? 24 * 60 : minutes(window.to);
  const days = window.days ?? DAYS;
  if (from <= to) return days.includes(day) && minute >= from && minute < to;
  // Overnight: the late part belongs to today, the early part to yesterday's window.
  const yesterday = DAYS[(DAYS.indexOf(day) + 6) % 7]!;
  return (days.includes(day) && minute >= from) || (days.includes(yesterday) && minute < to);
}

export function describeWindow(window: ScopeWindow): string {
  const days = window.days && window.days.length < 7 ? window.days.join(', ') : 'every day';
  return `${days} ${window.from ?? '00:00'}-${window.to ?? '24:00'} ${window.timezone ?? 'UTC'}`;
}

/** Checks a spec's windows (time zones, HH:MM) and returns problems; used at server start. */
export function checkScopeWindows(windows: Record<string, ScopeWindow> | undefined): string[] {
  const problems: string[] = [];
  for (const [scope, window] of Object.entries(windows ?? {})) {
    for (const key of ['from', 'to'] as const) {
      const value = window[key];
      if (value !== undefined && !/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/.test(value)) problems.push(`auth.scopeWindows["${scope}"].${key}="${value}": use HH:MM (00:00 to 24:00)`);
    }
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: window.timezone ?? 'UTC' });
    } catch {
      problems.push(`auth.scopeWindows["${scope}"].timezone="${window.timezone}": not a time zone this Node knows (use an IANA name such as Europe/Paris)`);
    }
  }
  return problems;
}

type ListFilter = (result: unknown, identity: AuthIdentity) => unknown;

export interface AuthzOptions {
  list?: 'filter' | 'all';
  /** Called once per refused call (missing scope or outside its window): the factory counts `scope_denied`. */
  onDenied?: () => void;
  /** Called for each refusal by the HTTP scope challenge (before any handler), with the refused request. */
  onChallenged?: (request: { method: string; params?: Record<string, unknown> }, identity: AuthIdentity) => void;
}

export function createAuthz(manifest: Manifest, options: AuthzOptions = {}): Authz {
  const auth: AuthManifestEntry = manifest.auth ?? { mode: 'none' };
  const enabled = auth.mode !== 'none';
  const windows = auth.scopeWindows ?? {};
  const listMode = options.list ?? auth.list ?? 'filter';

  const missing = (required: readonly string[] | undefined, identity: AuthIdentity): string[] => {
    if (!required || required.length === 0) return [];
    const held = new Set(identity.scopes);
    return required.filter((s) => !held.has(s));
  };
  const allowed = (required: readonly string[] | undefined, identity: AuthIdentity) => missing(required, identity).length === 0;

  const toolScopes = new Map(Object.values(manifest.tools).map((t) => [t.name, t.scopes]));
  const promptScopes = new Map(Object.values(manifest.prompts).map((p) => [p.name, p.scopes]));
  const resourceScopes = new Map(Object.values(manifest.resources).map((r) => [r.uri, r.scopes]));
  const resourceScopesByName = new Map(Object.values(manifest.resources).map((r) => [r.name, r.scopes]));

  const filters: Record<string, ListFilter> = {
    'tools/list': (result, identity) => filterArray(result, 'tools', (t) => allowed(toolScopes.get(String(t.name)), identity)),
    'prompts/list': (result, identity) => filterArray(result, 'prompts', (p) => allowed(promptScopes.get(String(p.name)), identity)),
    // Static resources by URI; items listed by templates' `list` callbacks are filtered there (factory).
    'resources/list': (result, identity) => filterArray(result, 'resources', (r) => allowed(resourceScopes.get(String(r.uri)), identity)),
    'resources/templates/list': (result, identity) => filterArray(result, 'resourceTemplates', (r) => allowed(resourceScopesByName.get(String(r.name)), identity)),
  };

  return {
    enabled,
    missing,
    scopeChallenge(scopes) {
      if (!enabled || !scopes || scopes.length === 0) return undefined;
      const required = [...scopes] as [string, ...string[]];
      return ({ authInfo, request }) => {
        const identity = identityOfAuthInfo(authInfo);
        if (!identity) return undefined;
        const lacking = missing(required, identity);
        if (lacking.length === 0) return undefined;
        options.onDenied?.();
        options.onChallenged?.(request as { method: string; params?: Record<string, unknown> }, identity);
        // The challenge names the full set the entry needs (what the client should ask for);
        // the description names what is missing.
        return { scopes: required, errorDescription: `Missing scope: ${lacking.join(' ')}` };
      };
    },
    windowDenied(required, identity, now = new Date()) {
      if (!enabled || !required || identity.method === 'local') return undefined;
      for (const scope of required) {
        const window = windows[scope];
        if (window && !inWindow(window, now)) return `Scope "${scope}" is usable only ${describeWindow(window)}; try again then`;
      }
      return undefined;
    },
    assertAllowed(required, identity, now = new Date()) {
      if (!enabled || identity.method === 'local') return;
      const lacking = missing(required, identity);
      if (lacking.length > 0) {
        options.onDenied?.();
        throw new ToolError(`Missing scope: ${lacking.join(' ')}`, { code: 'insufficient_scope', data: { scopes: lacking } });
      }
      const outside = this.windowDenied(required, identity, now);
      if (outside) {
        options.onDenied?.();
        throw new ToolError(outside, { code: 'scope_outside_window' });
      }
    },
    filterLists(server) {
      if (!enabled || listMode === 'all') return;
      const low = server.server as unknown as { setRequestHandler: (method: string, ...rest: unknown[]) => unknown };
      const original = low.setRequestHandler.bind(low);
      // McpServer installs its list handlers when the first tool/resource/prompt is registered;
      // intercepting that one call wraps them without reaching into SDK internals.
      low.setRequestHandler = (method: string, ...rest: unknown[]) => {
        const filter = filters[method];
        const handler = rest[0];
        if (!filter || rest.length !== 1 || typeof handler !== 'function') return original(method, ...rest);
        return original(method, async (request: unknown, ctx: ServerContext) => {
          const result = await (handler as (r: unknown, c: ServerContext) => unknown)(request, ctx);
          const identity = identityOfContext(ctx);
          return identity ? filter(result, identity) : result;
        });
      };
    },
  };
}

function filterArray(result: unknown, key: string, keep: (item: Record<string, unknown>) => boolean): unknown {
  const items = (result as Record<string, unknown> | null)?.[key];
  if (!Array.isArray(items)) return result;
  return { ...(result as object), [key]: items.filter((item) => keep(item as Record<string, unknown>)) };
}

/** Every scope the manifest names (tools, resources, prompts), sorted. */
export function manifestScopes(manifest: Manifest): string[] {
  const scopes = new Set<string>();
  for (const entries of [manifest.tools, manifest.resources, manifest.prompts]) {
    for (const entry of Object.values(entries)) for (const scope of entry.scopes ?? []) scopes.add(scope);
  }
  return [...scopes].sort();
}

/**
 * The caller of a request without an authenticated identity when auth is on: stdio's local user,
 * trusted with every scope the server defines and every role it declares (the process runs as that
 * user anyway).
 */
export function localIdentity(manifest: Manifest): AuthIdentity {
  const roles = Object.keys(manifest.auth?.roles ?? {}).sort();
  const scopes = new Set(manifestScopes(manifest));
  for (const role of roles) for (const scope of manifest.auth!.roles![role]!) scopes.add(scope);
  return Object.freeze({ subject: 'local', scopes: [...scopes].sort(), roles, anonymous: false, method: 'local' });
}
