#!/usr/bin/env node
// Where generation time goes (evidence for bench/README.md, "where the time goes"):
//   1. `node --cpu-prof` of `mcpforge import openapi` on the GitHub description (or the petstore
//      fixture with --quick), summarised by package (bench/profile-summary.mjs);
//   2. `tsc --noEmit --extendedDiagnostics` of the generated project: files, lines, and the
//      parse / bind / check split, with the generated files counted by folder.
// Usage: node bench/profile-generation.mjs [--quick]   (needs `npm run build`)
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { emptyMcpforgeProject, generationInput } from './generation.mjs';
import { ensureToolkitBuilt } from './lib/projects.mjs';
import { BENCH_DIR, REPO_ROOT } from './lib/util.mjs';

const quick = process.argv.includes('--quick');
ensureToolkitBuilt();
const input = generationInput(quick);
const dir = join(BENCH_DIR, '.work', 'profile-generation');
emptyMcpforgeProject(dir);

const profDir = mkdtempSync(join(tmpdir(), 'mcpforge-genprof-'));
const started = performance.now();
execFileSync(process.execPath, ['--cpu-prof', '--cpu-prof-interval', '500', '--cpu-prof-dir', profDir, join(REPO_ROOT, 'bin/mcpforge.js'), 'import', 'openapi', input.file], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
console.log(`## import + generate of ${input.label}: ${((performance.now() - started) / 1000).toFixed(1)} s with the profiler\n`);
for (const f of readdirSync(profDir).filter((n) => n.endsWith('.cpuprofile'))) {
  console.log(execFileSync(process.execPath, [join(BENCH_DIR, 'profile-summary.mjs'), join(profDir, f), '20'], { encoding: 'utf8' }));
}

// Generated files by folder (what tsc has to read).
const counts = new Map();
const walk = (d) => {
  for (const e of readdirSync(d, { withFileTypes: true })) {
    if (e.name === 'node_modules') continue;
    const p = join(d, e.name);
    if (e.isDirectory()) walk(p);
    else {
      const key = relative(dir, d).split('/').slice(0, 3).join('/') + ` (*${e.name.slice(e.name.indexOf('.'))})`;
      const c = counts.get(key) ?? { files: 0, bytes: 0 };
      c.files++;
      c.bytes += statSync(p).size;
      counts.set(key, c);
    }
  }
};
walk(dir);
console.log('## generated files by folder\n\n| folder (extension) | files | MB |\n|---|--:|--:|');
for (const [k, c] of [...counts].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 12)) console.log(`| ${k} | ${c.files} | ${(c.bytes / 1e6).toFixed(2)} |`);

const t = performance.now();
const r = spawnSync(join(REPO_ROOT, 'node_modules/.bin/tsc'), ['--noEmit', '-p', 'tsconfig.json', '--extendedDiagnostics'], { cwd: dir, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
console.log(`\n## tsc --noEmit --extendedDiagnostics (${((performance.now() - t) / 1000).toFixed(1)} s, exit ${r.status})\n`);
const keep = /^(Files|Lines of TypeScript|Lines of JavaScript|Lines of Declarations|Identifiers|Symbols|Types|Instantiations|Memory used|I\/O Read time|Parse time|ResolveModule time|Bind time|Check time|printTime|Emit time|Total time)/;
console.log(r.stdout.split('\n').filter((l) => keep.test(l)).map((l) => `    ${l}`).join('\n'));
