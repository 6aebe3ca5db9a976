/**
 * The gateway (`mcpforge gateway`): one MCP endpoint over the tool groups registered in a service
 * registry. It is a runtime server like any other — the same HTTP edge, authentication, policy
 * stage (limits, audit, timeouts) and shutdown (`runServer`) — whose tools, prompts and resources
 * are proxies: each call goes to a healthy replica of the group that owns the name (upstream.ts)
 * with the caller's identity signed for the group server (identity.ts).
 *
 * It fronts one server's groups or several servers at once (`service: 'weather,notes,files'`); a
 * name two servers both serve is refused at start, or every name is served as `<service>__<name>`
 * (`names: 'prefix'`) — never silently first-come.
 *
 * The catalogue (the union of every group's tools, prompts and resources) is read from one replica
 * per group, cached, and read again when the registry reports a change in the set of groups; when
 * it changes the served surface is rebuilt and connected session clients get
 * `notifications/tools/list_changed` (and the prompt/resource ones).
 */
import type { McpServer } from '@modelcontextprotocol/server';
import type { CallToolResult } from '@modelcontextprotocol/server';
import { runServer, type LiveSurface, type RunningServer } from '../server/run.js';
import type { ServerFactory } from '../server/factory.js';
import type { AuthIdentity, CompiledValidator, HandlerContext, Manifest, PromptManifestEntry, ResourceManifestEntry, ServerModules, ToolManifestEntry } from '../server/contract.js';
import type { CallGuard } from '../idempotency/index.js';
import { IDEMPOTENCY_META_KEY } from '../idempotency/index.js';
import { openRegistry, type Registry } from '../registry/index.js';
import { createIdentitySigner, IDENTITY_HEADER, type IdentitySigner } from './identity.js';
import { createRouter, groupKey, type Router, type RouterStats } from './upstream.js';

export { createIdentitySigner, gatewayIdentityAuthenticator, IDENTITY_HEADER } from './identity.js';
export type { RouterStats } from './upstream.js';

export interface GatewayOptions {
  /** `etcd://host:2379` or `k8s://...` (see `registry`), or a `Registry`. */
  registry: string | Registry;
  /**
   * Which services (the specs' names) to front: one, several (an array or `a,b,c`), or every
   * service registered (omitted). Each service keeps its own groups and replicas.
   */
  service?: string | readonly string[];
  /**
   * What to do when two services serve the same tool, prompt or resource name:
   * `refuse` (default) fails the start with an error naming the services; `prefix` serves every
   * name as `<service>__<name>` (the upstream still gets its own name). Identical resource URIs in
   * two services are refused either way: a URI cannot be renamed.
   */
  names?: 'refuse' | 'prefix';
  /** Signs forwarded identities (`MCP_GATEWAY_IDENTITY_KEY`); without it group servers see anonymous calls. */
  identityKey?: string;
  /** The caller authentication at the gateway's edge (`auth.mode` of the runtime): none, jwt, apiKey, oauth... */
  authMode?: string;
  /** Waits at start until this many groups are registered (default 1) and each named service has one, at most `waitMs`. */
  minGroups?: number;
  waitMs?: number;
  /** Runtime settings of the gateway's own server (port, host, auth, limits: the usual MCP_* variables). */
  argv?: readonly string[];
  env?: Readonly<Record<string, string | undefined>>;
  manageProcess?: boolean;
}

export interface RunningGateway extends RunningServer {
  readonly stats: RouterStats;
  /** Reads every group's catalogue again now (what a registry change triggers). */
  refresh(): Promise<void>;
  /** Names of the tools served right now. */
  tools(): string[];
}

interface Catalogue {
  tools: Map<string, { group: string; tool: UpstreamTool }>;
  prompts: Map<string, { group: string; prompt: UpstreamPrompt }>;
  resources: Map<string, { group: string; resource: UpstreamResource; template: boolean }>;
  /** Names (or URIs) two services both serve, as sentences for the error. */
  collisions: string[];
}
interface UpstreamTool {
  name: string;
  title?: string;
  description?: string;
  inputSchema: Record<string, unknown>;
  annotations?: Record<string, unknown>;
}
interface UpstreamPrompt {
  name: string;
  title?: string;
  description?: string;
  arguments?: Array<{ name: string; description?: string; required?: boolean }>;
}
interface UpstreamResource {
  name: string;
  title?: string;
  description?: string;
  uri?: string;
  uriTemplate?: string;
  mimeType?: string;
}

/** Upstream validates every argument against its own schema; the gateway passes them through. */
const ACCEPT: CompiledValidator = Object.assign(() => true, { errors: null }) as CompiledValidator;
const loader = <T>(value: T) => async () => ({ default: value });

/** `a,b` or `['a', 'b']` → the service names; undefined/empty → every service. */
export function serviceList(service: string | readonly string[] | undefined): string[] | undefined {
  const names = (typeof service === 'string' ? service.split(',') : [...(service ?? [])]).map((s) => s.trim()).filter(Boolean);
  return names.length > 0 ? [...new Set(names)] : undefined;
}

/** URIs of the resources every mcpforge server registers itself (see budgets/). */
const RUNTIME_URI_SCHEME = 'mcpforge://';

/** The separator of prefixed names: `weather__get_forecast` (letters, digits, `_` and `-` are safe in every client). */
export const PREFIX_SEPARATOR = '__';

export async function runGateway(options: GatewayOptions): Promise<RunningGateway> {
  const registry = typeof options.registry === 'string' ? await openRegistry(options.registry) : options.registry;
  const router = createRouter();
  const signer: IdentitySigner | undefined = options.identityKey ? createIdentitySigner(options.identityKey) : undefined;
  const metas = new WeakMap<object, Record<string, unknown> | undefined>();
  const services = serviceList(options.service);
  const naming = options.names ?? 'refuse';
  const wanted = (record: { service: string }) => !services || services.includes(record.service);

  // One service: the registry filters. Several: watch them all and keep the named ones.
  const scope = services?.length === 1 ? services[0] : undefined;
  for (const record of await registry.list(scope)) if (wanted(record)) router.put(record);
  const unwatch = await registry.watch(scope, (change) => {
    if (change.type === 'put' && !wanted(change.record)) return;
    const before = router.groups().sort().join(',');
    if (change.type === 'put') router.put(change.record);
    else router.remove(change.id);
    if (router.groups().sort().join(',') !== before) scheduleRefresh();
  });
  const deadline = Date.now() + (options.waitMs ?? 10_000);
  const waiting = () => {
    const groups = router.groups();
    return groups.length < (options.minGroups ?? 1) || (services ?? []).some((s) => !groups.some((g) => g.startsWith(`${s}/`)));
  };
  while (waiting() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));

  const serviceOf = (group: string) => group.slice(0, group.indexOf('/'));
  const collisionError = (all: readonly string[]) => {
    // Names and templates first: a listed resource per row (a note each) would bury them.
    const rank = (c: string) => ['tool ', 'prompt ', 'resource "', 'resource template '].findIndex((p) => c.startsWith(p)) >>> 0;
    const collisions = [...all].sort((a, b) => rank(a) - rank(b)).slice(0, 8);
    const more = all.length > collisions.length ? ` (and ${all.length - collisions.length} more)` : '';
    return new Error(
      `gateway: ${all.length} name collision(s) between services — ${collisions.join('; ')}${more}. Serve every name as <service>${PREFIX_SEPARATOR}<name> (--names prefix, MCP_GATEWAY_NAMES=prefix), rename in one spec, or front the services with separate gateways (--service).`,
    );
  };
  const headersFor = async (auth: AuthIdentity, group: string): Promise<Record<string, string>> => {
    if (!signer) return {};
    const service = group.slice(0, group.indexOf('/'));
    return { [IDENTITY_HEADER]: await signer.sign(auth, service) };
  };
  const call = async (group: string, method: string, params: Record<string, unknown>, ctx: HandlerContext<unknown>, safe: boolean) => {
    const answer = await router.send(group, method, params, { safe, headers: await headersFor(ctx.auth, group), signal: ctx.signal });
    if (answer.error) throw new Error(answer.error.message);
    return answer.result ?? {};
  };

  const readCatalogue = async (): Promise<Catalogue> => {
    const catalogue: Catalogue = { tools: new Map(), prompts: new Map(), resources: new Map(), collisions: [] };
    const uris = new Map<string, string>();
    // Within one service the groups share prompts and resources (first group wins); across services
    // the same name is a collision unless names are prefixed.
    const add = <E extends { group: string }>(map: Map<string, E>, kind: string, name: string, entry: E) => {
      const service = serviceOf(entry.group);
      const key = naming === 'prefix' ? `${service}${PREFIX_SEPARATOR}${name}` : name;
      const existing = map.get(key);
      if (!existing) map.set(key, entry);
      else if (serviceOf(existing.group) !== service) catalogue.collisions.push(`${kind} "${name}" is served by both ${serviceOf(existing.group)} and ${service}`);
    };
    const addResource = (resource: UpstreamResource, group: string, template: boolean) => {
      const uri = (template ? resource.uriTemplate : resource.uri) ?? '';
      // The runtime's own resources (stored results, mcpforge://results/{id}) every server has,
      // the gateway's runtime included: not a group's to proxy, and not a collision.
      if (uri.startsWith(RUNTIME_URI_SCHEME)) return;
      const owner = uris.get(uri);
      if (owner !== undefined && owner !== serviceOf(group)) {
        catalogue.collisions.push(`resource ${template ? 'template' : 'URI'} "${uri}" is served by both ${owner} and ${serviceOf(group)}`);
        return;
      }
      uris.set(uri, serviceOf(group));
      add(catalogue.resources, 'resource', resource.name, { group, resource, template });
    };
    const system: AuthIdentity = { subject: 'mcpforge-gateway', scopes: [], anonymous: false, method: 'gateway' };
    for (const group of router.groups().sort()) {
      const headers = await headersFor(system, group);
      const list = async <T>(method: string, key: string): Promise<T[]> => {
        const answer = await router.send(group, method, {}, { safe: true, headers }).catch(() => ({ result: undefined }));
        return ((answer.result?.[key] as T[] | undefined) ?? []);
      };
      for (const tool of await list<UpstreamTool>('tools/list', 'tools')) add(catalogue.tools, 'tool', tool.name, { group, tool });
      for (const prompt of await list<UpstreamPrompt>('prompts/list', 'prompts')) add(catalogue.prompts, 'prompt', prompt.name, { group, prompt });
      for (const resource of await list<UpstreamResource>('resources/list', 'resources')) addResource(resource, group, false);
      for (const resource of await list<UpstreamResource>('resources/templates/list', 'resourceTemplates')) addResource(resource, group, true);
    }
    return catalogue;
  };

  const surfaceOf = (catalogue: Catalogue): { manifest: Manifest; modules: ServerModules } => {
    const manifest: Manifest = { name: 'mcpforge-gateway', version: '1.0.0', layout: 'production', transports: ['http'], tools: {}, resources: {}, prompts: {}, ...(options.authMode && options.authMode !== 'none' ? { auth: { mode: options.authMode } } : {}) };
    const modules: ServerModules = { tools: {}, resources: {}, prompts: {} };
    for (const [name, { group, tool }] of catalogue.tools) {
      const annotations = tool.annotations ?? {};
      const entry: ToolManifestEntry = { name, description: tool.description ?? '', inputSchema: tool.inputSchema, ...(tool.title ? { title: tool.title } : {}), ...(tool.annotations ? { annotations: tool.annotations as ToolManifestEntry['annotations'] } : {}) };
      manifest.tools[name] = entry;
      modules.tools[name] = {
        validateInput: loader(ACCEPT),
        handler: loader({
          kind: 'tool' as const,
          name,
          handler: async (input: unknown, ctx: HandlerContext<unknown>) => {
            const meta = metas.get(ctx);
            const safe = annotations.readOnlyHint === true || annotations.idempotentHint === true || typeof meta?.[IDEMPOTENCY_META_KEY] === 'string';
            return (await call(group, 'tools/call', { name: tool.name, arguments: input ?? {}, ...(meta ? { _meta: meta } : {}) }, ctx, safe)) as CallToolResult;
          },
        }),
      };
    }
    for (const [name, { group, prompt }] of catalogue.prompts) {
      const entry: PromptManifestEntry = {
        name,
        ...(prompt.title ? { title: prompt.title } : {}),
        ...(prompt.description ? { description: prompt.description } : {}),
        arguments: (prompt.arguments ?? []).map((a) => ({ name: a.name, required: a.required === true, ...(a.description ? { description: a.description } : {}) })),
      };
      manifest.prompts[name] = entry;
      modules.prompts[name] = { handler: loader({ kind: 'prompt' as const, name, handler: async (args: unknown, ctx: HandlerContext<unknown>) => (await call(group, 'prompts/get', { name: prompt.name, arguments: args ?? {} }, ctx, true)) as never }) };
    }
    for (const [name, { group, resource, template }] of catalogue.resources) {
      const uri = (template ? resource.uriTemplate : resource.uri) ?? '';
      const entry: ResourceManifestEntry = {
        name,
        uri,
        template,
        variables: template ? [...uri.matchAll(/\{[+#./;?&]?([^}]+)\}/g)].flatMap((m) => m[1]!.split(',').map((v) => v.replace(/\*$/, ''))) : [],
        ...(resource.title ? { title: resource.title } : {}),
        ...(resource.description ? { description: resource.description } : {}),
        ...(resource.mimeType ? { mimeType: resource.mimeType } : {}),
      };
      manifest.resources[name] = entry;
      modules.resources[name] = {
        handler: loader({
          kind: 'resource' as const,
          name,
          handlers: { read: async (_params: unknown, ctx: HandlerContext<unknown> & { uri: string }) => (await call(group, 'resources/read', { uri: ctx.uri }, ctx, true)) as never },
        }),
      };
    }
    return { manifest, modules };
  };

  let catalogue = await readCatalogue();
  if (catalogue.collisions.length > 0) {
    await unwatch().catch(() => {});
    await registry.close().catch(() => {});
    throw collisionError(catalogue.collisions);
  }
  let build: ((manifest: Manifest, modules: ServerModules) => Promise<ServerFactory>) | undefined;
  let current: ServerFactory | undefined;
  const sessions = new Set<WeakRef<McpServer>>();
  let refreshing: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  const signature = (c: Catalogue) => JSON.stringify([[...c.tools].map(([n, t]) => [n, t.group, t.tool.inputSchema, t.tool.annotations]), [...c.prompts.keys()], [...c.resources.keys()]]);

  const refresh = async (): Promise<void> => {
    const next = await readCatalogue();
    if (next.collisions.length > 0) {
      // A service that joined later must not take over names callers already use: keep serving what we have.
      process.stderr.write(`${collisionError(next.collisions).message} Keeping the previous catalogue.\n`);
      return;
    }
    if (signature(next) === signature(catalogue) || !build) return;
    catalogue = next;
    const surface = surfaceOf(next);
    current = await build(surface.manifest, surface.modules);
    // Session clients hold a server built from the old catalogue: tell them to list again.
    for (const ref of sessions) {
      const server = ref.deref();
      if (!server) {
        sessions.delete(ref);
        continue;
      }
      if (!server.isConnected()) continue;
      server.sendToolListChanged();
      server.sendPromptListChanged();
      server.sendResourceListChanged();
    }
  };
  const scheduleRefresh = () => {
    clearTimeout(timer);
    // Replicas come and go in bursts (a rollout): one read of the catalogue per burst.
    timer = setTimeout(() => {
      refreshing = (refreshing ?? Promise.resolve()).then(refresh).catch(() => {});
    }, 200);
    timer.unref();
  };

  const liveSurface: LiveSurface = {
    guard: (inner: CallGuard): CallGuard => ({
      ...(inner.limiter ? { limiter: inner.limiter } : {}),
      // Idempotency keys are the group server's business (its guard stores the result); the gateway
      // only needs the call's _meta to forward it and to know whether a retry is safe.
      run: (_entry, _args, ctx, meta, run) => {
        metas.set(ctx, meta);
        return run();
      },
    }),
    serve(first, rebuild) {
      build = rebuild;
      current = first;
      return new Proxy(first, {
        apply: (_target, _this, args: Parameters<ServerFactory>) => {
          const server = current!(...args);
          // Stateful sessions keep their server; stateless requests get a pooled one per request.
          if (args[0]?.era === 'legacy') sessions.add(new WeakRef(server));
          return server;
        },
        get: (_target, property) => Reflect.get(current!, property),
      });
    },
    async close() {
      clearTimeout(timer);
      await unwatch().catch(() => {});
      await registry.close().catch(() => {});
    },
  };

  const env = { ...(options.env ?? process.env) };
  // The gateway discovers through the registry; it does not register itself nor trust a gateway header.
  delete env.MCP_REGISTRY;
  delete env.MCP_GATEWAY_IDENTITY_KEY;
  env.DATABASE_URL ??= 'sqlite::memory:';
  env.MCP_MIGRATE ??= 'skip';
  const surface = surfaceOf(catalogue);
  const running = await runServer({
    manifest: surface.manifest,
    modules: surface.modules,
    projectRoot: process.cwd(),
    argv: ['--transport', 'http', ...(options.argv ?? [])],
    env,
    ...(options.manageProcess === undefined ? {} : { manageProcess: options.manageProcess }),
    liveSurface,
  });
  return Object.assign(Object.create(running) as RunningServer, running, {
    stats: router.stats,
    refresh: async () => {
      refreshing = (refreshing ?? Promise.resolve()).then(refresh);
      await refreshing;
    },
    tools: () => [...catalogue.tools.keys()],
  });
}

export { createRouter, groupKey, type Router };
