/**
 * One batch of the per-entry work of a large generation (emit-pool.ts), done by a worker thread
 * or by the main thread alike, with the functions the sequential path uses. A job that fails is
 * left out of the answer: the caller redoes it in order, so the error (and which entry it names
 * first) is exactly the sequential one.
 */
import type { LoadedTool } from '../spec/types.js';
import { sha256 } from './content-hash.js';
import { toolContractCases } from './contract-cases.js';
import type { PoolBatch, PoolResult } from './emit-pool.js';
import { emitTypes } from './emit-types.js';
import type { ValidatorCompiler } from './emit-validators.js';
import { formatTypeScript } from './format.js';

export async function runBatch(batch: PoolBatch, validators: ValidatorCompiler): Promise<PoolResult> {
  const result: PoolResult = { types: [], validators: [], contracts: [] };
  const texts = new Map<string, string>();
  for (const job of batch.types) {
    try {
      texts.set(job.id, job.prefix + (await emitTypes(job.roots)));
    } catch {
      // redone in order by the caller
    }
  }
  try {
    await formatTypeScript(texts);
    // Hashed here, for the cache: this thread made the text (the main thread has less to do at the end).
    result.types = [...texts].map(([id, text]) => [id, text, sha256(text)]);
  } catch {
    // every type module of the batch is redone by the caller
  }
  for (const job of batch.validators) {
    try {
      const code = validators.compile(job.schema);
      result.validators.push([job.key, code, { code: sha256(code), ...(batch.header !== undefined ? { module: sha256(batch.header + code) } : {}) }]);
    } catch {
      // redone in order by the caller
    }
  }
  for (const job of batch.contracts) {
    try {
      const tool = { name: job.name, input: job.input, ...(job.hasOutput ? { output: {} } : {}), ...(job.openWorld ? { annotations: { openWorldHint: true } } : {}) } as unknown as LoadedTool;
      result.contracts.push([job.name, toolContractCases(tool, (loaded) => validators.functionFor(loaded))]);
    } catch {
      // redone by the caller
    }
  }
  return result;
}
