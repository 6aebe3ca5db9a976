import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ToolError } from '@mcpforge/runtime';
import { defineTool } from '../generated/registry.js';
import { displayPath, explainMissing, resolveInRoot } from '../files/sandbox.js';

export default defineTool('list_files', async (input) => {
  const path = input.path ?? '.';
  const dir = await resolveInRoot(path);
  const info = await stat(dir).catch((error: unknown) => explainMissing(error, path));
  if (!info.isDirectory()) throw new ToolError(`"${path}" is a file, not a folder. Use read_file to read it.`);
  const dirents = await readdir(dir, { withFileTypes: true });
  const entries = await Promise.all(
    dirents
      .sort((a, b) => a.name.localeCompare(b.name))
      .map(async (dirent) => {
        const type = dirent.isDirectory() ? ('directory' as const) : dirent.isFile() ? ('file' as const) : ('other' as const);
        const size = type === 'file' ? (await stat(join(dir, dirent.name))).size : 0;
        return { name: dirent.name, type, size };
      }),
  );
  return { path: displayPath(dir), entries };
});
