import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { generationJitFlag } from './jit-budget.js';

describe('the generation JIT flag', () => {
  it('is one this Node knows (an unknown V8 flag prints "unrecognized flag" into the CLI output)', () => {
    // Run on every Node the suite runs on (20 here, 22 and 24 in scripts/test-node-versions.sh).
    const run = spawnSync(process.execPath, [generationJitFlag(), '-e', 'void 0'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('');
    expect(run.status).toBe(0);
  });

  it('follows V8: the bytecode budget up to V8 11, invocation counts from V8 12 (Node 22)', () => {
    expect(generationJitFlag('11.3.244.8-node.38')).toBe('--interrupt-budget=524288');
    expect(generationJitFlag('12.4.254.21-node.57')).toBe('--invocation-count-for-turbofan=12000');
    expect(generationJitFlag('13.6.233.17-node.63')).toBe('--invocation-count-for-turbofan=12000');
  });
});
