/**
 * `cursor`: Cursor sends the agent only the first 40 MCP tools, and the server name plus the tool
 * name must stay within 60 characters; `anyOf [T, null]` is rejected, so a nullable value is shown
 * as `T` with "May be null." in its description. References are inlined and top-level unions
 * lifted (Cursor's models include Claude). Sources: docs/clients.md.
 */
import type { ProfileRules } from '../types.js';

export const cursor: ProfileRules = {
  name: 'cursor',
  label: 'Cursor',
  maxTools: 40,
  maxNameLength: 60,
  namePrefix: '{server}',
  inlineRefs: true,
  liftTopLevelUnion: true,
  strict: false,
  oneOfAsAnyOf: false,
  mergeAllOf: false,
  nullable: 'drop',
  stringEnums: false,
  arrayItems: false,
  jsonText: () => undefined,
};
