/**
 * `mcpforge generate` against a project folder: read the files generation looks at, decide from
 * the content-hash cache whether anything can have changed, plan in memory (pure, see
 * generators/shared/merge/sync.ts) and commit the plan to disk in one go.
 *
 * Kept light on purpose: the no-op path imports only node built-ins, so `generate` on an
 * unchanged 1,000-tool project answers well under a second. The spec loader, the code generator
 * and the TypeScript parser load only when a plan is needed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { generatorFingerprint, sha256 } from '../shared/codegen/content-hash.js';
import type { CacheRecord, SyncPlan } from '../shared/merge/sync.js';
import { listFilesSync } from '../shared/tree/list-files.js';
import type { LintOptions } from '../shared/spec/lint.js';
import type { LoadedSpec } from '../shared/spec/types.js';

export const CACHE_FILE = '.mcpforge/cache.json';

/** Folders (and files) of a project that generation reads; everything else is never looked at. */
// src/auth.ts: the user-owned hook of auth.mode custom (created once, never overwritten).
const SCANNED = ['src/generated', 'src/tools', 'src/resources', 'src/prompts', 'src/db/schema.ts', 'src/auth.ts', 'test/tools.contract.test.ts'];

export interface PlanOptions {
  /** Absolute path of the spec. */
  specPath: string;
  /** Use `.mcpforge/cache.json` (default true). Without it every entry is emitted afresh. */
  useCache?: boolean;
  /**
   * Contents that take precedence over the disk, by absolute path (what `add` or `import` is about
   * to write): the spec and schema files it loads, and project files generation reads (a handler
   * planned in memory is merged, not replaced by a stub).
   */
  overlay?: ReadonlyMap<string, string>;
  allowRemoteRefs?: boolean;
  /** Lint options (e.g. the `tools/list` token budget). */
  lint?: LintOptions;
}

export type PlanOutcome =
  | { upToDate: true; root: string; files: number }
  | { upToDate: false; root: string; plan: SyncPlan; spec: LoadedSpec };

export async function planProject(options: PlanOptions): Promise<PlanOutcome> {
  const root = dirname(options.specPath);
  const specFile = posix(relative(root, options.specPath));
  const files = readProjectFiles(root);
  for (const [full, text] of options.overlay ?? []) {
    const path = posix(relative(root, full));
    if (SCANNED.some((scanned) => path === scanned || path.startsWith(`${scanned}/`))) files.set(path, text);
  }
  const cache = options.useCache === false ? undefined : readCache(root);
  if (cache && !options.overlay && upToDate(root, specFile, cache, files)) {
    return { upToDate: true, root, files: Object.keys(cache.generated).length };
  }

  const [{ loadSpec }, { planSync }] = await Promise.all([import('../shared/spec/index.js'), import('../shared/merge/sync.js')]);
  const spec = await loadSpec(options.specPath, { files: options.overlay, allowRemoteRefs: options.allowRemoteRefs });
  const remote = [...spec.sources.keys()].some((location) => /^https?:/i.test(location));
  const sources = remote ? null : new Map([...spec.sources].map(([file, text]) => [posix(relative(root, file)), text]));
  const plan = await planSync({ spec, specFile, files, cache, sources, lint: options.lint });
  return { upToDate: false, root, plan, spec };
}

/** Writes a plan (that has no conflicts) and the new cache. Each file is replaced atomically. */
export async function commitPlan(root: string, plan: SyncPlan): Promise<void> {
  if (plan.conflicts.length > 0) throw new Error('refusing to commit a plan with conflicts');
  const writes = new Map<string, string>([...plan.create, ...[...plan.update].map(([path, u]) => [path, u.text] as const), ...plan.write]);
  writes.set(CACHE_FILE, `${JSON.stringify(plan.cache)}\n`);
  await writeFiles(root, writes);
  await Promise.all(plan.remove.map((path) => rm(join(root, path), { force: true })));
  await pruneEmptyDirs(join(root, 'src', 'generated'));
}

export async function writeFiles(root: string, files: ReadonlyMap<string, string>): Promise<void> {
  // Folders first (once each), then the files a batch at a time: one after the other, thousands
  // of small writes (a large import) spend most of their time waiting on the disk.
  const dirs = new Set<string>();
  for (const path of files.keys()) dirs.add(dirname(join(root, path)));
  for (const dir of [...dirs].sort()) await mkdir(dir, { recursive: true });
  const queue = [...files];
  const worker = async () => {
    for (let next = queue.pop(); next; next = queue.pop()) {
      const full = join(root, next[0]);
      const temporary = `${full}.mcpforge-${process.pid}.tmp`;
      await writeFile(temporary, next[1]);
      await rename(temporary, full);
    }
  };
  await Promise.all(Array.from({ length: Math.min(WRITE_CONCURRENCY, queue.length) }, worker));
}

const WRITE_CONCURRENCY = 32;

function readCache(root: string): CacheRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(join(root, CACHE_FILE), 'utf8')) as CacheRecord;
    return record.version === 1 ? record : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Nothing generation reads has changed since the cache was written: same generator, same spec
 * and schema bytes, and the generated and user-owned files are exactly as that run left them
 * (same set of files, same hashes). Then a full run would plan no change at all.
 */
function upToDate(root: string, specFile: string, cache: CacheRecord, files: ReadonlyMap<string, string>): boolean {
  if (cache.specFile !== specFile || cache.sources === null || cache.fingerprint !== generatorFingerprint()) return false;
  for (const [path, hash] of Object.entries(cache.sources)) {
    let text: string;
    try {
      text = readFileSync(join(root, path), 'utf8');
    } catch {
      return false;
    }
    if (sha256(text) !== hash) return false;
  }
  const expected = { ...cache.generated, ...cache.user };
  if (Object.keys(expected).length !== files.size) return false;
  for (const [path, text] of files) if (expected[path] !== sha256(text)) return false;
  return true;
}

/** The files generation reads, keyed by project-relative POSIX path. */
export function readProjectFiles(root: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const path of SCANNED) {
    const full = join(root, path);
    if (!existsSync(full)) continue;
    if (path.endsWith('.ts')) {
      files.set(path, readFileSync(full, 'utf8'));
      continue;
    }
    // Half-written `.tmp` files of an interrupted commit are not part of the project.
    for (const file of listFilesSync(full)) if (!file.endsWith('.tmp')) files.set(posix(relative(root, file)), readFileSync(file, 'utf8'));
  }
  return files;
}

async function pruneEmptyDirs(dir: string): Promise<boolean> {
  if (!existsSync(dir)) return true;
  let empty = true;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory() && (await pruneEmptyDirs(join(dir, entry.name)))) await rmdir(join(dir, entry.name));
    else empty = false;
  }
  return empty;
}

function posix(path: string): string {
  return path.split(sep).join('/');
}
