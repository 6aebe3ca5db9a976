/**
 * Imported projects built and started without a `tsc` or a server process each: the corpus has
 * hundreds of them. `writeBuiltProject` writes what `npm run build` would put in dist/ (emitted
 * by the program that type-checked the project), and `ServerStarter` starts projects in one long-lived child process (start-servers.mjs),
 * one after another, while the test goes on importing the next description: two cores busy.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { TOOLKIT_ROOT } from '../helpers/toolkit.js';

/**
 * Writes `root/dist/` as `npm run build` would: the project's compiled src/ files (`emitted`,
 * `src/x.js` → JavaScript, from ProjectTypeChecker#emit) and its `.js` validators (in `src`)
 * copied as the build script's copy step does, with a package.json that makes them ESM. `root` must sit under
 * the toolkit (its node_modules resolves @mcpforge/runtime).
 */
export function writeBuiltProject(root: string, src: ReadonlyMap<string, string>, emitted: ReadonlyMap<string, string>): void {
  const put = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  put('package.json', '{ "type": "module" }\n');
  for (const [path, text] of [...src, ...emitted]) if (path.startsWith('src/') && path.endsWith('.js')) put(`dist/${path.slice('src/'.length)}`, text);
}

export type StartOutcome = { ok: true; server: string; tools: string[] } | { ok: false; error: string };

/**
 * One child at a time, replaced after `perChild` projects: a process never unloads a module, and
 * the largest projects hold thousands of them.
 */
export class ServerStarter {
  private current: { child: ChildProcess; asked: Set<number> } | undefined;
  private served = 0;
  private nextId = 0;
  private readonly pending = new Map<number, (outcome: StartOutcome) => void>();

  constructor(private readonly perChild = 40) {}

  /** Starts the built project in `dir`; resolves (never rejects) with its tools or why it did not start. */
  start(dir: string): Promise<StartOutcome> {
    if (!this.current || this.served >= this.perChild) this.spawn();
    this.served++;
    const id = this.nextId++;
    const { child, asked } = this.current!;
    asked.add(id);
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      child.stdin!.write(`${JSON.stringify({ id, dir })}\n`);
    });
  }

  /** Lets the child finish what it was asked, then exit. */
  close(): void {
    this.current?.child.stdin!.end();
    this.current = undefined;
  }

  private answer(id: number, outcome: StartOutcome): void {
    this.pending.get(id)?.(outcome);
    this.pending.delete(id);
  }

  private spawn(): void {
    this.close();
    const child = spawn(process.execPath, [join(TOOLKIT_ROOT, 'test/import/start-servers.mjs')], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'silent' } });
    const asked = new Set<number>();
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const { id, ...outcome } = JSON.parse(line) as { id: number } & StartOutcome;
      asked.delete(id);
      this.answer(id, outcome as StartOutcome);
    });
    // What it had not answered fails with the reason (a crash, out of memory).
    child.on('close', (code, signal) => {
      for (const id of asked) this.answer(id, { ok: false, error: `the starter process exited (${signal ?? code}) before answering: ${stderr.trim()}` });
    });
    this.current = { child, asked };
    this.served = 0;
  }
}
