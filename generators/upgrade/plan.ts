/**
 * Plans `mcpforge upgrade --to production` as a pure function over an in-memory file map: what to
 * create, what to change and which dependencies to add. Nothing here reads or writes the disk, so the
 * plan is the dry run, and applying it then planning again yields no change (idempotent).
 *
 * It never touches handler files (src/tools, src/resources, src/prompts): the same handlers run on
 * PostgreSQL and Redis.
 */
import { isMap, parseDocument } from 'yaml';

export type FileMap = Map<string, string | Buffer>;

/** Dependencies the production layout adds to the project's package.json (drivers the runtime loads on demand). */
export const PRODUCTION_DEPENDENCIES: Readonly<Record<string, string>> = { pg: '^8.23.1', ioredis: '^6.0.0' };
/** With tool groups the replicas register in etcd (MCP_REGISTRY, the runtime's registry module). */
export const GROUP_DEPENDENCIES: Readonly<Record<string, string>> = { etcd3: '^1.1.2' };
const PRODUCTION_SCRIPTS: Readonly<Record<string, string>> = { migrate: 'node dist/server.js --migrate only' };
const DEPLOY_HEADING = '## Deploy';

export interface UpgradeChange {
  path: string;
  action: 'create' | 'update';
  /** Why, for the dry run. */
  reason: string;
  content: string;
}

export interface UpgradePlan {
  changes: UpgradeChange[];
  /** Dependencies added to package.json (name → range). */
  dependencies: Record<string, string>;
  /** Deployment files that exist with other content and were left alone (pass --force to replace). */
  kept: string[];
}

export interface UpgradeInput {
  /** The project's current files (at least mcpforge.yaml, package.json; README.md, .env.example when present; any existing deployment file). */
  files: ReadonlyMap<string, string | Buffer>;
  /** Rendered deployment files, keyed by their path in the project. */
  deployment: ReadonlyMap<string, string>;
  /** Rendered Deploy section of the README. */
  readmeSection: string;
  /**
   * Renders the deployment files for the spec's tool groups (`renderProductionTemplates` gives it):
   * when mcpforge.yaml has `groups:`, they replace `deployment` (one service per group).
   */
  deploymentFor?: (groups: Record<string, { replicas?: number }>) => ReadonlyMap<string, string>;
  /** Replace deployment files that differ from the templates. */
  force?: boolean;
}

const text = (value: string | Buffer | undefined) => (value === undefined ? undefined : value.toString());

export function planUpgrade(input: UpgradeInput): UpgradePlan {
  const changes: UpgradeChange[] = [];
  const kept: string[] = [];
  const dependencies: Record<string, string> = {};

  // 1. The spec: layout → production, through the Document API so comments and order survive.
  const specText = text(input.files.get('mcpforge.yaml'));
  if (specText === undefined) throw new Error('mcpforge.yaml is missing: run upgrade in an mcpforge project folder.');
  const doc = parseDocument(specText);
  if (doc.errors.length > 0) throw new Error(`mcpforge.yaml does not parse: ${doc.errors[0]!.message}`);
  if (doc.get('layout') !== 'production') {
    doc.set('layout', 'production');
    changes.push({ path: 'mcpforge.yaml', action: 'update', reason: 'layout: production', content: doc.toString({ lineWidth: 120 }) });
  }

  // 2. package.json: the drivers and a migrate script; other keys and their order untouched.
  const pkgText = text(input.files.get('package.json'));
  if (pkgText === undefined) throw new Error('package.json is missing: run upgrade in an mcpforge project folder.');
  const pkg = JSON.parse(pkgText) as { dependencies?: Record<string, string>; scripts?: Record<string, string> };
  const added: string[] = [];
  const hasGroups = isMap(doc.get('groups')) && (doc.get('groups') as { items: unknown[] }).items.length > 0;
  for (const [name, range] of Object.entries({ ...PRODUCTION_DEPENDENCIES, ...(hasGroups ? GROUP_DEPENDENCIES : {}) })) {
    if (pkg.dependencies?.[name] === undefined) {
      pkg.dependencies = { ...(pkg.dependencies ?? {}), [name]: range };
      dependencies[name] = range;
      added.push(`dependency ${name}@${range}`);
    }
  }
  if (pkg.dependencies && added.length > 0) pkg.dependencies = Object.fromEntries(Object.entries(pkg.dependencies).sort(([a], [b]) => a.localeCompare(b)));
  for (const [name, command] of Object.entries(PRODUCTION_SCRIPTS)) {
    if (pkg.scripts?.[name] === undefined) {
      pkg.scripts = { ...(pkg.scripts ?? {}), [name]: command };
      added.push(`script ${name}`);
    }
  }
  if (added.length > 0) {
    changes.push({ path: 'package.json', action: 'update', reason: added.join(', '), content: `${JSON.stringify(pkg, null, 2)}\n` });
  }

  // 3. Deployment files: created when missing; a user-edited one is kept unless forced. A spec
  // with tool groups gets one service per group.
  const groups = doc.get('groups');
  const deployment =
    isMap(groups) && groups.items.length > 0 && input.deploymentFor
      ? input.deploymentFor(groups.toJSON() as Record<string, { replicas?: number }>)
      : input.deployment;
  for (const [path, content] of [...deployment].sort(([a], [b]) => a.localeCompare(b))) {
    const current = text(input.files.get(path));
    if (current === content) continue;
    if (current === undefined) changes.push({ path, action: 'create', reason: 'deployment file', content });
    else if (input.force) changes.push({ path, action: 'update', reason: 'deployment file (replaced: --force)', content });
    else kept.push(path);
  }

  // 4. Dockerfile copies migrations/: a project without migrations gets the empty folder.
  if (![...input.files.keys()].some((path) => path.startsWith('migrations/'))) {
    changes.push({ path: 'migrations/.gitkeep', action: 'create', reason: 'the image copies migrations/', content: '' });
  }

  // 5. README: a Deploy section, once.
  const readme = text(input.files.get('README.md'));
  if (readme !== undefined && !readme.split('\n').some((line) => line.trim() === DEPLOY_HEADING)) {
    changes.push({ path: 'README.md', action: 'update', reason: 'Deploy section', content: `${readme.replace(/\n*$/, '\n')}${input.readmeSection}` });
  }

  // 6. .env.example: the production variables, commented out, once.
  const env = text(input.files.get('.env.example')) ?? '';
  if (!/^#?\s*REDIS_URL=/m.test(env)) {
    const block = [
      '# production layout: PostgreSQL and Redis (see README, Deploy)',
      '# DATABASE_URL=postgres://app:app@127.0.0.1:5432/app',
      '# DATABASE_POOL_SIZE=10',
      '# REDIS_URL=redis://127.0.0.1:6379',
      '',
    ].join('\n');
    const next = env === '' ? block : `${env.replace(/\n*$/, '\n')}\n${block}`;
    changes.push({ path: '.env.example', action: env === '' && !input.files.has('.env.example') ? 'create' : 'update', reason: 'production variables', content: next });
  }

  return { changes, dependencies, kept };
}

/** Applies a plan to a file map (the dry run's "after", and what `new --layout production` writes). */
export function applyPlan(files: FileMap, plan: UpgradePlan): FileMap {
  const next: FileMap = new Map(files);
  for (const change of plan.changes) next.set(change.path, change.content);
  return next;
}

/** Paths the upgrade must never write: the user's handlers. */
export function isHandlerPath(path: string): boolean {
  return /^src\/(tools|resources|prompts)\//.test(path);
}
