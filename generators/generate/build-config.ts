/**
 * Notes for projects made by an earlier mcpforge, whose user-owned files (never rewritten) miss a
 * later speed-up; generation says what to change instead:
 * - the validators' JavaScript still in the TypeScript program (`allowJs` in tsconfig.json, a bare
 *   `tsc` build): that keeps working, but costs about half of a large project's type-check and
 *   most of its build;
 * - `src/server.ts` starting with `runServer`: it works, but a stdio client waits for the whole
 *   runtime and the SDK before its first `tools/list` (`startServer` answers it first).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const VALIDATORS = 'src/generated/validators';

/** The note for a project whose tsconfig still reads the validators' `.js`, else undefined. */
export function validatorsBuildNote(root: string): string | undefined {
  if (!existsSync(join(root, VALIDATORS))) return undefined;
  const tsconfig = read(join(root, 'tsconfig.json'));
  if (tsconfig === undefined || !/"allowJs"\s*:\s*true/.test(tsconfig)) return undefined;
  // Already handled by hand: the validators excluded in the tsconfig, or copied by the build.
  if (/"exclude"[^\]]*generated\/validators/.test(tsconfig) || (read(join(root, 'package.json')) ?? '').includes('generated/validators')) return undefined;
  return (
    'tsconfig.json has "allowJs": true, so tsc parses and compiles the validators\' JavaScript (src/generated/validators/): it builds, but slower ' +
    '(about half of tsc\'s time on a large API). Projects made by this mcpforge leave it out: drop "allowJs" and "checkJs" from tsconfig.json and copy the validators in the build script ' +
    '(docs/generated-project.md, "Validators and the build").'
  );
}

function read(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** The note for a project whose src/server.ts starts with `runServer` instead of `startServer`, else undefined. */
export function serverEntryNote(root: string): string | undefined {
  const entry = read(join(root, 'src/server.ts'));
  if (entry === undefined || !/\brunServer\s*\(/.test(entry) || /\bstartServer\b/.test(entry)) return undefined;
  return (
    "src/server.ts starts the server with runServer: it works, but a stdio client waits for the whole runtime to load before its first tools/list (about 4x slower). " +
    "Projects made by this mcpforge use startServer, which answers the first list while the runtime loads: import { startServer } from '@mcpforge/runtime/start' and call it with the same options " +
    "(docs/transports.md, \"The stdio early answer\")."
  );
}
