import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { defineTool } from '../generated/registry.js';
import { displayPath, explainMissing, openInRoot, resolveInRoot } from '../files/sandbox.js';

/** Files larger than this are skipped: searching is meant for notes and code, not data dumps. */
const MAX_FILE_BYTES = 1_048_576;

export default defineTool('search_files', async (input, ctx) => {
  const start = await resolveInRoot(input.path ?? '.');
  await stat(start).catch((error: unknown) => explainMissing(error, input.path ?? '.'));
  const needle = input.query.toLowerCase();
  const maxResults = input.maxResults ?? 50;
  const matches: Array<{ path: string; line: number; text: string }> = [];
  const pending = [start];
  while (pending.length > 0 && matches.length < maxResults && !ctx.signal.aborted) {
    const dir = pending.shift() as string;
    for (const dirent of await readdir(dir, { withFileTypes: true })) {
      // Symlinks are not followed: the sandbox checks paths the client names, not links found on the way.
      const full = join(dir, dirent.name);
      if (dirent.isDirectory()) pending.push(full);
      if (!dirent.isFile()) continue;
      // Opened through the sandbox: a file swapped for a symlink after the listing is skipped, not followed.
      const handle = await openInRoot(displayPath(full)).catch(() => undefined);
      if (!handle) continue;
      let text: string | undefined;
      try {
        if ((await handle.stat()).size <= MAX_FILE_BYTES) text = await handle.readFile('utf8');
      } finally {
        await handle.close();
      }
      if (text === undefined) continue;
      const lines = text.split('\n');
      for (let i = 0; i < lines.length && matches.length < maxResults; i++) {
        const line = lines[i] as string;
        if (line.toLowerCase().includes(needle)) matches.push({ path: displayPath(full), line: i + 1, text: line.slice(0, 300) });
      }
    }
  }
  return { matches, truncated: matches.length >= maxResults };
});
