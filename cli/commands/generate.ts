/**
 * `mcpforge generate` and `mcpforge check`. Everything is planned in memory first; disk is
 * touched once at the end (generate), or never (check, --dry-run, and any run with a conflict).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { commitPlan, planProject, type PlanOutcome } from '../../generators/generate/project.js';
import type { SyncPlan } from '../../generators/shared/merge/sync.js';
import { UserError } from '../output.js';
import { useGenerationJitBudget } from '../jit-budget.js';

export interface GenerateOptions {
  spec: string;
  dryRun?: boolean;
  /** commander's `--no-cache`. */
  cache?: boolean;
  allowRemoteRefs?: boolean;
}

export function specPathOf(option: string): string {
  const specPath = resolve(option);
  if (!existsSync(specPath)) {
    throw new UserError(`${option} not found in ${process.cwd()}. Run this in a project made by \`mcpforge new\`, or pass --spec <file>.`);
  }
  return specPath;
}

export async function generateCommand(options: GenerateOptions): Promise<void> {
  const started = performance.now();
  useGenerationJitBudget();
  const outcome = await planProject({ specPath: specPathOf(options.spec), useCache: options.cache !== false, allowRemoteRefs: options.allowRemoteRefs, refreshStats: !options.dryRun, prestartWorker: true });
  const elapsed = () => `${((performance.now() - started) / 1000).toFixed(2)}s`;
  if (outcome.upToDate) {
    for (const warning of outcome.warnings) process.stderr.write(`warning: ${warning}\n`);
    process.stdout.write(`up to date: nothing changed since the last generation (${outcome.files} generated files, ${elapsed()})\n`);
    return;
  }
  const { plan, root } = outcome;
  reportPlan(plan, { dryRun: options.dryRun ?? false });
  if (options.dryRun) {
    process.stdout.write(`${summary(plan)} (dry run: nothing written)\n`);
    return;
  }
  await commitPlan(root, plan);
  process.stdout.write(`${summary(plan)}; ${plan.emitted} of ${plan.entries} entries regenerated (the others reused from the cache), in ${elapsed()}\n`);
}

/**
 * Prints warnings, then the conflicts (and fails: nothing is written), then what the plan does.
 * With `dryRun`, also what would be left alone.
 */
export function reportPlan(plan: SyncPlan, options: { dryRun: boolean }): void {
  for (const warning of plan.warnings) process.stderr.write(`warning: ${warning}\n`);
  if (plan.conflicts.length > 0) {
    for (const conflict of plan.conflicts) {
      process.stderr.write(`\nconflict: ${conflict.path}\n  found:    ${conflict.found}\n  expected: ${conflict.expected}\n`);
    }
    throw new UserError(
      `${plan.conflicts.length} handler file${plan.conflicts.length === 1 ? '' : 's'} cannot be updated safely, so nothing was written (not even src/generated/). ` +
        'Make each file match the expected shape above, then run `mcpforge generate` again.',
    );
  }
  const would = options.dryRun ? 'would ' : '';
  const line = (verb: string, path: string, detail = '') => process.stdout.write(`  ${(would + verb).padEnd(options.dryRun ? 14 : 8)} ${path}${detail}\n`);
  for (const path of [...plan.create.keys()].sort()) line('create', path);
  for (const [path, update] of [...plan.update].sort(([a], [b]) => (a < b ? -1 : 1))) line('update', path, `  (${update.changes.join('; ')})`);
  for (const path of [...plan.write.keys()].sort()) line('write', path);
  for (const path of plan.remove) line('remove', path);
  if (options.dryRun) {
    for (const path of plan.leftAlone) line('leave', path);
    for (const path of plan.unchanged) line('leave', path);
  }
}

function summary(plan: SyncPlan): string {
  const n = (count: number, what: string) => `${count} ${what}`;
  return [
    n(plan.write.size, 'generated files written'),
    n(plan.remove.length, 'removed'),
    n(plan.unchanged.length, 'unchanged'),
    n(plan.create.size, 'user files created'),
    n(plan.update.size, 'handlers updated'),
    n(plan.leftAlone.length, 'left alone'),
  ].join(', ');
}

export async function checkCommand(options: { spec: string; cache?: boolean }): Promise<void> {
  const outcome: PlanOutcome = await planProject({ specPath: specPathOf(options.spec), useCache: options.cache !== false });
  if (outcome.upToDate) {
    for (const warning of outcome.warnings) process.stderr.write(`warning: ${warning}\n`);
    process.stdout.write(`up to date: ${outcome.files} generated files and every handler match ${options.spec}\n`);
    return;
  }
  const { plan } = outcome;
  for (const warning of plan.warnings) process.stderr.write(`warning: ${warning}\n`);
  const problems: string[] = [];
  for (const path of plan.write.keys()) problems.push(`${path}: ${plan.added.has(path) ? 'missing' : 'stale'} (generate writes it)`);
  for (const path of plan.remove) problems.push(`${path}: no longer generated (generate removes it)`);
  for (const path of plan.create.keys()) problems.push(`${path}: missing (generate creates a stub)`);
  for (const [path, update] of plan.update) problems.push(`${path}: handler does not match the spec: ${update.changes.join('; ')} (generate updates it)`);
  for (const conflict of plan.conflicts) problems.push(`${conflict.path}: handler does not have the expected shape: ${conflict.found}\n      expected: ${conflict.expected}`);
  if (problems.length === 0) {
    process.stdout.write(`up to date: ${plan.unchanged.length} generated files and every handler match ${options.spec}\n`);
    return;
  }
  for (const problem of problems.sort()) process.stdout.write(`  ${problem}\n`);
  throw new UserError(`${problems.length} difference${problems.length === 1 ? '' : 's'} from what \`mcpforge generate\` would write. Run it and commit the result.`);
}
