/** Renders templates/production/** (deployment files) and the README's Deploy section. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { renderTemplateDir } from '../app/templates.js';

export interface ProductionTemplateData {
  name: string;
  replicas: number;
  /** Upstream servers for deploy/nginx.conf (default: the compose service, `app:3000`). */
  upstreams?: string[];
  /** 2025 stateful sessions: route each session to one replica. */
  sessions?: boolean;
}

const RENAMES: Record<string, string> = { dockerignore: '.dockerignore' };

export async function renderProductionTemplates(toolkitRoot: string, data: ProductionTemplateData): Promise<{ deployment: Map<string, string>; readmeSection: string }> {
  const full = { upstreams: ['app:3000'], sessions: false, maxReplicas: Math.max(data.replicas * 3, data.replicas + 1), ...data };
  const deployment = new Map<string, string>();
  for (const [path, content] of await renderTemplateDir(join(toolkitRoot, 'templates', 'production'), full)) {
    deployment.set(RENAMES[path] ?? path, content.toString());
  }
  const section = await readFile(join(toolkitRoot, 'templates', 'production-snippets', 'README-deploy.md.hbs'), 'utf8');
  return { deployment, readmeSection: Handlebars.compile(section, { noEscape: true, strict: true })(full) };
}
