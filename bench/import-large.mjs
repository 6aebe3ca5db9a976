// Large-import benchmark (issue 15 item 4): a synthetic OpenAPI description with N operations
// (default 10,000; bench/lib/synthetic-openapi.mjs) → `mcpforge import openapi` → `tsc --noEmit`.
// Prints the import time, the type-check time and errors, the tool count and peak memory.
//   node bench/import-large.mjs [--operations 10000]
// Needs `npm run build` first (it runs the built CLI, as a user would).
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { discard } from './lib/discard.mjs';
import { syntheticOpenApi } from './lib/synthetic-openapi.mjs';
import { BENCH_DIR, REPO_ROOT, log } from './lib/util.mjs';

const arg = process.argv.indexOf('--operations');
const operations = arg > 0 ? Number(process.argv[arg + 1]) : 10_000;
const dir = join(BENCH_DIR, '.work', 'import-large');

// Moved aside, not deleted, before the timed import (lib/discard.mjs).
discard(dir);
mkdirSync(join(dir, 'src'), { recursive: true });
writeFileSync(join(dir, 'api.json'), JSON.stringify(syntheticOpenApi(operations)));
writeFileSync(join(dir, 'mcpforge.yaml'), 'name: large\nversion: 0.1.0\ntools: {}\n');
writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'large', private: true, type: 'module' }));
cpSync(join(REPO_ROOT, 'templates/app/tsconfig.json'), join(dir, 'tsconfig.json'));
cpSync(join(REPO_ROOT, 'templates/app/src/server.ts'), join(dir, 'src/server.ts'));
symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'));

const run = (command, args) => {
  const started = performance.now();
  const result = spawnSync(command, args, { cwd: dir, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, env: { ...process.env, NODE_OPTIONS: '--max-old-space-size=8192' } });
  return { ...result, seconds: (performance.now() - started) / 1000 };
};

log(`import-large: ${operations.toLocaleString('en')} synthetic operations`);
const imported = run('/usr/bin/time', ['-f', '%M', process.execPath, join(REPO_ROOT, 'bin/mcpforge.js'), 'import', 'openapi', 'api.json', '--name', 'synth']);
const peakMb = Math.round(Number(/(\d+)\s*$/.exec(imported.stderr ?? '')?.[1] ?? 0) / 1024);
if (imported.status !== 0) {
  log(`import FAILED (exit ${imported.status}):\n${(imported.stdout + imported.stderr).slice(-3000)}`);
  process.exit(1);
}
const tools = readdirSync(join(dir, 'src/tools')).length;
const checked = run(join(REPO_ROOT, 'node_modules/.bin/tsc'), ['--noEmit', '-p', 'tsconfig.json']);
const errors = (checked.stdout.match(/error TS\d+/g) ?? []).length;
log(`  import:     ${imported.seconds.toFixed(1)} s, ${tools} tools, peak ${peakMb} MB`);
log(`  type-check: ${checked.seconds.toFixed(1)} s, ${errors} errors${checked.status === 0 ? '' : ` (exit ${checked.status})`}`);
console.log(JSON.stringify({ bench: 'import-large', operations, tools, importSeconds: +imported.seconds.toFixed(1), peakMb, typeCheckSeconds: +checked.seconds.toFixed(1), typeErrors: errors }));
process.exit(checked.status === 0 && tools === operations ? 0 : 1);
