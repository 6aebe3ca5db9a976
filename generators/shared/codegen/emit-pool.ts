/**
 * The per-entry work of a large generation (json-schema-to-typescript, prettier on the type
 * modules, ajv standalone compiles) spread over worker threads. Pure: schemas in, texts out,
 * keyed by job id, so the result does not depend on which worker did what or when; the caller
 * assembles files in spec order as before. Workers are started per call and ended after it.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { LoadedSchema } from '../spec/types.js';
import type { ToolContractCases } from './contract-cases.js';

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
  types: TypesJob[];
  /** Compiled first, so the batch's contract cases check their samples with these functions. */
  validators: ValidatorJob[];
  contracts: ContractJob[];
}
export interface PoolResult {
  /** Formatted type modules by id. */
  types: Array<[string, string]>;
  /** Validator module source (without header) by key. */
  validators: Array<[string, string]>;
  contracts: Array<[string, ToolContractCases]>;
}
export interface PoolOutput {
  types: Map<string, string>;
  validators: Map<string, string>;
  contracts: Map<string, ToolContractCases>;
}

/** Entries emitted afresh from which the work goes to worker threads (below, start-up costs more). */
export const WORKERS_FROM = 150;

/** Worker threads to use by default: one per core the process may use, at most 4. */
export function defaultWorkers(): number {
  // Workers run the compiled module next to this one; from TypeScript sources (tests under
  // vitest) there is none to start, so the work stays in process.
  if (!import.meta.url.endsWith('.js')) return 0;
  return Math.min(4, availableParallelism());
}

/**
 * Batches of consecutive entries (an entry's types, the validators it is first to use, its
 * contract cases travel together): small enough to balance the workers, large enough for
 * prettier's batching.
 */
export const BATCH_ENTRIES = 24;

export async function emitInWorkers(batches: PoolBatch[], workers: number): Promise<PoolOutput> {
  const out: PoolOutput = { types: new Map(), validators: new Map(), contracts: new Map() };
  const url = new URL('./emit-worker.js', import.meta.url);
  let next = 0;
  const run = (worker: Worker) =>
    new Promise<void>((resolve, reject) => {
      const send = () => {
        if (next >= batches.length) return resolve();
        worker.postMessage(batches[next++]);
      };
      worker.on('message', (result: PoolResult) => {
        for (const [id, text] of result.types) out.types.set(id, text);
        for (const [key, code] of result.validators) out.validators.set(key, code);
        for (const [name, cases] of result.contracts) out.contracts.set(name, cases);
        send();
      });
      worker.on('error', reject);
      worker.on('exit', (code) => (next < batches.length || code !== 0 ? reject(new Error(`a generation worker stopped (exit code ${code})`)) : resolve()));
      send();
    });
  const pool = Array.from({ length: Math.max(1, Math.min(workers, batches.length)) }, () => new Worker(url));
  try {
    await Promise.all(pool.map(run));
  } finally {
    await Promise.all(pool.map((worker) => worker.terminate()));
  }
  return out;
}
