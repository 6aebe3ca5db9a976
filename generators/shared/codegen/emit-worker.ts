/** A worker thread of `emitInWorkers` (emit-pool.ts): runs the batches it is sent, and a spec parse asked before them (spec-in-worker.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { runBatch } from './emit-batch.js';
import { claimBatch, skipped, type PoolBatch } from './emit-pool.js';
import { ValidatorCompiler } from './emit-validators.js';
import { parseSpecHere, type SpecParseRequest } from './spec-in-worker.js';

const validators = new ValidatorCompiler();

parentPort!.on('message', async (message: PoolBatch | SpecParseRequest) => {
  if ('parseSpec' in message) return parentPort!.postMessage(parseSpecHere(message.parseSpec));
  const batch = message;
  // Taken back by the main thread, which ran out of batches before this worker started it.
  if (batch.claim && !claimBatch(batch.claim)) return parentPort!.postMessage(skipped(batch.claim.index));
  parentPort!.postMessage({ ...(await runBatch(batch, validators)), index: batch.claim?.index });
});

// Started ahead of its batches (`prestartEmitWorkers`): one small batch, answered to nobody, loads
// what the first real batch would load (prettier's babel-ts parser, ajv's formats and draft
// meta-schema) and compiles the compilers' code paths while the main thread is still busy. Its own
// compiler, so the real one's per-run results hold only real schemas; messages queue meanwhile.
if ((workerData as { warmUp?: boolean } | undefined)?.warmUp) {
  const schema = { type: 'object', properties: { id: { type: 'integer' }, tags: { type: 'array', items: { type: 'string', format: 'date-time' } } }, required: ['id'] } as const;
  await runBatch(
    {
      types: [{ id: 'warm-up.ts', prefix: '', roots: [{ name: 'WarmUp', schema: { schema } }] }],
      validators: [{ key: 'warm-up', schema: { schema, draft: '2020-12' } }],
      contracts: [{ name: 'warm_up', input: { schema, draft: '2020-12' }, hasOutput: false, openWorld: false }],
    },
    new ValidatorCompiler(),
  );
}
