import { describe, expect, it } from 'vitest';
import { emitInWorkers, type PoolBatch } from '../../../generators/shared/codegen/emit-pool.js';
import { ValidatorCompiler } from '../../../generators/shared/codegen/emit-validators.js';

const schema = { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] };

describe('emitInWorkers alongside steps', () => {
  it('runs each step once, in order, each finished before the next, before this thread takes a batch', async () => {
    const events: string[] = [];
    const local = new ValidatorCompiler();
    const batch: PoolBatch = { types: [], validators: [{ key: ValidatorCompiler.keyOf({ schema, draft: '2020-12' }), schema: { schema, draft: '2020-12' } }], contracts: [] };
    const step = (name: string) => async () => {
      events.push(`${name} start`);
      await new Promise((resolve) => setTimeout(resolve, 5));
      // This thread compiles its batches' validators into `local`: none yet.
      events.push(`${name} end, ${local.functionFor({ schema, draft: '2020-12' }) ? 'a batch ran' : 'no batch yet'}`);
    };
    // One thread (this one; the workers' side is test/openapi/generation-scale.test.ts).
    const out = await emitInWorkers([batch], 1, local, [step('a'), step('b')]);
    expect(events).toEqual(['a start', 'a end, no batch yet', 'b start', 'b end, no batch yet']);
    expect([...out.validators.keys()]).toEqual([batch.validators[0]!.key]);
    expect(local.functionFor({ schema, draft: '2020-12' })).toBeDefined();
  });
});
