#!/usr/bin/env node
// What the GitHub import's time is made of, measured apart (evidence for bench/README.md,
// "Generation", round twelve):
//   1. the batch phase's parts in ONE thread, in this process: json-schema-to-typescript, prettier
//      (as the emit batches format type modules), ajv's compiles of the distinct validators, the
//      contract cases; wall and process CPU each. The import runs them on two threads, so half
//      their CPU is the floor of its batch phase on two cores;
//   2. the project's files written again with the toolkit's own `writeFiles`, several times,
//      each into a fresh folder, right after the previous write or after a pause: the same
//      files and bytes, so any spread is the file system's (the kernel's time), not the toolkit's.
// The project comes from one `mcpforge import openapi` of the GitHub description into
// bench/.work/generation-floor (made on first use; `--fresh` makes it again).
// Usage: node bench/generation-floor.mjs [--fresh] [--writes N] [--pause MS]   (needs `npm run build`)
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { emptyMcpforgeProject, generationInput } from './generation.mjs';
import { discard } from './lib/discard.mjs';
import { ensureToolkitBuilt } from './lib/projects.mjs';
import { BENCH_DIR, REPO_ROOT } from './lib/util.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const writes = option('--writes', 4);
const pause = option('--pause', 2000);

ensureToolkitBuilt();
const dist = (path) => import(pathToFileURL(join(REPO_ROOT, 'dist', path)).href);
const dir = join(BENCH_DIR, '.work', 'generation-floor');
if (args.includes('--fresh') || !existsSync(join(dir, '.mcpforge', 'cache.json'))) {
  emptyMcpforgeProject(dir);
  execFileSync(process.execPath, [join(REPO_ROOT, 'bin/mcpforge.js'), 'import', 'openapi', generationInput(false).file], { cwd: dir, stdio: 'ignore' });
}

const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
async function measured(label, run) {
  const cpu = cpuMs();
  const started = performance.now();
  const value = await run();
  const wall = performance.now() - started;
  const used = cpuMs() - cpu;
  console.log(`| ${label} | ${wall.toFixed(0)} | ${used.toFixed(0)} |`);
  return { value, wall, cpu: used };
}

// 1. The batch phase's parts, one thread.
const { loadSpec } = await dist('generators/shared/spec/index.js');
const { ValidatorCompiler } = await dist('generators/shared/codegen/emit-validators.js');
const { emitTypes } = await dist('generators/shared/codegen/emit-types.js');
const { formatTypeScript } = await dist('generators/shared/codegen/format.js');
const { toolContractCases } = await dist('generators/shared/codegen/contract-cases.js');

console.log(`## The batch phase's parts in one thread (${new Date().toISOString()}, load ${(await import('node:os')).loadavg()[0].toFixed(2)})\n`);
console.log('| part | wall ms | process CPU ms |\n|---|--:|--:|');
const { value: spec } = await measured('load the spec (not part of the batches)', () => loadSpec(join(dir, 'mcpforge.yaml')));
const parts = [];
const types = new Map();
parts.push(
  await measured(`json-schema-to-typescript, ${spec.tools.length} type modules`, async () => {
    for (const tool of spec.tools) {
      const roots = [{ name: 'Input', schema: tool.input }, ...(tool.output ? [{ name: 'Output', schema: tool.output }] : [])];
      types.set(`src/generated/types/${tool.name}.ts`, await emitTypes(roots));
    }
  }),
);
parts.push(await measured('prettier, the same modules (declarations formatted once each)', () => formatTypeScript(types)));
const validators = new ValidatorCompiler();
const distinct = new Set();
parts.push(
  await measured('ajv, the distinct validators', () => {
    for (const tool of spec.tools) {
      for (const schema of [tool.input, ...(tool.output ? [tool.output] : [])]) {
        distinct.add(ValidatorCompiler.keyOf(schema));
        validators.compile(schema);
      }
    }
  }),
);
parts.push(await measured('contract cases', () => spec.tools.forEach((tool) => toolContractCases(tool, (loaded) => validators.functionFor(loaded)))));
const total = parts.reduce((sum, p) => ({ wall: sum.wall + p.wall, cpu: sum.cpu + p.cpu }), { wall: 0, cpu: 0 });
console.log(`| **sum of the parts** (${distinct.size} distinct validators) | **${total.wall.toFixed(0)}** | **${total.cpu.toFixed(0)}** |`);
console.log(`\nHalf the parts' CPU, the batch phase's floor on two cores: ${(total.cpu / 2000).toFixed(2)} s.\n`);

// 2. The same files written again.
const files = new Map();
const walk = (folder) => {
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue;
    const full = join(folder, entry.name);
    if (entry.isDirectory()) walk(full);
    else files.set(relative(dir, full), readFileSync(full, 'utf8'));
  }
};
walk(dir);
const bytes = [...files.values()].reduce((n, text) => n + Buffer.byteLength(text), 0);
const { writeFiles } = await dist('generators/generate/project.js');
const out = join(BENCH_DIR, '.work', 'generation-floor-writes');
console.log(`## The project's ${files.size.toLocaleString('en')} files (${(bytes / 1e6).toFixed(1)} MB) written again with writeFiles, each time into a new folder\n`);
console.log('| write | before it | wall ms | process CPU ms (user / sys) |\n|--:|---|--:|--:|');
// The last run's folders moved aside, not deleted right before the timed writes (lib/discard.mjs).
discard(out);
for (let i = 0; i < writes * 2; i++) {
  const paused = i % 2 === 1;
  if (paused) await new Promise((resolve) => setTimeout(resolve, pause));
  const before = process.cpuUsage();
  const started = performance.now();
  await writeFiles(join(out, String(i)), files, new Set(files.keys()));
  const wall = performance.now() - started;
  const used = process.cpuUsage(before);
  console.log(`| ${i + 1} | ${paused ? `a ${pause} ms pause` : 'the previous write'} | ${wall.toFixed(0)} | ${((used.user + used.system) / 1000).toFixed(0)} (${(used.user / 1000).toFixed(0)} / ${(used.system / 1000).toFixed(0)}) |`);
}
rmSync(out, { recursive: true, force: true });
