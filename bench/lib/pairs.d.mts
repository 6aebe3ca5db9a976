/** See pairs.mjs: a server against its twins, each once per round, the cost per round. */
export interface PairRun {
  round: number;
  pair: string;
  side: 'base' | 'twin';
  id: string;
  /** Its place in its round's order (0: first). */
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
  cost: Summary & { q1: number; q3: number };
  cpuCost: Summary & { q1: number; q3: number };
}
export function quantile(values: number[], q: number): number;
export function pairStats(runs: PairRun[], pair: { base: { id: string }; twin: { id: string } }): PairStats;
export function roundOrder<T>(list: T[], round: number): T[];
export function runPairs(
  pairs: Array<{ id: string; base: unknown; twin: unknown }>,
  settings: { rounds: number; seconds: number; connections: number },
): Promise<{ runs: Array<Omit<PairRun, 'pair' | 'side'>>; stats: Record<string, PairStats> }>;
