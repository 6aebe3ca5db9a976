/**
 * The steps of one `mcpforge dev` cycle: regenerate in-process (the same planner `generate`
 * uses), build with the project's own TypeScript, and run the built server as a child process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { execa } from 'execa';
import { parse } from 'yaml';
import { commitPlan, planProject } from '../generators/generate/project.js';

export interface GenerateStep {
  /** Generated or user files written (0: nothing changed). */
  written: number;
  /** Project-relative paths written, with their new text (the watcher ignores its own writes). */
  files: Map<string, string>;
  warnings: string[];
}

/**
 * Regenerates like `mcpforge generate`; throws with a readable message (spec error or conflicts).
 * `beforeWrite` sees the files about to be written before any is: a watcher event for one of them
 * can arrive while the commit is still under way.
 */
export async function regenerate(specPath: string, beforeWrite?: (files: Map<string, string>) => void): Promise<GenerateStep> {
  const outcome = await planProject({ specPath, useCache: true });
  if (outcome.upToDate) return { written: 0, files: new Map(), warnings: outcome.warnings };
  const { plan, root } = outcome;
  if (plan.conflicts.length > 0) {
    const list = plan.conflicts.map((c) => `${c.path}: ${c.found} (expected ${c.expected})`).join('; ');
    throw new Error(`${plan.conflicts.length} handler file(s) cannot be updated safely, nothing written: ${list}`);
  }
  const files = new Map<string, string>([...plan.write, ...plan.create, ...[...plan.update].map(([path, u]) => [path, u.text] as const)]);
  beforeWrite?.(files);
  await commitPlan(root, plan);
  return { written: files.size + plan.remove.length, files, warnings: plan.warnings };
}

/** The message of a spec or generation error, in the CLI's own format when it has one. */
export function errorText(error: unknown): string {
  const formatted = typeof (error as { format?: () => string }).format === 'function' ? (error as { format: () => string }).format() : (error as Error).message;
  return String(formatted).trim();
}

/**
 * `tsc -p tsconfig.json` with the project's TypeScript (the toolkit's when the project has none).
 * `--noEmitOnError`: a failed build leaves dist/ as it was, so the running server (which loads
 * handlers lazily from dist/) keeps serving the last good code. Incremental, with its build info
 * inside dist/ so that deleting dist/ also forgets it (a stale one would skip emitting). Then the
 * validators' JavaScript goes into dist/ as the project's `build` script copies it (tsc does not
 * read it, see templates/app/tsconfig.json).
 */
export async function build(root: string): Promise<{ ok: true } | { ok: false; output: string }> {
  const result = await execa(process.execPath, [typescriptBin(root), '-p', 'tsconfig.json', '--noEmitOnError', '--pretty', 'false', '--incremental', '--tsBuildInfoFile', join('dist', '.dev.tsbuildinfo')], {
    cwd: root,
    all: true,
    reject: false,
  });
  if (result.exitCode !== 0) return { ok: false, output: (result.all ?? '').trim() || `tsc exited with ${result.exitCode}` };
  copyValidators(join(root, 'src', 'generated', 'validators'), join(root, 'dist', 'generated', 'validators'));
  return { ok: true };
}

/**
 * Copies the validator modules (`.js`, not their `.d.ts`) that are missing in `to` or newer in
 * `from`: a dev cycle copies only what the regeneration changed. A project whose tsconfig still
 * has `allowJs` (made before the copy step) gets them from tsc, newer than their source: skipped.
 */
export function copyValidators(from: string, to: string): void {
  if (!existsSync(from)) return;
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory()) copyValidators(source, target);
    else if (entry.name.endsWith('.js') && !(existsSync(target) && statSync(target).mtimeMs >= statSync(source).mtimeMs)) copyFileSync(source, target);
  }
}

function typescriptBin(root: string): string {
  for (const base of [join(root, 'package.json'), import.meta.url]) {
    try {
      return createRequire(base).resolve('typescript/bin/tsc');
    } catch {
      // Try the next place.
    }
  }
  throw new Error('TypeScript not found: run `npm install` in the project first');
}

/** The first compiler error line (`src/tools/x.ts(3,5): error TS2322: …`), for the status line. */
export function firstError(output: string): string {
  return output.split('\n').find((line) => /error TS\d+/.test(line))?.trim() ?? output.split('\n')[0]!.trim();
}

/**
 * Arguments that serve the project over HTTP: stdio is no use for a dev loop. `--transport
 * websocket` when the spec offers only WebSocket (it also serves /mcp on the same listener).
 */
export function serverArgs(specPath: string, port: number, host: string): string[] {
  let transports: unknown = ['stdio', 'http'];
  try {
    transports = (parse(readFileSync(specPath, 'utf8')) as { transports?: unknown } | null)?.transports ?? transports;
  } catch {
    // An unreadable spec fails in regenerate with a proper message.
  }
  const offered = Array.isArray(transports) ? transports : [];
  const transport = offered.includes('http') ? 'http' : offered.includes('websocket') ? 'websocket' : undefined;
  if (!transport) throw new Error('this server offers only stdio; add http to `transports` in mcpforge.yaml to use `mcpforge dev`');
  return ['dist/server.js', '--transport', transport, '--port', String(port), '--host', host];
}

export interface ServerChild {
  readonly url: string;
  readonly port: number;
  /** SIGTERM (graceful: in-flight calls finish), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts `node dist/server.js …` and waits for its `listening on <url>` line. The child runs in
 * its own process group so a terminal's Ctrl-C reaches only `dev`, which then stops it once.
 * Its stderr (logs) passes through, except the listening lines the status line already shows.
 */
export async function startServer(root: string, args: string[], timeoutMs = 30_000): Promise<ServerChild> {
  if (!existsSync(join(root, 'dist', 'server.js'))) throw new Error('dist/server.js is missing after the build');
  const child: ChildProcess = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'inherit', 'pipe'], detached: true, env: process.env });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let seen = '';
  const url = await new Promise<string>((resolve, reject) => {
    let pending = '';
    const timer = setTimeout(() => reject(new Error(`no "listening on" line within ${timeoutMs / 1000} s:\n${seen}`)), timeoutMs);
    child.stderr!.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        const match = /^listening on (\S+)/.exec(line);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        } else if (!/^websocket on /.test(line)) {
          seen += `${line}\n`;
          process.stderr.write(`${line}\n`);
        }
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with ${code} before listening${seen ? `:\n${seen.trim()}` : ''}`));
    });
  });
  return {
    url,
    port: Number(new URL(url).port),
    async stop(graceMs = 10_000) {
      process.off('exit', killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
