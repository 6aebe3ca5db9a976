/**
 * Shared types of the client profiles: what a profile declares (its rules), what shaping returns
 * (the schema the client sees, a restore plan, and notes of what changed). A leaf module.
 */

/** A JSON Schema node as found in a manifest (objects only; boolean schemas are handled by the walker). */
export type JsonSchema = { [keyword: string]: unknown };

export const CLIENT_PROFILE_NAMES = ['full', 'claude', 'openai-strict', 'gemini', 'vscode', 'cursor'] as const;
export type ClientProfileName = (typeof CLIENT_PROFILE_NAMES)[number];

/** How a profile writes "this value may also be null". */
export type NullableStyle =
  /** As written (JSON Schema: `type: [T, "null"]` or `anyOf [T, {type: null}]`). */
  | 'keep'
  /** `type: [T, "null"]` (OpenAI structured outputs). */
  | 'type-array'
  /** `type: T, nullable: true` (OpenAPI 3.0 subset: Gemini). */
  | 'keyword'
  /** Only `T`, with a note: the client rejects `anyOf [T, null]` (Cursor). */
  | 'drop';

export interface ProfileRules {
  readonly name: ClientProfileName;
  /** Who the profile is for, one line. */
  readonly label: string;
  /** The most tools the client takes (VS Code 128, Cursor 40); undefined when it has no cap. */
  readonly maxTools?: number;
  /** The longest tool name the client takes, counting `namePrefix`. */
  readonly maxNameLength?: number;
  /** The most tokens of one tool result the client passes on (Claude Code: 25,000); the runtime's output budget caps at it. */
  readonly maxOutputTokens?: number;
  /** The prefix the client puts before tool names (`{server}` is replaced by the server name). */
  readonly namePrefix?: string;
  /** Replace every `$ref` by its target (recursion is cut after a few levels, with a note). */
  readonly inlineRefs: boolean;
  /** Turn a top-level `oneOf`/`anyOf`/`allOf` into one object whose description lists the forms. */
  readonly liftTopLevelUnion: boolean;
  /** Strict mode: every object closed and every property required; optional ones become nullable. */
  readonly strict: boolean;
  /** `oneOf` becomes `anyOf` (the client does not take `oneOf`). */
  readonly oneOfAsAnyOf: boolean;
  /** `allOf` branches are merged into their node. */
  readonly mergeAllOf: boolean;
  readonly nullable: NullableStyle;
  /** `enum`/`const` values that are not strings become strings (restored before validation). */
  readonly stringEnums: boolean;
  /** Keywords the client takes on a node; any other constraint moves into the description. Undefined: all. */
  readonly keywords?: ReadonlySet<string>;
  /** Formats the client takes, by type; undefined: all. Others move into the description. */
  readonly formats?: Readonly<Record<string, ReadonlySet<string>>>;
  /** Arrays always get an `items` schema. */
  readonly arrayItems: boolean;
  /**
   * Why a node (already inlined, merged and normalised) cannot be written for this client and
   * must travel as JSON text instead; undefined when it can be written.
   */
  jsonText(node: JsonSchema, where: { inItems: boolean }): string | undefined;
}

/**
 * How to turn the arguments a client sent under a profile back into arguments for the full schema:
 * JSON text parsed, stringified enum values mapped back, nulls the client had to send for absent
 * optional properties dropped. Absent parts mean "as sent".
 */
export interface RestorePlan {
  json?: true;
  enumValues?: Record<string, unknown>;
  properties?: Record<string, RestorePlan>;
  /** Properties whose `null` means "absent" (strict mode). */
  dropNull?: string[];
  items?: RestorePlan;
  additional?: RestorePlan;
}

export interface ShapedSchema {
  /** The schema the client sees in `tools/list`. */
  schema: JsonSchema;
  /** Undefined when arguments need no mapping back. */
  plan: RestorePlan | undefined;
  /** What changed or could not be expressed, each with the JSON pointer in the full schema. */
  changes: ShapeChange[];
}

export interface ShapeChange {
  pointer: string;
  kind: 'inlined' | 'recursion-cut' | 'lifted-union' | 'moved-to-description' | 'json-text' | 'nullable' | 'closed-object' | 'enum-as-string' | 'merged-allOf' | 'dropped';
  message: string;
}
