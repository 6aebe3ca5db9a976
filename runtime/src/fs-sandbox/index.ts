/**
 * Safe path resolution for file tools.
 *
 * A path from a client is untrusted. It must be relative, written with `/`, and is refused
 * outright — before touching the disk — when it holds a `..` segment, a NUL or control character,
 * a backslash or a drive letter (Windows-style), or a percent-encoded `.`, `/`, `\` or NUL (a
 * tool that URL-decodes later must not turn `%2e%2e%2f` into `../`). What remains is accepted only
 * if its *real* path (symlinks followed) stays inside the sandbox root, compared segment-wise so
 * `/data-evil` is not inside `/data`. Paths that do not exist yet are checked through their
 * nearest existing ancestor, so a symlinked parent cannot smuggle a new file outside either.
 * `open()` re-checks the opened file descriptor's real path, closing the window in which a
 * component could be swapped for a symlink between the check and the open.
 */
import { constants as fsConstants, promises as fs, realpathSync } from 'node:fs';
import { isAbsolute, join, relative, resolve as resolvePath, sep } from 'node:path';
import { ErrorCode, ToolError } from '../errors/index.js';

export interface Sandbox {
  /** The real, absolute root. */
  readonly root: string;
  /** Resolves a client path to an absolute real path inside the root, or throws a `ToolError`. */
  resolve(userPath: string): Promise<string>;
  /**
   * Opens a file inside the root for reading, refusing a final symlink (O_NOFOLLOW) and checking
   * the descriptor's real path after opening (Linux `/proc/self/fd`), so a swap made after
   * `resolve()` cannot redirect the read outside. The caller closes the handle.
   */
  open(userPath: string): Promise<fs.FileHandle>;
  /** Reads a file inside the root (UTF-8 by default), refusing files larger than `maxBytes`. */
  readFile(userPath: string, options?: { maxBytes?: number }): Promise<string>;
  /** Lists a directory inside the root: names with their kind, sorted by name. */
  list(userPath?: string): Promise<Array<{ name: string; kind: 'file' | 'directory' | 'other' }>>;
}

export const DEFAULT_MAX_READ_BYTES = 1024 * 1024;

/**
 * @example
 * ```ts
 * const sandbox = createSandbox('/srv/notes');
 * const text = await sandbox.readFile(input.path); // ToolError for "../../etc/passwd"
 * ```
 */
export function createSandbox(root: string): Sandbox {
  let realRoot: string;
  try {
    realRoot = realpathSync(root);
  } catch (error) {
    throw new Error(`Sandbox root ${root} does not exist or is not readable: ${(error as Error).message}`, { cause: error });
  }

  function outside(userPath: string): ToolError {
    return new ToolError(`Path "${userPath}" is outside the allowed folder; give a path relative to it without "..".`, {
      code: ErrorCode.PathOutsideSandbox,
    });
  }

  function isInside(candidate: string): boolean {
    const rel = relative(realRoot, candidate);
    return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
  }

  async function resolveInside(userPath: string): Promise<string> {
    const problem = lexicalProblem(userPath);
    if (problem) throw new ToolError(`Path ${JSON.stringify(String(userPath)).slice(0, 200)} is refused: ${problem}.`, { code: ErrorCode.PathOutsideSandbox });
    const lexical = resolvePath(realRoot, userPath);
    let real: string;
    try {
      real = await realOrNearest(lexical);
    } catch {
      // Symlink loops (ELOOP), permission errors: nothing a caller may be told more about.
      throw outside(userPath);
    }
    if (!isInside(real)) throw outside(userPath);
    return real;
  }

  async function openInside(userPath: string): Promise<fs.FileHandle> {
    const path = await resolveInside(userPath);
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(path, fsConstants.O_RDONLY | (fsConstants.O_NOFOLLOW ?? 0));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // ELOOP: the last component became a symlink after the check.
      if (code === 'ELOOP') throw outside(userPath);
      throw new ToolError(`File "${userPath}" does not exist.`, { code: ErrorCode.NotFound, cause: error });
    }
    let real: string | undefined;
    try {
      real = await fs.realpath(`/proc/self/fd/${handle.fd}`);
    } catch {
      // No /proc (not Linux): the O_NOFOLLOW open and the resolve() check stand.
    }
    if (real !== undefined && real.startsWith('/') && !isInside(real)) {
      await handle.close();
      throw outside(userPath);
    }
    return handle;
  }

  return {
    root: realRoot,
    resolve: resolveInside,
    open: openInside,
    async readFile(userPath, options = {}) {
      const maxBytes = options.maxBytes ?? DEFAULT_MAX_READ_BYTES;
      const handle = await openInside(userPath);
      try {
        const stat = await handle.stat();
        if (!stat.isFile()) throw new ToolError(`"${userPath}" is not a file.`, { code: ErrorCode.NotFound });
        if (stat.size > maxBytes) throw new ToolError(`File "${userPath}" is ${stat.size} bytes; the limit is ${maxBytes}.`);
        return await handle.readFile('utf8');
      } finally {
        await handle.close();
      }
    },
    async list(userPath = '.') {
      const path = await resolveInside(userPath);
      let entries;
      try {
        entries = await fs.readdir(path, { withFileTypes: true });
      } catch {
        throw new ToolError(`Directory "${userPath}" does not exist.`, { code: ErrorCode.NotFound });
      }
      return entries
        .map((e) => ({ name: e.name, kind: e.isFile() ? ('file' as const) : e.isDirectory() ? ('directory' as const) : ('other' as const) }))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    },
  };
}

/** Why a client path is refused before any file system access, or undefined when it may be resolved. */
export function lexicalProblem(userPath: unknown): string | undefined {
  if (typeof userPath !== 'string') return 'it is not a string';
  if (userPath.includes('\0')) return 'it contains a NUL byte';
  // eslint-disable-next-line no-control-regex
  if (/[\x01-\x1f\x7f]/.test(userPath)) return 'it contains a control character';
  if (userPath.includes('\\')) return 'it contains a backslash; use / to separate folders';
  if (/^[A-Za-z]:/.test(userPath)) return 'it starts with a drive letter; give a path relative to the folder';
  if (isAbsolute(userPath)) return 'it is absolute; give a path relative to the folder';
  if (/%(2e|2f|5c|00)/i.test(userPath)) return 'it contains a percent-encoded ".", "/", "\\" or NUL; send the path decoded';
  if (userPath.split('/').includes('..')) return 'it contains ".."; give a path inside the folder without ".."';
  return undefined;
}

/**
 * The real path of `path`, or — when it does not exist — the real path of its nearest existing
 * ancestor joined with the missing tail (a dangling symlink counts as existing and is followed).
 */
async function realOrNearest(path: string): Promise<string> {
  const tail: string[] = [];
  let current = path;
  for (;;) {
    try {
      const real = await fs.realpath(current);
      return tail.length === 0 ? real : join(real, ...tail.reverse());
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
      // A dangling symlink: realpath fails, but its target decides where a write would land.
      try {
        const target = await fs.readlink(current);
        const next = resolvePath(current, '..', target);
        return join(await realOrNearest(next), ...tail.reverse());
      } catch {
        // Not a symlink: walk up.
      }
      const parent = resolvePath(current, '..');
      if (parent === current) return join(current, ...tail.reverse());
      tail.push(current.slice(parent.length).replace(/^[/\\]+/, ''));
      current = parent;
    }
  }
}
