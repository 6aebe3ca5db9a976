/**
 * tsc does not read the validators' JavaScript (templates/app/tsconfig.json); each way a project is
 * built must still put it into dist/. Per way, a copy of examples/notes is built and served over
 * stdio, and a `create_note` call with a tag that breaks the schema's pattern is refused by the
 * compiled validator (ajv's `must match pattern`), while a good call runs the handler. Ways: the
 * project's `build` script (what `npm run build`, `mcpforge new` and the Dockerfile run), `mcpforge
 * dev`'s build step, the runtime's `buildProject` (`startBuiltServer`), and a project made before the
 * change (tsconfig with `allowJs`, a bare `tsc` build script): it keeps building as it did, and
 * `mcpforge generate` says what to change.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildProject as runtimeBuild, startBuiltServer } from '@mcpforge/runtime/testing';
import { describe, expect, it } from 'vitest';
import { build as devBuild } from '../../cli/dev-steps.js';
import { TOOLKIT_ROOT } from '../helpers/toolkit.js';
import { buildProject, exampleProject, mcpforge } from '../production/lib/project.js';

const VALIDATOR = 'dist/generated/validators/create_note.input.js';

interface ToolResult {
  isError?: boolean;
  content: Array<{ type: string; text?: string }>;
}

/** The built server over stdio: the pattern-breaking tag is refused by the validator, a good call runs. */
async function expectValidatorRefuses(dir: string): Promise<void> {
  const server = await startBuiltServer({ projectRoot: dir, transport: 'stdio', build: 'never' });
  try {
    const bad = (await server.client.callTool({ name: 'create_note', arguments: { title: 'x', tags: ['Not A Tag'] } })) as ToolResult;
    expect(bad.isError, JSON.stringify(bad)).toBe(true);
    expect(bad.content[0]!.text).toMatch(/tags\/0.*must match pattern/s);
    const good = (await server.client.callTool({ name: 'create_note', arguments: { title: 'built', tags: ['ok'] } })) as ToolResult;
    expect(good.isError ?? false, JSON.stringify(good)).toBe(false);
  } finally {
    await server.close();
  }
}

/** The validators in dist/ are the modules only: no `.d.ts` beside them. */
function expectValidatorsCopied(dir: string): void {
  expect(existsSync(join(dir, VALIDATOR))).toBe(true);
  expect(readdirSync(join(dir, 'dist/generated/validators')).filter((f) => f.endsWith('.d.ts'))).toEqual([]);
}

describe('a built project has its validators', () => {
  it('through the build script (npm run build)', async () => {
    const dir = await exampleProject('notes');
    await buildProject(dir);
    expectValidatorsCopied(dir);
    await expectValidatorRefuses(dir);
  });

  it("through mcpforge dev's build step, which copies only what changed", async () => {
    const dir = await exampleProject('notes');
    expect(await devBuild(dir)).toEqual({ ok: true });
    expectValidatorsCopied(dir);
    await expectValidatorRefuses(dir);
    // A regenerated validator (newer than its copy) is copied again on the next cycle.
    const source = join(dir, 'src/generated/validators/create_note.input.js');
    writeFileSync(source, `${readFileSync(source, 'utf8')}// regenerated\n`);
    expect(await devBuild(dir)).toEqual({ ok: true });
    expect(readFileSync(join(dir, VALIDATOR), 'utf8')).toMatch(/\/\/ regenerated\n$/);
  });

  it("through the runtime's buildProject (startBuiltServer)", async () => {
    const dir = await exampleProject('notes');
    runtimeBuild(dir);
    expectValidatorsCopied(dir);
    await expectValidatorRefuses(dir);
  });

  it('tsc alone leaves them out, and the server says to run the build script', async () => {
    const dir = await exampleProject('notes');
    execFileSync(process.execPath, [join(TOOLKIT_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: dir });
    expect(existsSync(join(dir, VALIDATOR))).toBe(false);
    await expect(startBuiltServer({ projectRoot: dir, transport: 'stdio', build: 'never' })).rejects.toThrow(/validator of resource "note": failed to load: .*run `npm run build` \(tsc alone does not\)/);
  });

  it('made before the change (allowJs, a bare tsc build): builds as before, with every way', async () => {
    const dir = await exampleProject('notes');
    const tsconfig = JSON.parse(readFileSync(join(dir, 'tsconfig.json'), 'utf8')) as { compilerOptions: Record<string, unknown> };
    tsconfig.compilerOptions = { ...tsconfig.compilerOptions, allowJs: true, checkJs: false };
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    pkg.scripts.build = 'tsc -p tsconfig.json';
    writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
    // generate changes none of the user's files, and says what to change.
    const generated = await mcpforge(dir, 'generate', '--no-cache');
    expect(generated.exitCode, generated.all).toBe(0);
    expect(generated.stderr).toMatch(/warning: tsconfig\.json has "allowJs": true.*docs\/generated-project\.md/);
    expect(readFileSync(join(dir, 'package.json'), 'utf8')).toBe(JSON.stringify(pkg, null, 2));
    await buildProject(dir);
    // tsc emitted it (with its source map line): the file of a project as it was built before.
    expect(readFileSync(join(dir, VALIDATOR), 'utf8')).toMatch(/sourceMappingURL=create_note\.input\.js\.map/);
    await expectValidatorRefuses(dir);
    // The dev build step and the runtime's build leave tsc's output as it is (newer than the source).
    expect(await devBuild(dir)).toEqual({ ok: true });
    runtimeBuild(dir);
    expect(readFileSync(join(dir, VALIDATOR), 'utf8')).toMatch(/sourceMappingURL=create_note\.input\.js\.map/);
    await expectValidatorRefuses(dir);
  });
});
