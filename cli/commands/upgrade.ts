/**
 * `mcpforge upgrade --to production`: refuses outside an mcpforge project or on a dirty git tree
 * (unless --force), prints the plan with --dry-run, applies it through the upgrade generator, and with
 * --migrate-data copies the dev SQLite data into PostgreSQL (verified by row counts and checksums).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import type { UpgradeGeneratorOptions } from '../../generators/upgrade/index.js';
import { planUpgrade } from '../../generators/upgrade/plan.js';
import { readProjectFiles } from '../../generators/upgrade/read-project.js';
import { renderProductionTemplates, TLS_LAYOUTS, type TlsLayout } from '../../generators/upgrade/templates.js';
import { step, UserError } from '../output.js';
import { importRuntime } from '../runtime-import.js';
import { toolkitRoot } from '../toolkit.js';
import { runGenerator } from '../yeoman.js';

export interface UpgradeCommandOptions {
  to?: string;
  dryRun?: boolean;
  migrateData?: boolean;
  replicas?: string;
  tls?: string;
  /** `--auth none|apiKey|jwt|oauth|oauth-proxy|mtls|custom` (upgrade-auth.ts). */
  auth?: string;
  force?: boolean;
  databaseUrl?: string;
  from?: string;
  dir?: string;
}

export async function upgradeCommand(options: UpgradeCommandOptions): Promise<void> {
  // `--auth` alone switches the auth mode; with `--to production` it runs first.
  if (options.auth !== undefined) {
    await (await import('./upgrade-auth.js')).upgradeAuth(resolve(options.dir ?? '.'), options.auth, options.dryRun ?? false);
    if (options.to === undefined) return;
  }
  if (options.to === undefined) throw new UserError('upgrade needs --to production and/or --auth <mode>.');
  if (options.to !== 'production') throw new UserError(`--to ${options.to}: the only target is production.`);
  const dir = resolve(options.dir ?? '.');
  const replicas = Number(options.replicas ?? '3');
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > 100) throw new UserError(`--replicas ${options.replicas}: give an integer from 1 to 100.`);
  const name = projectName(dir);
  const tls = tlsLayout(options.tls, dir);
  if (!options.force && !options.dryRun) await refuseDirtyTree(dir);

  const root = toolkitRoot();
  const rendered = await renderProductionTemplates(root, { name, replicas, ...(tls ? { tls } : {}) });
  const plan = planUpgrade({ files: readProjectFiles(dir, rendered.deployment.keys()), ...rendered, force: options.force ?? false });

  if (options.dryRun) {
    process.stdout.write(`Upgrade of ${name} to the production layout (dry run: nothing written)\n`);
    if (plan.changes.length === 0) process.stdout.write('  nothing to change: the project is already in the production layout\n');
    for (const change of plan.changes) process.stdout.write(`  ${change.action.padEnd(6)} ${change.path}  (${change.reason})\n`);
    for (const [dep, range] of Object.entries(plan.dependencies)) process.stdout.write(`  add    dependency ${dep}@${range}\n`);
    for (const path of plan.kept) process.stdout.write(`  keep   ${path}  (differs from the template; --force replaces it)\n`);
    if (options.migrateData) process.stdout.write(`  copy   SQLite data into ${redact(targetUrl(options))}\n`);
    return;
  }

  if (plan.changes.length > 0) {
    const writing = step('Writing the production layout');
    const finished = await runGenerator<UpgradeGeneratorOptions>('upgrade', dir, { toolkitRoot: root, name, replicas, ...(tls ? { tls } : {}), force: true });
    writing.done(`${finished.result?.changes.length ?? 0} files`);
    for (const change of finished.result?.changes ?? []) process.stdout.write(`  ${change.action.padEnd(6)} ${change.path}\n`);
    for (const path of finished.result?.kept ?? []) process.stdout.write(`  kept   ${path} (yours differs from the template; --force replaces it)\n`);
    if (Object.keys(plan.dependencies).length > 0) {
      process.stdout.write(`Added ${Object.keys(plan.dependencies).join(', ')} to package.json: run \`npm install\`.\n`);
    }
  } else {
    process.stdout.write('Nothing to change: the project is already in the production layout.\n');
  }

  if (options.migrateData) {
    const { copyDatabase } = await importRuntime('storage', dir);
    const copying = step('Copying SQLite data into PostgreSQL');
    try {
      const reports = await copyDatabase({
        from: options.from ?? `sqlite:${join(dir, 'data', `${name}.db`)}`,
        to: targetUrl(options),
        migrations: join(dir, 'migrations'),
        force: options.force ?? false,
      });
      copying.done(`${reports.length} tables`);
      for (const r of reports) process.stdout.write(`  ${r.table}: ${r.rows} rows, checksum ${r.checksum.slice(0, 16)} (verified)\n`);
    } catch (error) {
      copying.fail();
      throw new UserError((error as Error).message);
    }
  }
}

/** `--tls`: checked here so a typo or an impossible layout fails before anything is written. */
function tlsLayout(value: string | undefined, dir: string): TlsLayout | undefined {
  if (value === undefined) return undefined;
  if (!(TLS_LAYOUTS as readonly string[]).includes(value)) throw new UserError(`--tls ${value}: choose terminate or passthrough.`);
  // Passthrough forwards encrypted bytes: nginx cannot see the path that routes /mcp/<group>.
  if (value === 'passthrough' && /^groups:/m.test(readFileSync(join(dir, 'mcpforge.yaml'), 'utf8'))) {
    throw new UserError('--tls passthrough cannot route tool groups (nginx sees only encrypted bytes, not the /mcp/<group> path). Use --tls terminate, or remove groups: from mcpforge.yaml.');
  }
  return value as TlsLayout;
}

function targetUrl(options: UpgradeCommandOptions): string {
  const url = options.databaseUrl ?? process.env.DATABASE_URL;
  if (!url || !/^postgres(ql)?:/.test(url)) throw new UserError('--migrate-data needs the PostgreSQL URL: pass --database-url postgres://... or set DATABASE_URL.');
  return url;
}

const redact = (url: string) => url.replace(/\/\/([^:/@]+):([^@]+)@/, '//$1:***@');

function projectName(dir: string): string {
  const spec = join(dir, 'mcpforge.yaml');
  const pkgPath = join(dir, 'package.json');
  if (!existsSync(spec) || !existsSync(pkgPath)) {
    throw new UserError(`${dir} is not an mcpforge project (no mcpforge.yaml and package.json). Run upgrade in the project folder, or create one with \`mcpforge new\`.`);
  }
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { name?: string; dependencies?: Record<string, string> };
  if (!pkg.dependencies?.['@mcpforge/runtime']) throw new UserError(`${dir}/package.json does not depend on @mcpforge/runtime: not an mcpforge project.`);
  return pkg.name ?? 'server';
}

async function refuseDirtyTree(dir: string): Promise<void> {
  const status = await execa('git', ['status', '--porcelain'], { cwd: dir, reject: false });
  if (status.exitCode !== 0) return; // not a git repository: nothing to protect against
  if (status.stdout.trim() !== '') {
    const files = status.stdout.split('\n').slice(0, 5).join('\n');
    throw new UserError(`The git tree has uncommitted changes:\n${files}\nCommit or stash them first so the upgrade can be reviewed as one diff, or pass --force.`);
  }
}
