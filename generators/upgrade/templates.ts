/** Renders templates/production/** (deployment files) and the README's Deploy section. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { posixRelative } from '../app/compose.js';
import { listFiles } from '../shared/tree/list-files.js';

/** A tool group's service: the spec's `groups:` entry, plus where nginx finds it. */
export interface GroupTemplateData {
  replicas?: number;
  /** Upstream servers of the group for deploy/nginx.conf (default: its compose service, `app-<group>:3000`). */
  upstreams?: string[];
}

export interface ProductionTemplateData {
  name: string;
  replicas: number;
  /** Upstream servers for deploy/nginx.conf (default: the compose service, `app:3000`). */
  upstreams?: string[];
  /** 2025 stateful sessions: route each session to one replica. */
  sessions?: boolean;
  /** Tool groups by name: each becomes its own service routed at /mcp/<group>. */
  groups?: Readonly<Record<string, GroupTemplateData>>;
  /** `upgrade --tls`: nginx terminates TLS, or passes it through to replicas that terminate it (see docs/security.md). */
  tls?: TlsLayout;
}

export const TLS_LAYOUTS = ['terminate', 'passthrough'] as const;
export type TlsLayout = (typeof TLS_LAYOUTS)[number];

export interface RenderedProduction {
  deployment: Map<string, string>;
  readmeSection: string;
  /**
   * The same deployment files for a spec with tool groups (synchronous, so `planUpgrade` can
   * render for the groups it reads from mcpforge.yaml). No groups: the same as `deployment`.
   */
  deploymentFor(groups: Readonly<Record<string, GroupTemplateData>> | undefined): Map<string, string>;
}

const RENAMES: Record<string, string> = { dockerignore: '.dockerignore' };

export async function renderProductionTemplates(toolkitRoot: string, data: ProductionTemplateData): Promise<RenderedProduction> {
  const dir = join(toolkitRoot, 'templates', 'production');
  // noEscape: templates emit YAML and nginx syntax, where HTML escaping would corrupt them.
  const templates: Array<[string, (context: object) => string]> = [];
  for (const file of await listFiles(dir)) {
    const rel = posixRelative(dir, file);
    const raw = await readFile(file, 'utf8');
    if (rel.endsWith('.hbs')) templates.push([rel.slice(0, -'.hbs'.length), Handlebars.compile(raw, { noEscape: true, strict: true })]);
    else templates.push([rel, () => raw]);
  }
  const context = (groups: ProductionTemplateData['groups']) => {
    const { groups: _ignored, ...rest } = data;
    return {
      upstreams: ['app:3000'],
      sessions: false,
      maxReplicas: maxReplicas(data.replicas),
      ...rest,
      tlsTerminate: data.tls === 'terminate',
      tlsPassthrough: data.tls === 'passthrough',
      tlsAny: data.tls !== undefined,
      groups: Object.entries(groups ?? {}).map(([name, group]) => {
        const replicas = group.replicas ?? data.replicas;
        return { name, replicas, maxReplicas: maxReplicas(replicas), upstreams: group.upstreams ?? [`app-${name}:3000`] };
      }),
    };
  };
  const deploymentFor = (groups: ProductionTemplateData['groups']) => {
    const full = context(groups);
    return new Map(templates.map(([path, render]) => [RENAMES[path] ?? path, render(full)]));
  };
  const section = await readFile(join(toolkitRoot, 'templates', 'production-snippets', 'README-deploy.md.hbs'), 'utf8');
  return {
    deployment: deploymentFor(data.groups),
    readmeSection: Handlebars.compile(section, { noEscape: true, strict: true })(context(data.groups)),
    deploymentFor,
  };
}

function maxReplicas(replicas: number): number {
  return Math.max(replicas * 3, replicas + 1);
}
