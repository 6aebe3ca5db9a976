/**
 * Which profile a client gets, from the `clientInfo` it sends: in `initialize` (2025 protocol), or
 * in each request's `_meta["io.modelcontextprotocol/clientInfo"]` (2026-07-28, stateless). Names
 * are matched case-insensitively; the first rule that matches wins, so Cursor (whose client calls
 * itself `cursor-vscode`) is tested before VS Code. Unknown clients get `full`.
 */
import type { ClientProfileName } from './types.js';

export interface ClientInfoLike {
  name?: unknown;
  title?: unknown;
  version?: unknown;
}

/** `[pattern, profile]`, in order; exported for the docs and the tests. */
export const CLIENT_NAME_RULES: readonly (readonly [RegExp, ClientProfileName])[] = [
  [/cursor/i, 'cursor'],
  [/claude/i, 'claude'],
  [/gemini/i, 'gemini'],
  [/visual studio code|vscode|vs code|copilot/i, 'vscode'],
  [/openai|codex|chatgpt/i, 'openai-strict'],
];

export function detectProfile(clientInfo: ClientInfoLike | undefined): ClientProfileName {
  if (!clientInfo) return 'full';
  const names = [clientInfo.name, clientInfo.title].filter((n): n is string => typeof n === 'string');
  for (const [pattern, profile] of CLIENT_NAME_RULES) if (names.some((n) => pattern.test(n))) return profile;
  return 'full';
}
