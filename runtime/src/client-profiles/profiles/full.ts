/** `full`: the schema exactly as written (JSON Schema 2020-12); the default for unknown clients. */
import type { ProfileRules } from '../types.js';

export const full: ProfileRules = {
  name: 'full',
  label: 'any client that takes full JSON Schema (the schema as written)',
  inlineRefs: false,
  liftTopLevelUnion: false,
  strict: false,
  oneOfAsAnyOf: false,
  mergeAllOf: false,
  nullable: 'keep',
  stringEnums: false,
  arrayItems: false,
  jsonText: () => undefined,
};
