// Regeneration of a synthetic project with many tools (issue 17: a no-op `generate` ≤ 0.5 s, one
// changed schema in 1,000 tools ≤ 1 s). Each tool has an input and an output schema file; a first
// full `mcpforge generate` fills the cache, then each figure is a new CLI process, as a user runs it:
//   - no-op: nothing changed;
//   - one changed schema: one tool's input schema edited before each run (a property renamed back
//     and forth), so every run regenerates exactly that tool.
// Used by `npm run bench` (run.mjs) and `npm run bench:generate` (generate-noop.mjs, more detail).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { discard } from './lib/discard.mjs';
import { log, REPO_ROOT, summary } from './lib/util.mjs';

const CLI = join(REPO_ROOT, 'bin', 'mcpforge.js');

/** Writes the project (spec + schema files) into `dir`; returns the schema file the one-change runs edit. */
export function writeSyntheticProject(dir, count) {
  discard(dir);
  mkdirSync(join(dir, 'schemas'), { recursive: true });
  const tools = [];
  for (let i = 0; i < count; i++) {
    const name = `tool_${String(i).padStart(4, '0')}`;
    tools.push(`  ${name}:\n    description: Benchmark tool number ${i}.\n    input: schemas/${name}.input.json\n    output: schemas/${name}.output.json\n`);
    const input = {
      type: 'object',
      properties: { query: { type: 'string', minLength: 1 }, limit: { type: 'integer', minimum: 1, maximum: 100 }, tags: { type: 'array', items: { type: 'string' } } },
      required: ['query'],
      additionalProperties: false,
    };
    const output = {
      type: 'object',
      properties: { items: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, score: { type: 'number' } }, required: ['id'] } } },
      required: ['items'],
    };
    writeFileSync(join(dir, 'schemas', `${name}.input.json`), JSON.stringify(input, null, 2));
    writeFileSync(join(dir, 'schemas', `${name}.output.json`), JSON.stringify(output, null, 2));
  }
  writeFileSync(join(dir, 'mcpforge.yaml'), `# ${count} tools for the regeneration benchmark\nname: bench\nversion: 0.1.0\ntransports: [stdio]\ntools:\n${tools.join('')}`);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'bench', private: true, type: 'module' }));
  if (!existsSync(join(dir, 'node_modules'))) symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'));
  return join(dir, 'schemas', `tool_${String(Math.min(7, count - 1)).padStart(4, '0')}.input.json`);
}

/** One `mcpforge <args>` CLI process in `dir`: seconds and its last output line. */
export function timeCli(dir, ...args) {
  const started = performance.now();
  const out = execFileSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return { seconds: (performance.now() - started) / 1000, output: out.trim().split('\n').pop() };
}

/** Flips one property name of a schema file (`limit` ↔ `max`): a real change to one tool. */
export function changeOneSchema(file) {
  const text = readFileSync(file, 'utf8');
  writeFileSync(file, text.includes('"limit"') ? text.replace('"limit"', '"max"') : text.replace('"max"', '"limit"'));
}

/**
 * The regeneration figures for a `tools`-tool project: first (full) generation, no-op and
 * one-changed-schema runs (median of `runs`, each a CLI process).
 */
export function runRegeneration({ tools, runs, workDir }) {
  const dir = join(workDir, `regeneration-${tools}`);
  log(`regeneration: writing a ${tools}-tool project and generating it once`);
  const changed = writeSyntheticProject(dir, tools);
  const first = timeCli(dir, 'generate');
  const noop = [];
  const oneChange = [];
  let noopOutput = '';
  let changeOutput = '';
  for (let i = 0; i < runs; i++) {
    const n = timeCli(dir, 'generate');
    noop.push(n.seconds);
    noopOutput = n.output;
    changeOneSchema(changed);
    const c = timeCli(dir, 'generate');
    oneChange.push(c.seconds);
    changeOutput = c.output;
    log(`regeneration round ${i + 1}: no-op ${n.seconds.toFixed(3)} s, one changed schema ${c.seconds.toFixed(3)} s`);
  }
  if (/up to date/.test(changeOutput)) throw new Error(`the one-changed-schema run regenerated nothing: "${changeOutput}"`);
  return { tools, firstSeconds: first.seconds, noop: { seconds: summary(noop), output: noopOutput }, oneChange: { seconds: summary(oneChange), output: changeOutput } };
}
