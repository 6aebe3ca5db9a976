/**
 * Projects made before the validators' JavaScript left the TypeScript program still compile it
 * (`allowJs` in their tsconfig.json, a bare `tsc` build): that keeps working, but costs about half
 * of a large project's type-check and most of its build. Their tsconfig.json and package.json are
 * the user's (never rewritten), so generation says what to change instead.
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
