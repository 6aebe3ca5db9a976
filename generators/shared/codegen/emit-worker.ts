/** A worker thread of `emitInWorkers` (emit-pool.ts): runs the batches it is sent. */
import { parentPort } from 'node:worker_threads';
import { runBatch } from './emit-batch.js';
import type { PoolBatch } from './emit-pool.js';
import { ValidatorCompiler } from './emit-validators.js';

const validators = new ValidatorCompiler();

parentPort!.on('message', async (batch: PoolBatch) => {
  parentPort!.postMessage(await runBatch(batch, validators));
});
