import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { serverEntryNote, validatorsBuildNote } from './build-config.js';

const TEMPLATE = join(import.meta.dirname, '../../templates/app');
const work = mkdtempSync(join(tmpdir(), 'mcpforge-build-config-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The template's tsconfig.json as it was before (no note on the validators, `allowJs`). */
const OLD_TSCONFIG = readFileSync(join(TEMPLATE, 'tsconfig.json'), 'utf8').replace(/^  "\/\/".*\n/m, '').replace('"outDir": "dist",', '"outDir": "dist",\n    "allowJs": true,\n    "checkJs": false,');
const NEW_BUILD = (JSON.parse(readFileSync(join(TEMPLATE, 'package.json.hbs'), 'utf8')) as { scripts: { build: string } }).scripts.build;

/** A project folder with these files (and validators unless `validators: false`). */
function project(name: string, files: { tsconfig?: string; build?: string; validators?: boolean }): string {
  const dir = join(work, name);
  mkdirSync(dir);
  if (files.validators !== false) mkdirSync(join(dir, 'src/generated/validators'), { recursive: true });
  if (files.tsconfig !== undefined) writeFileSync(join(dir, 'tsconfig.json'), files.tsconfig);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ scripts: { build: files.build ?? 'tsc -p tsconfig.json' } }));
  return dir;
}

describe('validatorsBuildNote', () => {
  it.each([
    { name: 'made before the change (allowJs, bare tsc build)', files: { tsconfig: OLD_TSCONFIG }, noted: true },
    { name: 'made now (the template)', files: { tsconfig: readFileSync(join(TEMPLATE, 'tsconfig.json'), 'utf8'), build: NEW_BUILD }, noted: false },
    { name: 'allowJs kept, validators excluded by hand', files: { tsconfig: OLD_TSCONFIG.replace('"include": ["src"]', '"include": ["src"],\n  "exclude": ["src/generated/validators/**/*.js"]') }, noted: false },
    { name: 'allowJs kept, the build copies them', files: { tsconfig: OLD_TSCONFIG, build: NEW_BUILD }, noted: false },
    { name: 'no validators yet', files: { tsconfig: OLD_TSCONFIG, validators: false }, noted: false },
    { name: 'no tsconfig.json', files: {}, noted: false },
  ])('$name: noted $noted', ({ name, files, noted }) => {
    const note = validatorsBuildNote(project(name.replace(/\W+/g, '-'), files));
    if (noted) expect(note).toMatch(/"allowJs": true.*drop "allowJs" and "checkJs".*docs\/generated-project\.md/s);
    else expect(note).toBeUndefined();
  });
});

describe('serverEntryNote', () => {
  const entry = (name: string, text: string | undefined) => {
    const dir = join(work, `entry-${name}`);
    mkdirSync(join(dir, 'src'), { recursive: true });
    if (text !== undefined) writeFileSync(join(dir, 'src/server.ts'), text);
    return dir;
  };
  const BEFORE = "import { runServer } from '@mcpforge/runtime';\nimport { modules } from './generated/handlers.js';\nimport { manifest } from './generated/manifest.js';\n\nawait runServer({ manifest, modules, projectRoot: new URL('..', import.meta.url) });\n";
  it.each([
    { name: 'made before (runServer)', text: BEFORE, noted: true },
    { name: 'made now (the template)', text: readFileSync(join(TEMPLATE, 'src/server.ts'), 'utf8'), noted: false },
    { name: 'changed by hand to startServer', text: BEFORE.replace("import { runServer } from '@mcpforge/runtime';", "import { startServer } from '@mcpforge/runtime/start';").replace('await runServer(', 'await startServer('), noted: false },
    { name: 'no src/server.ts', text: undefined, noted: false },
  ])('$name: noted $noted', ({ name, text, noted }) => {
    const note = serverEntryNote(entry(name.replace(/\W+/g, '-'), text));
    if (noted) expect(note).toMatch(/runServer.*startServer.*@mcpforge\/runtime\/start.*docs\/transports\.md/s);
    else expect(note).toBeUndefined();
  });
});
