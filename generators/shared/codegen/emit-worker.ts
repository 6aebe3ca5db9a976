/**
 * A worker thread of `emitInWorkers` (emit-pool.ts): emits and formats type modules and compiles
 * validators for the batches it is sent, with the same functions the in-process path uses.
 * A job that fails is left out of the answer: the main thread redoes it in process, so the
 * error (and its position in the spec) is exactly the in-process one.
 */
import { parentPort } from 'node:worker_threads';
import type { LoadedTool } from '../spec/types.js';
import { toolContractCases } from './contract-cases.js';
import { emitTypes } from './emit-types.js';
import { ValidatorCompiler } from './emit-validators.js';
import { formatTypeScript } from './format.js';
import type { PoolBatch, PoolResult } from './emit-pool.js';

const validators = new ValidatorCompiler();

parentPort!.on('message', async (batch: PoolBatch) => {
  const result: PoolResult = { types: [], validators: [], contracts: [] };
  const texts = new Map<string, string>();
  for (const job of batch.types) {
    try {
      texts.set(job.id, job.prefix + (await emitTypes(job.roots)));
    } catch {
      // redone in process (see above)
    }
  }
  try {
    await formatTypeScript(texts);
    result.types = [...texts];
  } catch {
    // every type module of the batch is redone in process
  }
  for (const job of batch.validators) {
    try {
      result.validators.push([job.key, validators.compile(job.schema)]);
    } catch {
      // redone in process
    }
  }
  for (const job of batch.contracts) {
    try {
      const tool = { name: job.name, input: job.input, ...(job.hasOutput ? { output: {} } : {}), ...(job.openWorld ? { annotations: { openWorldHint: true } } : {}) } as unknown as LoadedTool;
      result.contracts.push([job.name, toolContractCases(tool, (loaded) => validators.functionFor(loaded))]);
    } catch {
      // redone in process
    }
  }
  parentPort!.postMessage(result);
});
