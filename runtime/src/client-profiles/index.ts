/**
 * Client profiles: the full JSON Schema of a tool shaped into what one client (and the model
 * behind it) accepts, with a plan that maps the arguments it sends back for validation against
 * the full schema. Pure and dependency-free: the runtime shapes `tools/list` with it at serve time
 * (server/shaping.ts), the generator's lint and `mcpforge check --client` use the same code.
 *
 * @example
 * ```ts
 * import { shapeForProfile, restoreArguments } from '@mcpforge/runtime/client-profiles';
 * const shaped = shapeForProfile('openai-strict', tool.inputSchema);
 * // tools/list shows shaped.schema; a call's arguments: restoreArguments(shaped.plan, args)
 * ```
 */
import { claude } from './profiles/claude.js';
import { cursor } from './profiles/cursor.js';
import { full } from './profiles/full.js';
import { gemini } from './profiles/gemini.js';
import { openaiStrict } from './profiles/openai-strict.js';
import { vscode } from './profiles/vscode.js';
import { shapeSchema } from './shape.js';
import { CLIENT_PROFILE_NAMES, type ClientProfileName, type JsonSchema, type ProfileRules, type ShapedSchema } from './types.js';

export { CLIENT_PROFILE_NAMES, type ClientProfileName, type JsonSchema, type NullableStyle, type ProfileRules, type RestorePlan, type ShapeChange, type ShapedSchema } from './types.js';
export { restoreArguments, shapeSchema, REF_DEPTH_CAP } from './shape.js';
export { detectProfile, CLIENT_NAME_RULES, type ClientInfoLike } from './detect.js';

export const CLIENT_PROFILES: Readonly<Record<ClientProfileName, ProfileRules>> = {
  full,
  claude,
  'openai-strict': openaiStrict,
  gemini,
  vscode,
  cursor,
};

export function isClientProfileName(name: string): name is ClientProfileName {
  return (CLIENT_PROFILE_NAMES as readonly string[]).includes(name);
}

export function shapeForProfile(profile: ClientProfileName, schema: JsonSchema): ShapedSchema {
  return shapeSchema(CLIENT_PROFILES[profile], schema);
}

/**
 * A tool's output schema for a profile. The client validates `structuredContent` against what it
 * is shown, so only changes that take every value the full schema takes apply: references inlined
 * for clients that do not resolve them (recursion cut to "any value" past a few levels) and the
 * `$schema` keyword dropped (official SDK v1 clients fail to compile output schemas that carry the
 * 2020-12 dialect URI and then skip output validation silently). Strict mode, stringified enums,
 * lifted unions and dropped keywords, which would refuse valid results, never apply to outputs.
 */
export function shapeOutputForProfile(profile: ClientProfileName, schema: JsonSchema): JsonSchema {
  if (profile === 'full') return schema;
  const rules = CLIENT_PROFILES[profile];
  const { $schema: _dialect, ...rest } = schema;
  if (!rules.inlineRefs) return rest;
  return shapeSchema({ ...full, name: profile, inlineRefs: true }, rest).schema;
}

/** The name a client shows for a tool (its prefix included), e.g. `mcp__notes__create_note`. */
export function prefixedToolName(profile: ClientProfileName, server: string, tool: string, prefix = CLIENT_PROFILES[profile].namePrefix): string {
  return `${(prefix ?? '').replace('{server}', server)}${tool}`;
}
