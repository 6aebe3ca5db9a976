/**
 * Safe path resolution for file tools.
 *
 * A path from a client is untrusted. `resolve()` accepts it only if its *real* path (symlinks
 * followed) stays inside the sandbox root, compared segment-wise so `/data-evil` is not inside
 * `/data`. Paths that do not exist yet are checked through their nearest existing ancestor, so a
 * symlinked parent cannot smuggle a new file outside either.
 */
import { promises as fs, realpathSync } from 'node:fs';
import { isAbsolute, join, relative, resolve as resolvePath, sep } from 'node:path';
import { ErrorCode, ToolError } from '../errors/index.js';

export interface Sandbox {
  /** The real, absolute root. */
  readonly root: string;
  /** Resolves a client path to an absolute real path inside the root, or throws a `ToolError`. */
  resolve(userPath: string): Promise<string>;
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
    if (typeof userPath !== 'string' || userPath.includes('\0')) {
      throw new ToolError('Path contains a NUL byte or is not a string.', { code: ErrorCode.PathOutsideSandbox });
    }
    // Absolute paths are accepted only when they already point inside the root.
    const lexical = isAbsolute(userPath) ? resolvePath(userPath) : resolvePath(realRoot, userPath);
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

  return {
    root: realRoot,
    resolve: resolveInside,
    async readFile(userPath, options = {}) {
      const path = await resolveInside(userPath);
      const maxBytes = options.maxBytes ?? DEFAULT_MAX_READ_BYTES;
      let stat;
      try {
        stat = await fs.stat(path);
      } catch {
        throw new ToolError(`File "${userPath}" does not exist.`, { code: ErrorCode.NotFound });
      }
      if (!stat.isFile()) throw new ToolError(`"${userPath}" is not a file.`, { code: ErrorCode.NotFound });
      if (stat.size > maxBytes) throw new ToolError(`File "${userPath}" is ${stat.size} bytes; the limit is ${maxBytes}.`);
      return fs.readFile(path, 'utf8');
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
