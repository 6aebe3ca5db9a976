/**
 * fast-check arbitraries for the protocol fuzz test: JSON-RPC-ish envelopes (mostly well formed,
 * often not), random and real method names, random params, and tool arguments derived from each
 * tool's input schema — valid values and mutations of them (wrong types, missing and extra fields,
 * out-of-range and huge numbers, odd strings).
 */
import fc from 'fast-check';

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  maxItems?: number;
  enum?: unknown[];
  default?: unknown;
}

export interface ToolInfo {
  name: string;
  inputSchema: JsonSchema;
}

/** Methods a client may send (2025 and 2026 revisions) and a few that do not exist. */
export const METHODS = [
  'tools/call',
  'tools/call',
  'tools/call',
  'tools/list',
  'ping',
  'initialize',
  'server/discover',
  'resources/list',
  'resources/read',
  'resources/templates/list',
  'resources/subscribe',
  'prompts/list',
  'prompts/get',
  'completion/complete',
  'logging/setLevel',
  'notifications/initialized',
  'notifications/cancelled',
  'notifications/progress',
  'sampling/createMessage',
  'tools/execute',
  'rpc.discover',
  '__proto__',
  'constructor',
];

/** Strings known to hurt parsers, SQL, paths and loggers. */
const ODD_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  "' OR 1=1 --",
  '"; DROP TABLE notes; --',
  '%',
  '_',
  '\\',
  '../../etc/passwd',
  '..\\..\\windows',
  '\u202e\u200b\ufeff',
  '\ud800',
  '🎉'.repeat(50),
  '${jndi:ldap://x}',
  '{{7*7}}',
  '__proto__',
  'constructor',
  '\r\n\r\nHTTP/1.1 200 OK',
  'notes://x',
];

export const oddString: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 5, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 5, arbitrary: fc.constantFrom(...ODD_STRINGS) },
  // Long strings (past every maxLength in the examples) are rarer: they dominate the bytes sent.
  { weight: 1, arbitrary: fc.integer({ min: 201, max: 5_000 }).map((n) => 'x'.repeat(n)) },
);

const oddNumber: fc.Arbitrary<number> = fc.oneof(
  fc.integer(),
  fc.constantFrom(0, -1, 1e308, -1e308, 2 ** 53, 2 ** 53 + 2, 1e-300, -0, 0.5, Number.MAX_SAFE_INTEGER),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** Any JSON value, shallow-ish, with odd strings and numbers mixed in. */
export const anyJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    oddNumber,
    oddString,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(oddString, tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** Strings shaped like tags and ids (valid for the notes tag pattern). */
const tagLike = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/);

function typeOf(schema: JsonSchema): string {
  return Array.isArray(schema.type) ? (schema.type[0] ?? 'string') : (schema.type ?? 'string');
}

/** A value valid for `schema` (patterns aside: a pattern-violating string is a fine mutation too). */
export function validValue(schema: JsonSchema): fc.Arbitrary<unknown> {
  if (schema.enum) return fc.constantFrom(...schema.enum);
  switch (typeOf(schema)) {
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1000, max: schema.maximum ?? 1000 });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1000, max: schema.maximum ?? 1000, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(validValue(schema.items ?? {}), { maxLength: Math.min(schema.maxItems ?? 5, 5) });
    case 'object':
      return objectValue(schema, false);
    default: {
      const min = schema.minLength ?? 0;
      const max = Math.min(schema.maxLength ?? 60, 60);
      return fc.oneof(tagLike, fc.string({ minLength: min, maxLength: Math.max(min, max) }));
    }
  }
}

function objectValue(schema: JsonSchema, mutate: boolean): fc.Arbitrary<Record<string, unknown>> {
  const properties = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [key, sub] of Object.entries(properties)) record[key] = mutate ? fc.oneof(validValue(sub), mutatedValue(sub)) : validValue(sub);
  const base = fc.record(record, { requiredKeys: [...required].filter((key) => key in properties) });
  return base;
}

/** A value that is probably invalid for `schema`: wrong type, out of range, odd string, deep nesting. */
export function mutatedValue(schema: JsonSchema): fc.Arbitrary<unknown> {
  const type = typeOf(schema);
  const outOfRange =
    type === 'integer' || type === 'number'
      ? fc.oneof(fc.constantFrom((schema.maximum ?? 0) + 1, (schema.minimum ?? 0) - 1, 1e308, -1e308, 0.5, 2 ** 64), oddNumber)
      : type === 'string'
        ? oddString
        : fc.constant(null);
  return fc.oneof(
    { weight: 3, arbitrary: anyJson },
    { weight: 3, arbitrary: outOfRange },
    { weight: 1, arbitrary: fc.integer({ min: 10, max: 300 }).map((depth) => JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`) as unknown) },
  );
}

/** Arguments for a tool: valid, or mutated (fields wrong, required dropped, extras added, not an object). */
export function toolArguments(tool: ToolInfo): fc.Arbitrary<unknown> {
  const valid = objectValue(tool.inputSchema, false);
  const mutatedFields = objectValue(tool.inputSchema, true);
  const withExtra = fc.tuple(valid, oddString, anyJson).map(([args, key, value]) => ({ ...args, [key]: value }));
  const missingRequired = valid.map((args) => {
    const copy = { ...args };
    for (const key of tool.inputSchema.required ?? []) delete copy[key];
    return copy;
  });
  return fc.oneof(
    { weight: 4, arbitrary: valid },
    { weight: 3, arbitrary: mutatedFields },
    { weight: 1, arbitrary: withExtra },
    { weight: 1, arbitrary: missingRequired },
    { weight: 1, arbitrary: anyJson },
  );
}

/** params of a tools/call: a real tool (mostly) with schema-derived arguments, or something odd. */
export function toolCallParams(tools: ToolInfo[]): fc.Arbitrary<unknown> {
  // Built once per tool (not in a chain): building arbitraries costs far more than drawing from them.
  const real = fc.oneof(...tools.map((tool) => toolArguments(tool).map((args) => ({ name: tool.name, arguments: args }))));
  return fc.oneof(
    { weight: 8, arbitrary: real },
    { weight: 1, arbitrary: fc.record({ name: oddString, arguments: anyJson }) },
    { weight: 1, arbitrary: anyJson },
  );
}

export type Channel = 'batch' | 'legacy' | 'modern' | 'raw' | 'stdio';

/** One fuzz message: where it is sent, and the JSON-RPC-ish value (or raw text for `raw`). */
export interface FuzzMessage {
  channel: Channel;
  /** A well-formed request/notification envelope (jsonrpc 2.0, string method, object params). */
  wellFormed: boolean;
  message: Record<string, unknown> | unknown;
  /** For `raw`: the exact body text (often not JSON). */
  raw?: string;
  /** For `modern`: whether the MCP-Method/MCP-Name headers deliberately disagree with the body. */
  headerMismatch?: boolean;
}

const idArb = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 2 ** 31 }) },
  { weight: 3, arbitrary: fc.string({ minLength: 1, maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, {}, [], true, 1.5, -1) },
);

/** A well-formed envelope: jsonrpc 2.0, a string method, an object params (or none), maybe an id. */
export function wellFormedEnvelope(tools: ToolInfo[]): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .record({
      method: fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...METHODS) }, { weight: 1, arbitrary: fc.string({ maxLength: 30 }) }),
      notification: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
      anyParams: fc.option(fc.dictionary(fc.string({ maxLength: 10 }), anyJson, { maxKeys: 4 }), { nil: undefined }),
      callParams: toolCallParams(tools),
    })
    .map(({ method, notification, anyParams, callParams }) => {
      const params = method === 'tools/call' && typeof callParams === 'object' && callParams !== null && !Array.isArray(callParams) ? callParams : anyParams;
      return { jsonrpc: '2.0', method, ...(params === undefined ? {} : { params }), ...(notification ? {} : { id: 0 }) };
    });
}

/** An envelope that may be broken anywhere: jsonrpc, id, method, params. */
export function looseEnvelope(tools: ToolInfo[]): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 5, arbitrary: wellFormedEnvelope(tools).chain((env) => fc.record({ id: idArb }).map(({ id }) => ('id' in env ? { ...env, id } : env))) },
    {
      weight: 3,
      arbitrary: fc.record(
        {
          jsonrpc: fc.oneof(fc.constant('2.0'), fc.constantFrom<unknown>('1.0', 2, null, '')),
          id: idArb,
          method: fc.oneof(fc.constantFrom<unknown>(...METHODS), anyJson),
          params: fc.oneof(anyJson, toolCallParams(tools)),
          result: anyJson,
          error: anyJson,
        },
        { requiredKeys: [] },
      ),
    },
    { weight: 1, arbitrary: anyJson },
    { weight: 1, arbitrary: fc.array(wellFormedEnvelope(tools), { maxLength: 3 }) },
  );
}

/** Raw bodies: truncated JSON, garbage, JSON with trailing junk, empty. */
export function rawBody(tools: ToolInfo[]): fc.Arbitrary<string> {
  return fc.oneof(
    looseEnvelope(tools).chain((value) => {
      const text = JSON.stringify(value) ?? 'null';
      return fc.integer({ min: 0, max: text.length }).map((cut) => text.slice(0, cut));
    }),
    fc.string({ unit: 'binary', maxLength: 80 }),
    looseEnvelope(tools).map((value) => `${JSON.stringify(value)} trailing`),
    fc.constantFrom('', '{}', '[]', '[[]]', '{"jsonrpc":"2.0"}', 'null', '"\\ud800"', '{"a":1,"a":2}', '1e999999'),
  );
}

/** Every fuzz message, over all channels. */
export function fuzzMessage(tools: ToolInfo[]): fc.Arbitrary<FuzzMessage> {
  return fc.oneof(
    { weight: 84, arbitrary: wellFormedEnvelope(tools).map((message): FuzzMessage => ({ channel: 'batch', wellFormed: true, message })) },
    { weight: 4, arbitrary: looseEnvelope(tools).map((message): FuzzMessage => ({ channel: 'legacy', wellFormed: false, message })) },
    {
      weight: 4,
      arbitrary: fc
        .tuple(wellFormedEnvelope(tools), fc.boolean(), fc.integer({ min: 0, max: 9 }))
        .map(([message, envelope, mismatch]): FuzzMessage => ({ channel: 'modern', wellFormed: envelope, message, headerMismatch: mismatch === 0 })),
    },
    { weight: 2, arbitrary: rawBody(tools).map((raw): FuzzMessage => ({ channel: 'raw', wellFormed: false, message: undefined, raw })) },
    { weight: 6, arbitrary: looseEnvelope(tools).map((message): FuzzMessage => ({ channel: 'stdio', wellFormed: false, message })) },
  );
}
