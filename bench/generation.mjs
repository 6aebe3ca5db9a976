// Generation benchmark (issue 8 item 4; targets in bench/README.md): an OpenAPI description → a project that
// type-checks, mcpforge vs openapi-mcp-generator on the same file, contenders alternating
// (order rotated every round); then a no-op `mcpforge generate` of the project just imported.
//   - full run: the whole GitHub REST API description (@octokit/openapi, ~1,100 operations);
//   - --quick: the petstore fixture (test/fixtures/openapi), so CI only checks that it all runs.
// For each contender: wall time of the generator's CLI process, `tsc --noEmit` time and errors,
// tool count, tools without input validation, and the size of what tools/list would serve.
// openapi-mcp-generator and its generated project's dependencies are installed (pinned) into
// bench/.deps-openapi on first use; they are not dependencies of mcpforge.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { installPinned } from './lib/baselines.mjs';
import { discard } from './lib/discard.mjs';
import { BENCH_DIR, REPO_ROOT, log, rotated, summary } from './lib/util.mjs';

export const OMG_VERSION = '4.0.1';
const DEPS = join(BENCH_DIR, '.deps-openapi');
const WORK = join(BENCH_DIR, '.work', 'generation');
// A project is type-checked by the TypeScript it declares: mcpforge's by the one `mcpforge new`
// writes into package.json (templates/app/package.json.hbs: TypeScript 7, held by the
// test/typescript-7 workspace), openapi-mcp-generator's by the one its package.json declares.
// mcpforge's project is also checked with TypeScript 5 (the toolkit's own), which projects made
// before the template moved to 7 keep, printed for reference.
const PROJECT_TSC = join(REPO_ROOT, 'test', 'typescript-7', 'node_modules', '.bin', 'tsc');
const TSC5 = join(REPO_ROOT, 'node_modules', '.bin', 'tsc');
const CLI = join(REPO_ROOT, 'bin', 'mcpforge.js');

/** The OpenAPI description to generate from: GitHub's (full run) or the petstore fixture (quick). */
export function generationInput(quick) {
  if (quick) return { label: 'petstore fixture (OpenAPI 3.0)', file: join(REPO_ROOT, 'test/fixtures/openapi/petstore-3.0.yaml') };
  const require = createRequire(join(REPO_ROOT, 'package.json'));
  const pkg = require.resolve('@octokit/openapi/package.json');
  const { version } = JSON.parse(readFileSync(pkg, 'utf8'));
  return { label: `GitHub REST API (@octokit/openapi ${version}, api.github.com.json)`, file: join(dirname(pkg), 'generated', 'api.github.com.json') };
}

function timed(fn) {
  const started = performance.now();
  const value = fn();
  return { value, seconds: (performance.now() - started) / 1000 };
}

/** `tsc --noEmit` in `dir`: seconds and the number of errors (or why it did not finish). */
function typeCheck(dir, timeoutSeconds, tsc) {
  const { value, seconds } = timed(() =>
    spawnSync(tsc, ['--noEmit', '-p', 'tsconfig.json'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: timeoutSeconds * 1000,
      env: { ...process.env, NODE_OPTIONS: '--max-old-space-size=4096' },
      maxBuffer: 256 * 1024 * 1024,
    }),
  );
  if (value.error || value.signal) return { seconds, errors: -1, detail: `did not finish in ${timeoutSeconds} s (${value.signal ?? value.error?.message})` };
  const out = `${value.stdout}${value.stderr}`;
  const codes = out.match(/error TS\d+/g) ?? [];
  if (codes.length === 0 && value.status !== 0) return { seconds, errors: -1, detail: `tsc exit ${value.status}: ${out.slice(-300)}` };
  return { seconds, errors: codes.length, detail: [...new Set(codes.map((c) => c.slice(6)))].slice(0, 3).join(', ') };
}

/** `tsc --version`'s number (asked once per compiler: every round reports it). */
const versions = new Map();
function tscVersion(tsc) {
  if (!versions.has(tsc)) versions.set(tsc, spawnSync(tsc, ['--version'], { encoding: 'utf8' }).stdout.replace('Version', '').trim());
  return versions.get(tsc);
}

/** A project made by `mcpforge new --example none`-like setup, so `import openapi` runs as a user runs it. */
export function emptyMcpforgeProject(dir) {
  // Moved aside, not deleted: deleting the last round's 9,143 files here slowed this round's writes (lib/discard.mjs).
  discard(dir);
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'mcpforge.yaml'), 'name: bench-import\nversion: 0.1.0\ntools: {}\n');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'bench-import', private: true, type: 'module' }));
  cpSync(join(REPO_ROOT, 'templates/app/tsconfig.json'), join(dir, 'tsconfig.json'));
  cpSync(join(REPO_ROOT, 'templates/app/src/server.ts'), join(dir, 'src/server.ts'));
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
}

/**
 * tools/list as the runtime serves it: the manifest's tools, schemas byte for byte. The module is
 * run as the server runs it (types stripped): a large manifest builds its tools from the
 * precomputed listing when they are first read, so its text cannot simply be cut out.
 */
function mcpforgeToolsList(dir) {
  const ts = createRequire(join(REPO_ROOT, 'package.json'))('typescript');
  const source = readFileSync(join(dir, 'src/generated/manifest.ts'), 'utf8');
  const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } });
  const exports = {};
  // The manifest imports types only, so the CommonJS output requires nothing.
  Function('exports', outputText)(exports);
  return Object.values(exports.manifest.tools).map(({ name, title, description, inputSchema, outputSchema, annotations }) => ({ name, title, description, inputSchema, outputSchema, annotations }));
}

const mcpforge = {
  id: 'mcpforge',
  label: 'mcpforge import openapi',
  run(input, { tscTimeout }, round) {
    const dir = join(WORK, 'mcpforge');
    emptyMcpforgeProject(dir);
    const gen = timed(() => execFileSync(process.execPath, [CLI, 'import', 'openapi', input.file], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 }));
    const check = typeCheck(dir, tscTimeout, PROJECT_TSC);
    // TypeScript 5 is reported, not in the total that the target reads: first round only (see ONCE).
    const older = round === 0 ? typeCheck(dir, tscTimeout, TSC5) : undefined;
    const tools = mcpforgeToolsList(dir);
    const validated = tools.filter((t) => existsSync(join(dir, `src/generated/validators/${t.name}.input.js`))).length;
    return { dir, generateSeconds: gen.seconds, tscSeconds: check.seconds, tscErrors: check.errors, tscDetail: check.detail, ...(older ? { tsc5Seconds: older.seconds, tsc5Errors: older.errors } : {}), typescript: tscVersion(PROJECT_TSC), typescript5: tscVersion(TSC5), tools: tools.length, toolsWithoutValidation: tools.length - validated, toolsListBytes: JSON.stringify({ tools }).length };
  },
};

const openapiMcpGenerator = {
  id: 'openapi-mcp-generator',
  label: `openapi-mcp-generator ${OMG_VERSION}`,
  prepare() {
    installPinned(join(DEPS, 'generator'), { 'openapi-mcp-generator': OMG_VERSION }, 'openapi-mcp-generator (generation benchmark contender)');
  },
  run(input, { tscTimeout, quick }, round) {
    const bin = join(DEPS, 'generator', 'node_modules', '.bin', 'openapi-mcp-generator');
    const dir = join(WORK, 'openapi-mcp-generator');
    discard(dir);
    const gen = timed(() => execFileSync(bin, ['--input', input.file, '--output', dir, '--force'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 }));
    // Its project type-checks against the dependencies it declares: installed once, exactly
    // those ranges (the generator writes the same package.json for every input).
    // --quick skips it: that install and its 18 s type-check of even a 5-tool project would
    // double the CI smoke run, and the smoke run checks mcpforge's side.
    let check = { seconds: Number.NaN, errors: -1, detail: 'not run (--quick)' };
    // Its type-check (~20 s, the same project every round: the generator is deterministic) runs in
    // the first round only (see ONCE); every round's total adds that one measurement.
    const checkRound = round === 0;
    if (!quick && checkRound) {
      const declared = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      const projectDeps = join(DEPS, 'project');
      installPinned(projectDeps, { ...declared.dependencies, ...declared.devDependencies }, "openapi-mcp-generator's generated project", { ignoreScripts: true });
      symlinkSync(join(projectDeps, 'node_modules'), join(dir, 'node_modules'), 'dir');
      const own = join(projectDeps, 'node_modules', '.bin', 'tsc');
      const tsc = existsSync(own) ? own : TSC5;
      check = { ...typeCheck(dir, tscTimeout, tsc), typescript: tscVersion(tsc) };
    }
    // Its tool definitions are a Map of name → { name, description, inputSchema, ... } in
    // src/index.ts; tools/list serves them as they are. Its schemas are converted to zod at run
    // time and a tool whose conversion fails skips validation (counting those needs its server
    // running, so it is not repeated here: an earlier measurement found 57 on GitHub).
    const source = readFileSync(join(dir, 'src', 'index.ts'), 'utf8');
    const tools = (source.match(/\["[^"]+",\s*\{\s*name: "/g) ?? []).length;
    const start = source.indexOf('const toolDefinitionMap');
    const end = source.indexOf('// Security schemes');
    const defs = start >= 0 ? source.slice(start, end > start ? end : undefined) : '';
    return { dir, generateSeconds: gen.seconds, ...(checkRound ? { tscSeconds: check.seconds, tscErrors: check.errors, tscDetail: check.detail, typescript: check.typescript } : {}), tools, toolsWithoutValidation: null, toolsListBytes: defs.length };
  },
};

/** No-op `mcpforge generate` (nothing changed since the import), as a user runs it: a new process each time. */
function noopGenerate(dir, runs) {
  const samples = [];
  let last = '';
  for (let i = 0; i < runs; i++) {
    const { value, seconds } = timed(() => execFileSync(process.execPath, [CLI, 'generate'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
    samples.push(seconds);
    last = value.trim().split('\n').pop() ?? '';
  }
  const startup = [];
  for (let i = 0; i < runs; i++) startup.push(timed(() => execFileSync(process.execPath, [CLI, '--version'], { stdio: 'ignore' })).seconds);
  return { seconds: summary(samples), samples, output: last, cliStartupSeconds: summary(startup) };
}

/**
 * ONCE: the type-checks no target reads (openapi-mcp-generator's project, ~20 s; ours with
 * TypeScript 5, ~6 s) run in the first round only, not in every round: two thirds of ~80 s that
 * kept the full `npm run bench` over its 15 minutes, for figures that are comparisons only. The
 * generation itself, and our type-check with the TypeScript the project declares (the target's
 * total), are measured in every round.
 *
 * Runs the generation benchmark. `settings`: { quick, genRounds, noopRuns, tscTimeout }.
 * Returns { input, contenders, runs, stats, noop }.
 */
export function runGeneration(settings) {
  const input = generationInput(settings.quick);
  if (!existsSync(PROJECT_TSC)) throw new Error(`generation benchmark: ${PROJECT_TSC} not found (npm ci installs the test/typescript-7 workspace)`);
  if (!existsSync(input.file)) throw new Error(`generation benchmark: ${input.file} not found (npm ci installs @octokit/openapi as a devDependency)`);
  mkdirSync(WORK, { recursive: true });
  const contenders = [mcpforge, openapiMcpGenerator];
  for (const c of contenders) c.prepare?.();
  const runs = [];
  let lastMcpforgeDir;
  for (let round = 0; round < settings.genRounds; round++) {
    for (const c of rotated(contenders, round)) {
      const r = c.run(input, settings, round);
      if (c.id === 'mcpforge') lastMcpforgeDir = r.dir;
      delete r.dir;
      runs.push({ round: round + 1, id: c.id, ...r });
      log(`generation round ${round + 1} ${c.id.padEnd(22)} generate ${r.generateSeconds.toFixed(2)} s  tsc ${r.tscSeconds === undefined ? 'measured in round 1' : `${r.tscSeconds.toFixed(2)} s (${r.tscErrors} errors${r.tscDetail ? `: ${r.tscDetail}` : ''})`}${r.tsc5Seconds === undefined ? '' : `  [TypeScript 5: ${r.tsc5Seconds.toFixed(2)} s, ${r.tsc5Errors} errors]`}  ${r.tools} tools`);
    }
  }
  const stats = {};
  for (const c of contenders) {
    const mine = runs.filter((r) => r.id === c.id);
    const last = mine[mine.length - 1];
    const checked = mine.filter((r) => r.tscSeconds !== undefined);
    const lastChecked = checked[checked.length - 1];
    const tscSeconds = summary(checked.map((r) => r.tscSeconds));
    const withTsc5 = mine.filter((r) => r.tsc5Seconds !== undefined);
    stats[c.id] = {
      generateSeconds: summary(mine.map((r) => r.generateSeconds)),
      tscSeconds,
      // A round without its own type-check adds the median of those measured (ONCE).
      totalSeconds: summary(mine.map((r) => r.generateSeconds + (r.tscSeconds ?? tscSeconds.median))),
      tscErrors: lastChecked.tscErrors,
      tscDetail: lastChecked.tscDetail,
      typescript: lastChecked.typescript,
      ...(withTsc5.length === 0 ? {} : { tsc5Seconds: summary(withTsc5.map((r) => r.tsc5Seconds)), tsc5Errors: withTsc5[withTsc5.length - 1].tsc5Errors, typescript5: last.typescript5 }),
      tools: last.tools,
      toolsWithoutValidation: last.toolsWithoutValidation,
      toolsListBytes: last.toolsListBytes,
    };
  }
  // The project from mcpforge's last round is up to date: `generate` must find nothing to do.
  const noop = noopGenerate(lastMcpforgeDir, settings.noopRuns);
  log(`no-op generate: median ${noop.seconds.median.toFixed(3)} s (CLI start-up alone ${noop.cliStartupSeconds.median.toFixed(3)} s): ${noop.output}`);
  return { input: input.label, contenders: contenders.map(({ id, label }) => ({ id, label })), runs, stats, noop };
}
