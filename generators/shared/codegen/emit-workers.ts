/**
 * Starting the emit workers of emit-pool.ts, apart from it: this module loads nothing heavy, so a
 * command can start them before it knows it will generate (emit-pool.ts loads the compilers).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { SpecParseAnswer, SpecParseRequest } from './spec-in-worker.js';

/** Entries emitted afresh from which worker threads share the work (below, start-up costs more). */
export const WORKERS_FROM = 150;

/** Threads to use by default (this one included): one per core the process may use, at most 4. */
export function defaultThreads(): number {
  // Workers run the compiled module next to this one; from TypeScript sources (tests under
  // vitest) there is none to start, so the work stays in process.
  if (!import.meta.url.endsWith('.js')) return 1;
  return Math.min(4, availableParallelism());
}

export const WORKER_URL = new URL('./emit-worker.js', import.meta.url);

/** Workers started ahead of a generation (`prestartEmitWorkers`), idle until `emitInWorkers` takes them. */
let idle: Worker[] = [];

/**
 * Starts the emit workers of a generation that is known or likely to come (an import of a large
 * description; a `generate` whose cache shows a change, see PlanOptions.prestartWorker): a worker
 * spends most of a second of CPU loading and warming up ajv, prettier and the type compiler, which
 * this thread otherwise waits for at the start of the batches (or pays itself, for a few entries).
 * Started while this thread still reads and plans, that work runs on an otherwise idle core. The
 * workers do not keep the process alive; `emitInWorkers` takes them, `stopEmitWorkers` ends unused
 * ones (or the process's exit does).
 */
export function prestartEmitWorkers(threads: number = defaultThreads()): void {
  for (let i = idle.length; i < threads - 1; i++) {
    const worker = new Worker(WORKER_URL, { workerData: { warmUp: true } });
    worker.unref();
    // A worker that failed is dropped: `emitInWorkers` starts (or does without) another.
    worker.on('error', () => {});
    worker.once('exit', () => {
      idle = idle.filter((w) => w !== worker);
    });
    idle.push(worker);
  }
}

/** Workers started ahead and not taken yet. */
export function startedWorkers(): number {
  return idle.length;
}

/**
 * Up to `n` of the workers started ahead, now kept alive by their work. Only workers whose exit
 * has not been dispatched yet: an 'exit' dispatched later still reaches the caller's listener.
 */
export function takeStartedWorkers(n: number): Worker[] {
  const taken = idle.splice(0, n);
  for (const worker of taken) worker.ref();
  return taken;
}

/** Ends the workers `prestartEmitWorkers` started and no generation took (a failed or small import). */
export async function stopEmitWorkers(): Promise<void> {
  const unused = idle;
  idle = [];
  await Promise.all(unused.map((worker) => worker.terminate()));
}


/**
 * Has a worker started ahead parse a spec (see spec-in-worker.ts), before its batches: it is
 * idle until the batches start. Undefined when none was started.
 */
export function parseSpecInStartedWorker(file: string, text: string): Promise<SpecParseAnswer['parsedSpec']> | undefined {
  const worker = idle[0];
  if (!worker) return undefined;
  return new Promise((resolve) => {
    const settle = (answer: SpecParseAnswer['parsedSpec']) => {
      worker.off('message', onMessage);
      worker.off('exit', onEnd);
      worker.off('error', onEnd);
      resolve(answer);
    };
    const onMessage = (message: unknown) => {
      if (message !== null && typeof message === 'object' && 'parsedSpec' in message) settle((message as SpecParseAnswer).parsedSpec);
    };
    const onEnd = () => settle({ failed: true });
    worker.on('message', onMessage);
    worker.on('exit', onEnd);
    worker.on('error', onEnd);
    const request: SpecParseRequest = { parseSpec: { file, text } };
    worker.postMessage(request);
  });
}
