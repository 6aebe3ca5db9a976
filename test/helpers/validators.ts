/**
 * The copy step of a generated project's `build` script (templates/app/package.json.hbs), for tests
 * that run tsc on a project with their own flags (another outDir): tsc does not read the
 * validators' JavaScript (templates/app/tsconfig.json), so it never reaches the output by itself.
 */
import { cpSync, existsSync } from 'node:fs';
import { join } from 'node:path';

/** `<project>/src/generated/validators/**.js` → `<project>/<outDir>/generated/validators/`. */
export function copyValidators(project: string, outDir = 'dist'): void {
  const from = join(project, 'src', 'generated', 'validators');
  if (existsSync(from)) cpSync(from, join(project, outDir, 'generated', 'validators'), { recursive: true, filter: (f) => !f.endsWith('.d.ts') });
}
