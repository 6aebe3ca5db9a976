/**
 * `mcpforge generate` and `mcpforge check`. Everything is computed in memory first; disk is
 * touched once at the end (generate) or never (check, --dry-run).
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { generateProject } from '../../generators/shared/codegen/index.js';
import { loadSpec } from '../../generators/shared/spec/index.js';
import { listFiles } from '../../generators/shared/tree/list-files.js';
import { UserError } from '../output.js';

interface Plan {
  write: Map<string, string>;
  remove: string[];
  unchanged: string[];
  warnings: string[];
}

async function planGeneration(specOption: string): Promise<{ root: string; plan: Plan }> {
  const specPath = resolve(specOption);
  if (!existsSync(specPath)) {
    throw new UserError(`${specOption} not found in ${process.cwd()}. Run this in a project made by \`mcpforge new\`, or pass --spec <file>.`);
  }
  const root = dirname(specPath);
  const read = (path: string) => {
    const full = join(root, path);
    return existsSync(full) ? readFileSync(full, 'utf8') : undefined;
  };
  const spec = await loadSpec(specPath);
  const generated = await generateProject(spec, { specFile: relative(root, specPath).split(sep).join('/'), readUserFile: read });
  const plan: Plan = { write: new Map(), remove: [], unchanged: [], warnings: generated.warnings };
  for (const [path, content] of generated.files) {
    if (read(path) === content) plan.unchanged.push(path);
    else plan.write.set(path, content);
  }
  for (const [path, content] of generated.userFiles) {
    if (read(path) === undefined) plan.write.set(path, content);
  }
  const keep = new Set(generated.files.keys());
  for (const file of await listFiles(join(root, 'src', 'generated'))) {
    const rel = relative(root, file).split(sep).join('/');
    if (!keep.has(rel)) plan.remove.push(rel);
  }
  return { root, plan };
}

function printPlan(plan: Plan, verb: { write: string; remove: string }): void {
  for (const path of [...plan.write.keys()].sort()) process.stdout.write(`  ${verb.write} ${path}\n`);
  for (const path of plan.remove.sort()) process.stdout.write(`  ${verb.remove} ${path}\n`);
}

export async function generateCommand(options: { spec: string; dryRun?: boolean }): Promise<void> {
  const { root, plan } = await planGeneration(options.spec);
  for (const warning of plan.warnings) process.stderr.write(`warning: ${warning}\n`);
  if (options.dryRun) {
    printPlan(plan, { write: 'would write', remove: 'would remove' });
    process.stdout.write(`${plan.write.size} to write, ${plan.remove.length} to remove, ${plan.unchanged.length} unchanged (dry run: nothing written)\n`);
    return;
  }
  for (const [path, content] of plan.write) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
  for (const path of plan.remove) await rm(join(root, path), { force: true });
  printPlan(plan, { write: 'wrote', remove: 'removed' });
  process.stdout.write(`${plan.write.size} written, ${plan.remove.length} removed, ${plan.unchanged.length} unchanged\n`);
}

export async function checkCommand(options: { spec: string }): Promise<void> {
  const { plan } = await planGeneration(options.spec);
  if (plan.write.size === 0 && plan.remove.length === 0) {
    process.stdout.write(`up to date: ${plan.unchanged.length} generated files match ${options.spec}\n`);
    return;
  }
  printPlan(plan, { write: 'stale or missing:', remove: 'not generated any more:' });
  throw new UserError('generated code is out of date with the spec. Run `mcpforge generate` and commit the result.');
}
