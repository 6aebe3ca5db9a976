/**
 * The per-entry work of a large generation (json-schema-to-typescript, prettier on the type
 * modules, ajv standalone compiles) spread over worker threads. Pure: schemas in, texts out,
 * keyed by job id, so the result does not depend on which worker did what or when; the caller
 * assembles files in spec order as before. Workers are started per call and ended after it.
 */
import { Worker } from 'node:worker_threads';
import type { LoadedSchema } from '../spec/types.js';
import type { ToolContractCases } from './contract-cases.js';
import { runBatch } from './emit-batch.js';
import type { ValidatorCompiler } from './emit-validators.js';
import { takeStartedWorkers, WORKER_URL } from './emit-workers.js';
import type { SpecParseAnswer } from './spec-in-worker.js';

export { defaultThreads, startedWorkers, WORKERS_FROM } from './emit-workers.js';

export interface TypesJob {
  /** The module's path: results are keyed by it. */
  id: string;
  roots: Array<{ name: string; schema: Pick<LoadedSchema, 'schema'> }>;
  /** Text put before the emitted declarations (header, a resource's params type), formatted with them. */
  prefix: string;
}
export interface ValidatorJob {
  /** `ValidatorCompiler.keyOf` of the schema. */
  key: string;
  schema: Pick<LoadedSchema, 'schema' | 'draft'>;
}
/** A tool whose contract cases to compute: what `toolContractCases` reads of it. */
export interface ContractJob {
  name: string;
  input: Pick<LoadedSchema, 'schema' | 'draft'>;
  hasOutput: boolean;
  openWorld: boolean;
}
export interface PoolBatch {
  /**
   * The generated header, when validators are shared: the shared module's text is header + code,
   * whose sha256 (for the cache) is computed with the code's, where the code is made.
   */
  header?: string;
  types: TypesJob[];
  /** Compiled first, so the batch's contract cases check their samples with these functions. */
  validators: ValidatorJob[];
  contracts: ContractJob[];
  /**
   * Sent to a worker: its slot in a table shared by the threads. The first thread to claim it
   * runs the batch (see `claimBatch`); a worker that finds it claimed answers `skipped`.
   */
  claim?: { claims: Int32Array; index: number };
}

/** Claims a batch for the calling thread: true once, for the first caller. */
export function claimBatch(claim: { claims: Int32Array; index: number }): boolean {
  return Atomics.compareExchange(claim.claims, claim.index, 0, 1) === 0;
}

/** A worker's answer to a batch this thread took back: nothing to take. */
export const skipped = (index: number): PoolResult => ({ index, types: [], validators: [], contracts: [] });

export interface PoolResult {
  /** A worker's answer: the index of the batch (`claim.index`) it answers. */
  index?: number;
  /** Formatted type modules by id, with the sha256 of that text. */
  types: Array<[string, string, string]>;
  /** Validator module source (without header) by key, with the hashes of `ValidatorHashes`. */
  validators: Array<[string, string, ValidatorHashes]>;
  contracts: Array<[string, ToolContractCases]>;
}
/** sha256 of a validator's code (its shared module's name) and of header + code (its shared module's text), when the batch had a header. */
export interface ValidatorHashes {
  code: string;
  module?: string;
}
export interface PoolOutput {
  types: Map<string, { text: string; hash: string }>;
  validators: Map<string, { code: string; hashes: ValidatorHashes }>;
  contracts: Map<string, ToolContractCases>;
}

/**
 * Batches of consecutive entries (an entry's types, the validators it is first to use, its
 * contract cases travel together): small enough to balance the workers, large enough for
 * prettier's batching.
 */
export const BATCH_ENTRIES = 24;

/**
 * The last entries go in smaller batches. A worker holds up to two batches (one running, one
 * queued); at the end this thread, out of batches, waits for both before the project-wide files
 * (GitHub import, loaded: ~0.5 s with the main thread idle). Small batches there shorten that wait.
 */
const TAIL_ENTRIES = 96;
const TAIL_BATCH_ENTRIES = 6;

/** Whether the `i`th of `total` entries to emit starts a new batch. */
export function startsBatch(i: number, total: number): boolean {
  const tail = Math.max(0, total - TAIL_ENTRIES);
  return i < tail ? i % BATCH_ENTRIES === 0 : (i - tail) % TAIL_BATCH_ENTRIES === 0;
}

/** Removes `item` from `list` (if there). */
const drop = (list: number[], item: number) => {
  const at = list.indexOf(item);
  if (at >= 0) list.splice(at, 1);
};

/** A macrotask turn: the workers' messages are events, which no microtask lets in. */
const yieldToWorkers = () => new Promise((resolve) => setImmediate(resolve));

/**
 * Runs the batches on `threads` threads: this one and `threads - 1` workers (this thread would
 * otherwise wait; each extra thread pays for loading and warming up the compilers once more).
 * Validators compiled here go into `local`, so their functions serve the later contract checks.
 * Workers started by `prestartEmitWorkers` are used first. When this thread runs out of batches
 * it takes back the ones a worker holds but has not started (`claim`), instead of waiting for
 * them: results are keyed, so which thread ran a batch changes nothing in the output.
 *
 * `alongside`: steps of this thread's own work that need no batch result (a generation's
 * project-wide files), run here once the workers have their first batches and before this
 * thread takes any: done after the batches, they kept the workers idle (GitHub import: the
 * ~5 MB manifest alone, ~0.3 s). This thread yields between steps, so the workers' answers
 * come in and their next batches go out. Steps must not fail: the caller keeps a step's error
 * to report it where the work used to be done.
 */
export async function emitInWorkers(batches: PoolBatch[], threads: number, local: ValidatorCompiler, alongside: Array<() => unknown> = []): Promise<PoolOutput> {
  const out: PoolOutput = { types: new Map(), validators: new Map(), contracts: new Map() };
  const take = (result: PoolResult) => {
    for (const [id, text, hash] of result.types) out.types.set(id, { text, hash });
    for (const [key, code, hashes] of result.validators) out.validators.set(key, { code, hashes });
    for (const [name, cases] of result.contracts) out.contracts.set(name, cases);
  };
  let next = 0;
  /** One slot per batch, claimed by the thread that runs it (batches this thread takes from `next` need none). */
  const claims = new Int32Array(new SharedArrayBuffer(4 * Math.max(1, batches.length)));
  /** Batches sent to a worker and not answered yet, oldest first: the last ones may not have started. */
  const sent: number[] = [];
  const remote = (worker: Worker) =>
    new Promise<void>((resolve) => {
      const mine: number[] = [];
      const send = () => {
        if (next < batches.length) {
          const index = next++;
          worker.postMessage({ ...batches[index]!, claim: { claims, index } });
          mine.push(index);
          sent.push(index);
        } else if (mine.length === 0) resolve();
      };
      worker.on('message', (result: PoolResult | SpecParseAnswer) => {
        // The answer to a spec parse asked before the batches (spec-in-worker.ts) has its own listener.
        if ('parsedSpec' in result) return;
        const index = result.index ?? mine[0]!;
        drop(mine, index);
        drop(sent, index);
        take(result);
        send();
      });
      // A worker that fails takes its batches in flight with it: their entries are missing from
      // the answer, so the caller emits them in process (and reports their errors, if any).
      worker.on('error', () => resolve());
      worker.on('exit', () => resolve());
      // Two batches in flight: the worker never waits for this thread to hand it the next one.
      send();
      send();
    });
  const here = async () => {
    for (const step of alongside) {
      await step();
      await new Promise((resolve) => setImmediate(resolve));
    }
    while (next < batches.length) {
      // Not between the jobs of a batch as well: that left the worker no wait inside the batch
      // phase (~0.35 s, loaded, when a batch of this thread outlasted the two the worker holds),
      // but measured slower in wall time (bench/README.md, round ten).
      take(await runBatch(batches[next++]!, local));
      // Let the workers' answers in (and new batches out) between two batches of this thread.
      await yieldToWorkers();
    }
    // Out of batches: rather than wait for the one a worker holds queued behind its current one,
    // take it back and run it here (GitHub import, loaded: this thread waited 0.2-0.5 s at the end).
    for (let index = stealable(); index !== undefined; index = stealable()) {
      take(await runBatch(batches[index]!, local));
      await yieldToWorkers();
    }
  };
  /** The latest batch sent to a worker that no thread has claimed, now claimed by this one. */
  const stealable = (): number | undefined => {
    for (let i = sent.length - 1; i >= 0; i--) if (claimBatch({ claims, index: sent[i]! })) return sent[i];
    return undefined;
  };
  const wanted = Math.max(0, Math.min(threads - 1, Math.ceil(batches.length / 2)));
  const pool = takeStartedWorkers(wanted);
  while (pool.length < wanted) pool.push(new Worker(WORKER_URL));
  try {
    // The workers' first batches go out before this thread starts on its own work.
    const remotes = pool.map(remote);
    await Promise.all([here(), ...remotes]);
  } finally {
    // Not awaited: a worker's teardown (its isolate and heap) takes this thread ~0.1-0.2 s of
    // waiting (GitHub import, loaded), while it can go on with the project-wide files and the
    // writes. Unref'd, so that a worker still stopping never keeps the process alive.
    for (const worker of pool) {
      worker.unref();
      worker.terminate().catch(() => {});
    }
  }
  return out;
}
