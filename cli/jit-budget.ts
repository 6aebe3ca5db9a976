/**
 * Generation is a one-shot batch job: prettier, json-schema-to-typescript and ajv's code generator
 * run over thousands of inputs once, in this thread and in each emit worker. With V8's default
 * tier-up budget, TurboFan optimises (and after a deopt re-optimises) hundreds of their large
 * functions on background threads: importing the GitHub REST description spent ~5 s of CPU there,
 * per isolate, against ~7 s in the main thread (bench/README.md, "Generation"). A 4× budget leaves
 * only the really hot functions to TurboFan (Sparkplug still compiles the rest): ~15–20% less CPU
 * for the whole process, the main thread's time unchanged.
 *
 * V8 flags are process-wide and read when a function's budget is next reset, so setting it at the
 * start of a generating command covers the modules loaded later and the worker threads it starts.
 * Only commands that generate call this (never a long-lived server: `gateway`, the runtime).
 */
import { setFlagsFromString } from 'node:v8';

/** Bytes of bytecode executed before a function is considered for optimisation (V8 11's default: 132 KiB). */
export const GENERATION_INTERRUPT_BUDGET = 512 * 1024;
/** Calls before TurboFan optimises a function (V8 12+'s default: 3,000). */
export const GENERATION_TURBOFAN_INVOCATIONS = 4 * 3000;

/**
 * The flag for this V8: V8 12 (Node 22) replaced the bytecode budget with invocation counts, and an
 * unknown flag is not ignored in silence (V8 prints "unrecognized flag" on the console). On Node 22
 * the 4× count gave the GitHub import 19.9 → 18.3 s of CPU (median of 3 alternating, loaded).
 */
export function generationJitFlag(v8Version = process.versions.v8): string {
  const major = Number(v8Version.split('.')[0]);
  return major >= 12 ? `--invocation-count-for-turbofan=${GENERATION_TURBOFAN_INVOCATIONS}` : `--interrupt-budget=${GENERATION_INTERRUPT_BUDGET}`;
}

let applied = false;

export function useGenerationJitBudget(): void {
  if (applied || process.env.MCPFORGE_DEFAULT_JIT) return;
  applied = true;
  setFlagsFromString(generationJitFlag());
}
