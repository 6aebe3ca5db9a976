/**
 * `vscode`: GitHub Copilot in VS Code refuses more than 128 tools per request ("Cannot have more
 * than 128 tools per request") and passes schemas on to the chosen model: `$dynamicRef` is not
 * resolved, arrays need `items`, and Claude models there reject top-level unions as well.
 * References are inlined so no model has to resolve them. Sources: docs/clients.md.
 */
import type { ProfileRules } from '../types.js';

export const vscode: ProfileRules = {
  name: 'vscode',
  label: 'VS Code (GitHub Copilot agent mode)',
  maxTools: 128,
  maxNameLength: 64,
  inlineRefs: true,
  liftTopLevelUnion: true,
  strict: false,
  oneOfAsAnyOf: false,
  mergeAllOf: false,
  nullable: 'keep',
  stringEnums: false,
  arrayItems: true,
  jsonText: () => undefined,
};
