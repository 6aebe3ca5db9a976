import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { PoolBatch } from '../../../generators/shared/codegen/emit-pool.js';
import { TOOLKIT_ROOT } from '../../helpers/toolkit.js';

// The compiled toolkit: workers run dist/'s emit-worker.js (from TypeScript sources there is none).
const dist = (file: string) => import(pathToFileURL(join(TOOLKIT_ROOT, 'dist', file)).href);

const schemaOf = (n: number) => ({ type: 'object', properties: { [`p${n}`]: { type: 'integer', minimum: n } }, required: [`p${n}`] });

describe('emitInWorkers, out of batches', () => {
  it('takes back the batch a worker holds queued and runs it here; the worker skips it, and every result arrives once', async () => {
    const pool = (await dist('generators/shared/codegen/emit-pool.js')) as typeof import('../../../generators/shared/codegen/emit-pool.js');
    const { ValidatorCompiler } = (await dist('generators/shared/codegen/emit-validators.js')) as typeof import('../../../generators/shared/codegen/emit-validators.js');
    const job = (n: number) => {
      const schema = { schema: schemaOf(n), draft: '2020-12' as const };
      return { key: ValidatorCompiler.keyOf(schema), schema };
    };
    // The worker (started cold) is sent batches 0 and 1, this thread takes batch 2. Batch 0 is
    // long (60 compiles), 1 and 2 are one compile each: this thread is done with 2 long before
    // the worker is done with 0 (or has even loaded), so batch 1 is still queued there.
    const batches: PoolBatch[] = [
      { types: [], validators: Array.from({ length: 60 }, (_, i) => job(100 + i)), contracts: [] },
      { types: [], validators: [job(1)], contracts: [] },
      { types: [], validators: [job(2)], contracts: [] },
    ];
    const local = new ValidatorCompiler();
    const out = await pool.emitInWorkers(batches, 2, local);
    // Batch 1 ran here: its validator's function is this thread's (a worker's stays there).
    expect(local.functionFor(job(1).schema)).toBeDefined();
    expect(local.functionFor(job(2).schema)).toBeDefined();
    // (Batch 0 ran here too when the worker had not started it yet: it was still loading.)
    // Every validator once, with the code a single thread makes.
    const alone = new ValidatorCompiler();
    const expected = batches.flatMap((b) => b.validators).map((v) => [v.key, alone.compile(v.schema)] as const);
    expect(new Map([...out.validators].map(([key, v]) => [key, v.code]))).toEqual(new Map(expected));
  }, 60_000);

  it('a worker answers a batch another thread claimed with nothing, and runs an unclaimed one', async () => {
    const { WORKER_URL } = (await dist('generators/shared/codegen/emit-workers.js')) as typeof import('../../../generators/shared/codegen/emit-workers.js');
    const { ValidatorCompiler } = (await dist('generators/shared/codegen/emit-validators.js')) as typeof import('../../../generators/shared/codegen/emit-validators.js');
    const schema = { schema: schemaOf(1), draft: '2020-12' as const };
    const claims = new Int32Array(new SharedArrayBuffer(8));
    claims[0] = 1; // claimed by this thread
    const worker = new Worker(WORKER_URL);
    try {
      const answer = (index: number) =>
        new Promise((resolve) => {
          worker.once('message', resolve);
          worker.postMessage({ types: [], validators: [{ key: ValidatorCompiler.keyOf(schema), schema }], contracts: [], claim: { claims, index } } satisfies PoolBatch);
        });
      expect(await answer(0)).toEqual({ index: 0, types: [], validators: [], contracts: [] });
      const ran = (await answer(1)) as { index: number; validators: unknown[] };
      expect([ran.index, ran.validators.length, claims[1]]).toEqual([1, 1, 1]);
    } finally {
      await worker.terminate();
    }
  }, 60_000);

  it('returns without waiting for its workers to finish stopping (their teardown overlaps the rest of the generation)', async () => {
    const pool = (await dist('generators/shared/codegen/emit-pool.js')) as typeof import('../../../generators/shared/codegen/emit-pool.js');
    const { ValidatorCompiler } = (await dist('generators/shared/codegen/emit-validators.js')) as typeof import('../../../generators/shared/codegen/emit-validators.js');
    const terminate = Worker.prototype.terminate;
    const stopped: Array<Promise<number>> = [];
    // A teardown that never reports its end: awaiting it would never return.
    Worker.prototype.terminate = function (this: Worker) {
      stopped.push(terminate.call(this));
      return new Promise<number>(() => {});
    };
    try {
      const schema = { schema: schemaOf(3), draft: '2020-12' as const };
      const batch: PoolBatch = { types: [], validators: [{ key: ValidatorCompiler.keyOf(schema), schema }], contracts: [] };
      const out = await Promise.race([pool.emitInWorkers([batch, batch, batch], 2, new ValidatorCompiler()), new Promise((resolve) => setTimeout(() => resolve('waited'), 20_000))]);
      expect(out).not.toBe('waited');
      expect(stopped).toHaveLength(1);
    } finally {
      Worker.prototype.terminate = terminate;
      await Promise.all(stopped);
    }
  }, 60_000);
});
