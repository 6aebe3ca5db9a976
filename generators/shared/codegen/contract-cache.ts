/**
 * The contract cases of tools whose cases needed ajv (`examples` to vet, keywords the sampler
 * cannot satisfy by construction), kept between generations in `.mcpforge/contract-tests.json`
 * by what they are computed from (the tool's entry key: name and schemas; its `openWorldHint`).
 * Without it every regeneration compiled each such tool's input schema again (~7 ms a schema:
 * seconds for a large API with examples) to rebuild the same contract test. Kept out of
 * cache.json, which the no-op check reads.
 *
 * A JSON round trip gives the same contract test: the cases are printed with `literal`, which
 * writes leaves with JSON.stringify and objects by their own keys.
 */
import type { ToolContractCases } from './contract-cases.js';
import type { ContractCasesStore } from './emit-contract-tests.js';

export { CONTRACT_CACHE_FILE } from '../cache-files.js';

export interface ContractCacheRecord {
  version: 1;
  /** The generator that computed the cases (generatorFingerprint()): another may compute others. */
  fingerprint: string;
  cases: Record<string, ToolContractCases>;
}

export class ContractCache implements ContractCasesStore {
  private readonly previous: ReadonlyMap<string, ToolContractCases>;
  private readonly current = new Map<string, ToolContractCases>();

  constructor(
    private readonly fingerprint: string,
    record?: ContractCacheRecord,
  ) {
    this.previous = new Map(record?.fingerprint === fingerprint ? Object.entries(record.cases) : []);
  }

  /** Reads a record as written by `serialize`; undefined when absent or unusable. */
  static parseRecord(text: string | undefined): ContractCacheRecord | undefined {
    if (text === undefined) return undefined;
    try {
      const record = JSON.parse(text) as ContractCacheRecord;
      return record.version === 1 && typeof record.fingerprint === 'string' && record.cases && typeof record.cases === 'object' ? record : undefined;
    } catch {
      return undefined;
    }
  }

  get(key: string): ToolContractCases | undefined {
    return this.previous.get(key);
  }

  set(key: string, cases: ToolContractCases): void {
    this.current.set(key, cases);
  }

  /**
   * The record to store once the generation is committed (the cases of this run's tools only);
   * undefined when it is the record read (nothing to rewrite).
   */
  serialize(): string | undefined {
    const same = this.current.size === this.previous.size && [...this.current.keys()].every((key) => this.previous.has(key));
    if (same) return undefined;
    const record: ContractCacheRecord = { version: 1, fingerprint: this.fingerprint, cases: Object.fromEntries(this.current) };
    return `${JSON.stringify(record)}\n`;
  }
}
