/** See corpus-sample.mjs: the import corpus and the one rule that samples it. */
export interface CorpusEntry {
  file: string;
  label: string;
}
export const DIRECTORY_STEP: number;
export const MAX_SAMPLED_BYTES: number;
export function directoryFiles(): string[];
export function exampleFiles(): string[];
export function corpusLabel(file: string): string;
export function corpusSample(options?: { step?: number; maxBytes?: number; full?: boolean }): CorpusEntry[];
export function declaredVersion(text: string): string;
