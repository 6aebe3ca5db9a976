/**
 * `mcpforge dev`: watch mcpforge.yaml, schemas/ and src/ (not src/generated/); on a change,
 * regenerate, rebuild and restart the server over HTTP, printing one status line per cycle:
 *
 *   [dev 12:01:03] mcpforge.yaml changed → generated (3 files) → built (1.2 s) → restarted on http://127.0.0.1:3000/mcp
 *
 * A failed generate or build leaves the previous server running and prints the error under the
 * status line. Ctrl-C stops the server and exits 0.
 */
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { UserError } from '../output.js';
import { build, errorText, firstError, regenerate, serverArgs, startServer, type ServerChild } from '../dev-steps.js';
import { specPathOf } from './generate.js';

export interface DevOptions {
  spec: string;
  port: string;
  host: string;
  /** Quiet period after the last change before a cycle starts, in ms. */
  debounce: string;
}

export async function devCommand(options: DevOptions): Promise<void> {
  const specPath = specPathOf(options.spec);
  const root = dirname(specPath);
  const specFile = basename(specPath);
  const requestedPort = parseNumber('--port', options.port, 0, 65535);
  const debounceMs = parseNumber('--debounce', options.debounce, 0, 60_000);
  try {
    serverArgs(specPath, requestedPort, options.host);
  } catch (error) {
    // A stdio-only server has nothing to serve in a dev loop: say so before building anything.
    throw new UserError((error as Error).message);
  }

  let server: ServerChild | undefined;
  /** Text of files the cycle itself wrote: an event for one of them that still has that text is ours. */
  const ownWrites = new Map<string, string>();
  const pending = new Set<string>();
  let running = false;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  /** Warnings the last cycle printed: one still there is not printed again every cycle. */
  let shownWarnings = new Set<string>();

  const cycle = async (reason: string): Promise<void> => {
    const parts = [reason];
    const status = (end: string, detail?: string) => {
      process.stdout.write(`[dev ${clock()}] ${[...parts, end].join(' → ')}\n`);
      if (detail) process.stdout.write(`${indent(detail)}\n`);
    };
    try {
      const generated = await regenerate(specPath, (files) => {
        for (const [path, text] of files) ownWrites.set(join(root, path), text);
      });
      for (const warning of generated.warnings) if (!shownWarnings.has(warning)) process.stderr.write(`warning: ${warning}\n`);
      if (generated.written > 0 || generated.warnings.length > 0) shownWarnings = new Set(generated.warnings);
      parts.push(generated.written > 0 ? `generated (${generated.written} file${generated.written === 1 ? '' : 's'})` : 'up to date');
    } catch (error) {
      return status('generate failed' + (server ? ` (still serving ${server.url})` : ''), errorText(error));
    }
    const started = performance.now();
    const built = await build(root);
    if (!built.ok) return status(`build failed: ${firstError(built.output)}` + (server ? ` (still serving ${server.url})` : ''), built.output);
    parts.push(`built (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    const previous = server;
    // The same port on every restart, so a client's URL stays valid (port 0 picks one the first time).
    const port = previous?.port ?? requestedPort;
    try {
      await previous?.stop();
      server = undefined;
      server = await startServer(root, serverArgs(specPath, port, options.host));
      status(`${previous ? 'restarted' : 'serving'} on ${server.url}`);
    } catch (error) {
      status('start failed', (error as Error).message);
    }
  };

  let current: Promise<void> = Promise.resolve();
  const run = (reason: string): Promise<void> => {
    running = true;
    current = cycle(reason)
      .catch((error: unknown) => {
        // Nothing in a cycle may end the loop: report, keep watching, try again on the next change.
        process.stdout.write(`[dev ${clock()}] ${reason} → failed: ${errorText(error)}\n`);
      })
      .finally(() => {
        running = false;
        if (pending.size > 0 && !stopped) schedule();
      });
    return current;
  };

  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (running || stopped) return;
      const changed = [...pending];
      pending.clear();
      void run(changed.length === 1 ? `${changed[0]} changed` : `${changed.length} files changed (${changed.slice(0, 3).join(', ')}${changed.length > 3 ? ', …' : ''})`);
    }, debounceMs);
  };

  const onChange = (full: string) => {
    const path = relative(root, full).split(sep).join('/');
    if (!watched(path, specFile)) return;
    const own = ownWrites.get(full);
    if (own !== undefined) {
      if (readText(full) === own) return;
      ownWrites.delete(full);
    }
    pending.add(path);
    if (!running) schedule();
  };

  // Installed before the first cycle: Ctrl-C during a build must still stop a started server.
  const signalled = new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  const watchers = startWatchers(root, onChange);
  process.stdout.write(`[dev ${clock()}] watching ${specFile}, schemas/ and src/ in ${root} (Ctrl-C to stop)\n`);
  void run('start');

  await signalled;
  stopped = true;
  clearTimeout(timer);
  for (const watcher of watchers) watcher.close();
  // A cycle under way finishes first (it may be starting a server), then the server stops.
  await current.catch(() => {});
  await server?.stop();
  process.stdout.write(`[dev ${clock()}] stopped\n`);
}

/**
 * The spec, anything under schemas/, and src/ except src/generated/ (which the cycle writes); the
 * folders themselves when they appear. Editors' scratch files (vim's swap and write-test files,
 * backups, Emacs lock files) are not changes: a cycle for them would restart the server for nothing.
 */
export function watched(path: string, specFile: string): boolean {
  if (path === specFile) return true;
  if (isEditorScratch(path.slice(path.lastIndexOf('/') + 1))) return false;
  if (path === 'schemas' || path === 'src' || path.startsWith('schemas/')) return true;
  return path.startsWith('src/') && !path.startsWith('src/generated/');
}

function isEditorScratch(name: string): boolean {
  return /^\..*\.sw[a-px]$/.test(name) || name === '4913' || name.endsWith('~') || /^\.?#/.test(name) || /\.(tmp|bak|orig)$/.test(name);
}

/**
 * node:fs watch, recursive (supported on Linux since Node 20): one watcher on the project folder
 * itself (not recursive: only the spec matters there, and node_modules/ and dist/ are never
 * descended into) and one recursive watcher per watched folder — also for schemas/ or src/ created
 * after the loop started (the project-folder watcher sees them appear).
 */
export function startWatchers(root: string, onChange: (full: string) => void): FSWatcher[] {
  const watchers: FSWatcher[] = [];
  const folders = new Set<string>();
  const add = (dir: string, recursive: boolean, events: (name: string) => void) => {
    try {
      const watcher = watch(dir, { recursive }, (_event, name) => {
        if (name) events(name.toString());
      });
      watcher.on('error', (error) => process.stderr.write(`watch error on ${dir}: ${error.message}\n`));
      watchers.push(watcher);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      return false;
    }
  };
  const addFolder = (name: string) => {
    if (folders.has(name)) return;
    const dir = join(root, name);
    if (add(dir, true, (file) => onChange(join(dir, file)))) folders.add(name);
  };
  add(root, false, (name) => {
    if (name === 'schemas' || name === 'src') addFolder(name);
    onChange(join(root, name));
  });
  addFolder('schemas');
  addFolder('src');
  if (watchers.length === 0) throw new UserError(`cannot watch ${root}`);
  return watchers;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function parseNumber(flag: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) throw new UserError(`${flag} ${raw}: must be an integer from ${min} to ${max}`);
  return value;
}

function clock(): string {
  return new Date().toTimeString().slice(0, 8);
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}
