/**
 * Generation benchmark on the whole GitHub REST API description (@octokit/openapi), side by side
 * with openapi-mcp-generator 4.0.1 on the same file, in the same run (DESIGN §8).
 *
 *   npm run bench:github
 *
 * For each: wall time to write the project, `tsc --noEmit` result and time, tools without input
 * validation, and the size of `tools/list`. openapi-mcp-generator is installed on first use into
 * bench/.deps-openapi (git-ignored; not a dependency of mcpforge).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The mcpforge checkout (this file runs compiled from .tmp/bench/). */
function findRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) || JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).name !== 'mcpforge') dir = path.dirname(dir);
  return dir;
}
const ROOT = findRoot();
const require = createRequire(import.meta.url);
const GITHUB = path.join(path.dirname(require.resolve('@octokit/openapi/package.json')), 'generated', 'api.github.com.json');
const WORK = path.join(ROOT, '.tmp', 'bench-github');
const DEPS = path.join(ROOT, 'bench', '.deps-openapi');
const TSC = path.join(ROOT, 'node_modules', '.bin', 'tsc');
const OMG_VERSION = '4.0.1';

interface Result {
  name: string;
  generateSeconds: number;
  tscSeconds: number;
  tscErrors: number | string;
  tools: number;
  toolsWithoutValidation: number | string;
  toolsListBytes: number;
}

function time<T>(fn: () => T): { value: T; seconds: number } {
  const started = performance.now();
  const value = fn();
  return { value, seconds: (performance.now() - started) / 1000 };
}

function tsc(dir: string, timeoutSeconds = 300): { seconds: number; errors: number | string } {
  const { value, seconds } = time(() =>
    spawnSync(TSC, ['--noEmit', '-p', 'tsconfig.json'], { cwd: dir, encoding: 'utf8', timeout: timeoutSeconds * 1000, env: { ...process.env, NODE_OPTIONS: '--max-old-space-size=4096' }, maxBuffer: 256 * 1024 * 1024 }),
  );
  if (value.error || value.signal) return { seconds, errors: `did not finish (${value.signal ?? value.error?.message})` };
  const out = `${value.stdout}${value.stderr}`;
  const errors = (out.match(/error TS\d+/g) ?? []).length;
  const codes = [...new Set(out.match(/error TS\d+/g) ?? [])].slice(0, 3).join(', ');
  return { seconds, errors: errors === 0 && value.status !== 0 ? `exit ${value.status}: ${out.slice(-200)}` : errors > 0 ? `${errors} (${codes})` : 0 };
}

function mcpforge(): Result {
  const dir = path.join(WORK, 'mcpforge');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.join(dir, 'src'), { recursive: true });
  writeFileSync(path.join(dir, 'mcpforge.yaml'), 'name: github\nversion: 0.1.0\ntools: {}\n');
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'github', private: true, type: 'module' }));
  cpSync(path.join(ROOT, 'templates/app/tsconfig.json'), path.join(dir, 'tsconfig.json'));
  cpSync(path.join(ROOT, 'templates/app/src/server.ts'), path.join(dir, 'src/server.ts'));
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  const gen = time(() => execFileSync(process.execPath, [path.join(ROOT, 'bin/mcpforge.js'), 'import', 'openapi', GITHUB, '--name', 'github'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
  const check = tsc(dir);
  // tools/list as the runtime serves it: the manifest's tools, schemas byte for byte.
  const manifest = readFileSync(path.join(dir, 'src/generated/manifest.ts'), 'utf8');
  // `= { ... };` or, for a large manifest, `= JSON.parse("...");`.
  const literal = manifest.slice(manifest.indexOf('Manifest = ') + 'Manifest = '.length, manifest.lastIndexOf(';'));
  const parsed = Function(`return (${literal});`)() as { tools: Record<string, { name: string; title?: string; description: string; inputSchema: unknown; outputSchema?: unknown; annotations?: unknown }> };
  const tools = Object.values(parsed.tools).map(({ name, title, description, inputSchema, outputSchema, annotations }) => ({ name, title, description, inputSchema, outputSchema, annotations }));
  const validators = tools.filter((t) => existsSync(path.join(dir, `src/generated/validators/${t.name}.input.js`))).length;
  return {
    name: 'mcpforge',
    generateSeconds: gen.seconds,
    tscSeconds: check.seconds,
    tscErrors: check.errors,
    tools: tools.length,
    toolsWithoutValidation: tools.length - validators,
    toolsListBytes: JSON.stringify({ tools }).length,
  };
}

function openapiMcpGenerator(): Result {
  const bin = path.join(DEPS, 'node_modules', '.bin', 'openapi-mcp-generator');
  if (!existsSync(bin)) {
    mkdirSync(DEPS, { recursive: true });
    if (!existsSync(path.join(DEPS, 'package.json'))) writeFileSync(path.join(DEPS, 'package.json'), '{"name":"deps-openapi","private":true}\n');
    execFileSync('npm', ['install', '--no-audit', '--no-fund', `openapi-mcp-generator@${OMG_VERSION}`], { cwd: DEPS, stdio: 'inherit' });
  }
  const dir = path.join(WORK, 'openapi-mcp-generator');
  rmSync(dir, { recursive: true, force: true });
  const gen = time(() => execFileSync(bin, ['--input', GITHUB, '--output', dir, '--force'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
  // Its project needs its own dependencies to type-check: install them once (kept between runs).
  const deps = path.join(WORK, 'omg-node_modules');
  if (!existsSync(path.join(deps, 'node_modules'))) {
    mkdirSync(deps, { recursive: true });
    cpSync(path.join(dir, 'package.json'), path.join(deps, 'package.json'));
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: deps, stdio: 'inherit' });
  }
  symlinkSync(path.join(deps, 'node_modules'), path.join(dir, 'node_modules'));
  const check = tsc(dir);
  // Its tool definitions live in src/index.ts as a Map of name → { inputSchema, ... }: tools/list
  // serves them as they are. Tools whose schema could not be converted skip validation.
  const source = readFileSync(path.join(dir, 'src', 'index.ts'), 'utf8');
  const tools = (source.match(/\["[^"]+",\s*\{\s*name: "/g) ?? []).length;
  const defs = source.slice(source.indexOf('const toolDefinitionMap'), source.indexOf('// Security schemes') > 0 ? source.indexOf('// Security schemes') : undefined);
  return {
    name: `openapi-mcp-generator ${OMG_VERSION}`,
    generateSeconds: gen.seconds,
    tscSeconds: check.seconds,
    tscErrors: check.errors,
    tools,
    // It converts schemas to zod at run time and skips validation where that fails: counting
    // those needs its server running (DESIGN §8 measured 57); not repeated here.
    toolsWithoutValidation: 'not measured (run-time zod conversion)',
    toolsListBytes: defs.length,
  };
}

mkdirSync(WORK, { recursive: true });
const ours = mcpforge();
const theirs = openapiMcpGenerator();
const ratio = (a: number, b: number) => (b === 0 ? '–' : `${(a / b).toFixed(2)}×`);
const rows: Array<[string, (r: Result) => string, string]> = [
  ['import + generate (s)', (r) => r.generateSeconds.toFixed(1), ratio(ours.generateSeconds, theirs.generateSeconds)],
  ['tsc --noEmit (s)', (r) => r.tscSeconds.toFixed(1), ratio(ours.tscSeconds, theirs.tscSeconds)],
  ['total (s)', (r) => (r.generateSeconds + r.tscSeconds).toFixed(1), ratio(ours.generateSeconds + ours.tscSeconds, theirs.generateSeconds + theirs.tscSeconds)],
  ['tsc errors', (r) => String(r.tscErrors), ''],
  ['tools', (r) => String(r.tools), ''],
  ['tools without input validation', (r) => String(r.toolsWithoutValidation), ''],
  ['tools/list (MB)', (r) => (r.toolsListBytes / 1e6).toFixed(2), ratio(ours.toolsListBytes, theirs.toolsListBytes)],
  ['tools/list (~k tokens)', (r) => String(Math.round(r.toolsListBytes / 4 / 1000)), ''],
];
console.log(`\nGitHub REST API (${path.relative(ROOT, GITHUB)}), Node ${process.version}\n`);
console.log(`| metric | ${ours.name} | ${theirs.name} | mcpforge / other |`);
console.log('|---|--:|--:|--:|');
for (const [label, get, r] of rows) console.log(`| ${label} | ${get(ours)} | ${get(theirs)} | ${r} |`);
