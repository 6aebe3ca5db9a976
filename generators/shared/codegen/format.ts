import { format } from 'prettier';

/** The house format of generated TypeScript (also what a user's project formats with). */
export const PRETTIER_OPTIONS = { parser: 'typescript', singleQuote: true, printWidth: 100 } as const;

/** Formats every `.ts` file of the map in place; other files (validators) are left as emitted. */
export async function formatTypeScript(files: Map<string, string>): Promise<void> {
  for (const [path, text] of files) {
    if (path.endsWith('.ts')) files.set(path, await format(text, PRETTIER_OPTIONS));
  }
}
