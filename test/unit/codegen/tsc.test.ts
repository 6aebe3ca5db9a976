import { execFileSync, execSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateProject } from '../../../generators/shared/codegen/index.js';
import { loadSpec } from '../../../generators/shared/spec/index.js';
import { COMPILERS } from '../../helpers/compilers.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const FIXTURES = path.join(ROOT, 'test/fixtures/specs');
// Under /work/main/.tmp so `@mcpforge/runtime`, ajv and @types/node resolve through the root node_modules.
const DIR = path.join(ROOT, '.tmp', 'codegen-tsc');

/** A generated project's tsconfig.json and `build` script, as `mcpforge new` writes them. */
const TSCONFIG = readFileSync(path.join(ROOT, 'templates/app/tsconfig.json'), 'utf8');
const BUILD = (JSON.parse(readFileSync(path.join(ROOT, 'templates/app/package.json.hbs'), 'utf8')) as { scripts: { build: string } }).scripts.build;

/**
 * Checks that the handler types bite: each line must fail to compile, or tsc reports the unused
 * `@ts-expect-error` and the test fails.
 */
const TYPE_PROBES = `import { defineTool, defineResource, definePrompt } from './generated/registry.js';
import { manifest } from './generated/manifest.js';
import { modules } from './generated/handlers.js';
import type { CompiledValidator } from '@mcpforge/runtime';
import forecastInput from './generated/validators/get_forecast.input.js';
import forecastOutput from './generated/validators/get_forecast.output.js';
import noteData from './generated/validators/resources/note.data.js';
import summarizeArgs from './generated/validators/prompts/summarize.args.js';

export const implemented = defineTool('get_forecast', async (input) => ({ city: input.city, days: [] }));
// @ts-expect-error the output type requires days
export const missingDays = defineTool('get_forecast', async (input) => ({ city: input.city }));
// @ts-expect-error input.city is a string, not a number
export const wrongInput = defineTool('get_forecast', async (input) => { const n: number = input.city; return { city: '', days: [n] }; });
// @ts-expect-error no such tool
export const unknownTool = defineTool('nope', async () => 'x');
export const textTool = defineTool('list_notes', async (input) => \`limit \${input.limit ?? 20}\`);
export const note = defineResource('note', { read: async (params) => ({ id: params.id, text: '' }) });
// @ts-expect-error params of a static resource have no id
export const badReadme = defineResource('readme', { read: async (params) => params.id });
export const prompt = definePrompt('summarize', (args) => \`summarise \${args.noteId}\`);
export const names: string[] = [manifest.tools.get_forecast!.name, Object.keys(modules.tools).join()];
// Every kind of validator module is typed (validator-modules.d.ts), not an implicit any (TS7016 under strict).
export const validators: CompiledValidator[] = [forecastInput, forecastOutput, noteData, summarizeArgs];
// @ts-expect-error a validator is a function, not a number
export const notANumber: number = forecastOutput;
`;

// The two projects are written once; each compiler below checks and builds them.
beforeAll(async () => {
  if (!existsSync(path.join(ROOT, 'runtime/dist/index.d.ts'))) {
    execFileSync('npm', ['run', 'build', '-w', '@mcpforge/runtime'], { cwd: ROOT, stdio: 'pipe' });
  }
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  const spec = await loadSpec(path.join(FIXTURES, 'good/mcpforge.yaml'));
  const cases = await loadSpec(path.join(FIXTURES, 'codegen/mcpforge.yaml'));
  // Two specs cannot share one project; the second goes into its own folder below.
  const write = async (dir: string, loaded: typeof spec, extra: Record<string, string> = {}) => {
    const { files, userFiles } = await generateProject(loaded, { specFile: 'mcpforge.yaml' });
    const all = new Map([...files, ...userFiles, ...Object.entries(extra)]);
    for (const [file, text] of all) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), text);
    }
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'x', private: true, type: 'module' }));
    writeFileSync(path.join(dir, 'tsconfig.json'), TSCONFIG);
  };
  await write(path.join(DIR, 'good'), spec, { 'src/type-probes.ts': TYPE_PROBES });
  await write(path.join(DIR, 'cases'), cases);
});

describe('the TypeScript the tests check with', () => {
  it('is the version a new project declares', () => {
    const declared = (JSON.parse(readFileSync(path.join(ROOT, 'templates/app/package.json.hbs'), 'utf8')) as { devDependencies: { typescript: string } }).devDependencies.typescript;
    const held = (JSON.parse(readFileSync(path.join(ROOT, 'test/typescript-7/node_modules/typescript/package.json'), 'utf8')) as { version: string }).version;
    // The template pins a caret range: same major, at least the version named.
    const [major, ...rest] = /^\^(\d+)\.(\d+)\.(\d+)$/.exec(declared)!.slice(1).map(Number);
    const version = held.split('.').map(Number);
    const atLeast = version[1]! > rest[0]! || (version[1] === rest[0] && version[2]! >= rest[1]!);
    expect(version[0] === major && atLeast, `test/typescript-7 holds typescript ${held}; the template declares ${declared}`).toBe(true);
    expect(execFileSync(COMPILERS[0].tsc, ['--version'], { encoding: 'utf8' })).toContain(`Version ${held}`);
    expect(execFileSync(COMPILERS[1].tsc, ['--version'], { encoding: 'utf8' })).toMatch(/^Version 5\./);
  });
});

describe.each(COMPILERS)('generated project type-checks and builds: $label', ({ tsc: TSC }) => {
  const tsc = (dir: string, ...args: string[]) => {
    try {
      execFileSync(TSC, ['-p', dir, ...args], { cwd: dir, stdio: 'pipe', encoding: 'utf8' });
      return '';
    } catch (error) {
      return String((error as { stdout?: string }).stdout ?? error);
    }
  };

  it.each(['good', 'cases'])('tsc --noEmit passes under strict (%s)', (name) => {
    expect(tsc(path.join(DIR, name), '--noEmit')).toBe('');
  });

  it('tsc leaves the validators out of the program; validator-modules.d.ts types the imports', () => {
    const files = execFileSync(TSC, ['-p', path.join(DIR, 'good'), '--listFilesOnly'], { encoding: 'utf8' }).split('\n');
    expect(files.some((f) => f.endsWith('/generated/validator-modules.d.ts'))).toBe(true);
    expect(files.filter((f) => f.includes('/generated/validators/') && f.endsWith('.js'))).toEqual([]);
  });

  it('the build script (tsc, then the copy) puts the validators into dist, and they validate', async () => {
    const dir = path.join(DIR, 'good');
    rmSync(path.join(dir, 'dist'), { recursive: true, force: true });
    execSync(BUILD, { cwd: dir, stdio: 'pipe', env: { ...process.env, PATH: `${path.dirname(TSC)}${path.delimiter}${process.env.PATH}` } });
    const built = path.join(dir, 'dist/generated/validators/get_forecast.input.js');
    expect(existsSync(built)).toBe(true);
    expect(readdirSync(path.join(dir, 'dist/generated/validators')).filter((f) => f.endsWith('.d.ts'))).toEqual([]);
    const validate = ((await import(/* @vite-ignore */ pathToFileURL(built).href)) as { default: (d: unknown) => boolean }).default;
    expect(validate({ city: 'Oslo' })).toBe(true);
    expect(validate({ city: '' })).toBe(false);
    const handlers = (await import(/* @vite-ignore */ pathToFileURL(path.join(dir, 'dist/generated/handlers.js')).href)) as {
      modules: { tools: Record<string, { validateOutput?: () => Promise<{ default: (d: unknown) => boolean }> }> };
    };
    const output = (await handlers.modules.tools.get_forecast!.validateOutput!()).default;
    expect(output({ city: 'Oslo', days: [{ date: '2026-01-01', high: 3, low: -2 }] })).toBe(true);
    expect(output({ city: 'Oslo', days: [{ date: 'soon', high: 3, low: -2 }] })).toBe(false);
  });
});
