/** See pairs.mjs: a server against its twin in back-to-back pairs, order alternating. */
export interface PairRun {
  round: number;
  pair: string;
  side: 'base' | 'twin';
  id: string;
  /** 0: ran first in its pair, 1: second. */
  position: number;
  rps: number;
  cpuUs: number;
  p99Ms: number;
  errors: number;
}
export interface Summary {
  median: number;
  min: number;
  max: number;
  n: number;
}
export interface PairSide {
  id: string;
  rps: Summary;
  cpuUs: Summary;
  p99Ms: Summary;
  errors: number;
  peakRssMiB?: number;
}
export interface PairStats {
  base: PairSide;
  twin: PairSide;
  rounds: Array<{ round: number; baseFirst: boolean; base: { rps: number; cpuUs: number }; twin: { rps: number; cpuUs: number }; cost: number; cpuCost: number }>;
  cost: Summary;
  cpuCost: Summary;
}
export function pairStats(runs: PairRun[], pair: { base: { id: string }; twin: { id: string } }): PairStats;
export function runPairs(
  pairs: Array<{ id: string; base: unknown; twin: unknown }>,
  settings: { rounds: number; seconds: number; connections: number },
): Promise<{ runs: PairRun[]; stats: Record<string, PairStats> }>;
