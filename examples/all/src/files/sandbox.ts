import type { FileHandle } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode, isToolError, ToolError } from '@mcpforge/runtime';
import { createSandbox, type Sandbox } from '@mcpforge/runtime/fs-sandbox';

/** The folder the tools may see: FILES_ROOT, or the project's own files/ folder. */
export const filesRoot = process.env.FILES_ROOT ?? fileURLToPath(new URL('../../files', import.meta.url));

let sandbox: Sandbox | undefined;

function rootSandbox(): Sandbox {
  if (!sandbox) {
    try {
      sandbox = createSandbox(filesRoot);
    } catch {
      throw new ToolError(`The files root ${filesRoot} does not exist. Create it or point FILES_ROOT at an existing folder.`);
    }
  }
  return sandbox;
}

/** Resolves a client path inside the files root; ToolError for escapes and missing roots. */
export async function resolveInRoot(userPath: string): Promise<string> {
  return rootSandbox().resolve(userPath);
}

/**
 * Opens a file inside the files root for reading (the caller closes it). Unlike resolving then
 * opening, a component swapped for a symlink in between cannot redirect the read: the sandbox
 * opens without following a final link and checks where the open descriptor really points.
 */
export async function openInRoot(userPath: string): Promise<FileHandle> {
  try {
    return await rootSandbox().open(userPath);
  } catch (error) {
    if (isToolError(error) && error.code === ErrorCode.NotFound) {
      throw new ToolError(`"${userPath}" does not exist under the files root. Use list_files to see what is there.`);
    }
    throw error;
  }
}

/** A path as the client should see it: relative to the root, with forward slashes. */
export function displayPath(absolute: string): string {
  const rel = relative(sandbox?.root ?? filesRoot, absolute);
  return rel === '' ? '.' : rel.split(sep).join('/');
}

/** Turns "no such file" into an answer the model can act on; other errors stay internal. */
export function explainMissing(error: unknown, userPath: string): never {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new ToolError(`"${userPath}" does not exist under the files root. Use list_files to see what is there.`);
  }
  throw error;
}
