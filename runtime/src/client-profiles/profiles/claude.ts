/**
 * `claude`: Claude Code, Claude Desktop and claude.ai pass tool schemas to the Anthropic Messages
 * API, which rejects `oneOf`/`anyOf`/`allOf` at the top level of `input_schema` (error "input_schema
 * does not support oneOf, allOf, or anyOf at the top level") and tool names over 64 characters;
 * Claude Code names MCP tools `mcp__<server>__<tool>`. Everything else of JSON Schema is taken.
 * Sources: docs/clients.md.
 */
import type { ProfileRules } from '../types.js';

export const claude: ProfileRules = {
  name: 'claude',
  label: 'Claude Code, Claude Desktop, claude.ai (Anthropic Messages API)',
  maxNameLength: 64,
  // Claude Code refuses tool output over 25,000 tokens by default (MAX_MCP_OUTPUT_TOKENS; docs/clients.md).
  maxOutputTokens: 25_000,
  namePrefix: 'mcp__{server}__',
  inlineRefs: false,
  liftTopLevelUnion: true,
  strict: false,
  oneOfAsAnyOf: false,
  mergeAllOf: false,
  nullable: 'keep',
  stringEnums: false,
  arrayItems: false,
  jsonText: () => undefined,
};
