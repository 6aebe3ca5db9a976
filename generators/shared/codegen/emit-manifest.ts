// By path, as the other generator modules reach the runtime: the installed toolkit has no
// @mcpforge/runtime package of its own (only generated projects install it).
import type { Manifest } from '../../../runtime/src/server/contract.js';
import { PRECOMPUTED_LISTING, precomputeListing } from '../../../runtime/src/start/precomputed.js';
import { advertisedOutputSchema } from '../spec/advertised-schema.js';
import type { JsonSchemaObject, LoadedSpec } from '../spec/types.js';

/**
 * `src/generated/manifest.ts`: the spec as the runtime reads it (contract.ts `Manifest`).
 * Schemas are embedded as resolved, byte-for-byte what `tools/list` shows (output schemas as
 * advertised: advertised-schema.ts).
 */
export function emitManifest(spec: LoadedSpec): string {
  const manifest = {
    name: spec.name,
    version: spec.version,
    description: spec.description,
    layout: spec.layout,
    transports: spec.transports,
    tools: Object.fromEntries(
      spec.tools.map((t) => [
        t.name,
        {
          name: t.name,
          title: t.title,
          description: t.description,
          inputSchema: t.input.schema,
          outputSchema: t.output && advertisedOutputSchema(t.output.schema, spec.clients?.outputSchemaDocs),
          annotations: t.annotations && sortKeys(t.annotations),
          scopes: t.scopes,
          rateLimit: t.rateLimit,
          cache: t.cache,
          timeoutMs: t.timeoutMs,
          maxOutputTokens: t.maxOutputTokens,
          pagination: t.pagination,
          task: t.task,
        },
      ]),
    ),
    resources: Object.fromEntries(
      spec.resources.map((r) => [
        r.name,
        {
          name: r.name,
          title: r.title,
          description: r.description,
          uri: r.uri,
          template: r.template,
          variables: r.variables,
          mimeType: r.mimeType,
          schema: r.schema?.schema,
          scopes: r.scopes,
          // Declarative resources only (absent otherwise: no change to other manifests).
          source: r.source,
        },
      ]),
    ),
    prompts: Object.fromEntries(
      spec.prompts.map((p) => [
        p.name,
        {
          name: p.name,
          title: p.title,
          description: p.description,
          argsSchema: p.arguments?.schema,
          arguments: promptArguments(p.arguments?.schema),
          scopes: p.scopes,
        },
      ]),
    ),
    // Only when the spec has groups (undefined is dropped by JSON.stringify: no change otherwise).
    groups: spec.groups,
    toolsets: spec.toolsets,
    // Only when auth is on or configured: a `mode: none` spec's manifest stays as it was.
    auth: spec.auth.mode === 'none' && Object.keys(spec.auth).length === 1 ? undefined : spec.auth,
    // Only when the spec has `limits:` (the runtime's limits module applies its defaults otherwise).
    limits: spec.limits,
    // Only when the spec has `clients:` (absent: each client's profile is detected at serve time).
    clients: spec.clients,
    // Only when the spec has `discovery:` (absent: tools/list shows every tool).
    discovery: spec.discovery,
  };
  const pretty = JSON.stringify(manifest, null, 2);
  // A `"__proto__":` key (a tool may be named so) would set the prototype in an object literal;
  // JSON.parse makes it an own property, as everywhere else.
  if (pretty.length <= MANIFEST_LITERAL_LIMIT && !pretty.includes('"__proto__":')) {
    return "import type { Manifest } from '@mcpforge/runtime';\n\n" + `export const manifest: Manifest = ${pretty};\n`;
  }
  // A large API's manifest (GitHub's: ~5 MB, 200k lines as an object literal) costs `tsc` seconds
  // to parse, bind and check against `Manifest`, and V8 more to parse than JSON: past the limit
  // it is JSON text. Same objects at run time, so `tools/list` is byte-for-byte the same.
  return emitLargeManifest(manifest);
}

/**
 * The large form: the manifest as JSON text, its tools parsed when first read, and the stdio early
 * answer's `tools/list` precomputed (runtime start/precomputed.ts): a cold start answers its first
 * list without parsing the tools (for 1,000 tools that was most of what a start spent on them).
 * Reading or setting `tools` makes it a plain property again.
 *
 * The listing shows most of each tool as the manifest has it, so the tools are rebuilt from it
 * plus what it does not show (scopes, limits, an input schema it lists otherwise…): the module is
 * half the text Node reads and V8 scans at every start. Checked here: when the rebuilt tools are
 * not the same JSON, the tools are stored as their own JSON text instead.
 */
export function emitLargeManifest(manifest: { tools: Record<string, unknown> }): string {
  const toolsJson = JSON.stringify(manifest.tools);
  const tools = JSON.parse(toolsJson) as Record<string, Record<string, unknown>>;
  // Listed from the tools exactly as the server will parse them.
  const listing = precomputeListing({ ...manifest, tools } as unknown as Manifest);
  const rebuilt = listing && restOf(tools, toolsJson, listing.json);
  const head =
    "import type { Manifest } from '@mcpforge/runtime';\n\n" +
    '// Large manifest: stored as JSON text (fast for tsc and for the server to load). Its tools are\n' +
    '// parsed when first read; a stdio server answers its first tools/list before that, from the\n' +
    '// listing precomputed below.\n' +
    `export const manifest: Manifest = JSON.parse(${jsonLiteral(JSON.stringify({ ...manifest, tools: null }))});\n`;
  const lazy =
    "const parsed = (value: Manifest['tools']): Manifest['tools'] => {\n" +
    "  Object.defineProperty(manifest, 'tools', { value, writable: true, enumerable: true, configurable: true });\n" +
    '  return value;\n' +
    '};\n';
  const symbol = `Symbol.for(${JSON.stringify(PRECOMPUTED_LISTING.description)})`;
  const precomputed = (json: string) =>
    `Object.defineProperty(manifest, ${symbol}, {\n  value: { ${Object.entries(listing!)
      .map(([key, value]) => `${key}: ${key === 'json' ? json : JSON.stringify(value)}`)
      .join(', ')} },\n});\n`;
  if (!listing || !rebuilt) {
    return (
      head +
      `const tools: string = ${jsonLiteral(toolsJson)};\n` +
      lazy +
      "Object.defineProperty(manifest, 'tools', { get: () => parsed(JSON.parse(tools)), set: parsed, enumerable: true, configurable: true });\n" +
      (listing ? precomputed(jsonLiteral(listing.json)) : '')
    );
  }
  return (
    head +
    '// The tools/list array, and what each tool has that it does not show, in the fields\n' +
    "// order of the manifest's tools.\n" +
    `const listing: string = ${jsonLiteral(listing.json)};\n` +
    `const rest: Record<string, unknown>[] = JSON.parse(${jsonLiteral(JSON.stringify(rebuilt.rest))});\n` +
    `const fields: string[] = ${JSON.stringify(rebuilt.fields)};\n` +
    "const toolsOf = (): Manifest['tools'] =>\n" +
    '  Object.fromEntries(\n' +
    '    (JSON.parse(listing) as Record<string, unknown>[]).map((listed, i) => {\n' +
    '      const entry: Record<string, unknown> = {};\n' +
    '      for (const field of fields) {\n' +
    '        const value = field in rest[i]! ? rest[i]![field] : listed[field];\n' +
    '        if (value !== undefined) entry[field] = value;\n' +
    '      }\n' +
    '      return [listed.name, entry];\n' +
    '    }),\n' +
    '  );\n' +
    lazy +
    "Object.defineProperty(manifest, 'tools', { get: () => parsed(toolsOf()), set: parsed, enumerable: true, configurable: true });\n" +
    precomputed('listing')
  );
}

/** The fields of a tool its listing shows as the manifest has them (runtime server/listing.ts `listedTool`). */
const LISTED_AS_IS = new Set(['name', 'title', 'description', 'inputSchema', 'annotations', 'outputSchema']);

/**
 * What each tool has that its listing does not show as the manifest has it, and the manifest's
 * order of fields; undefined when the tools rebuilt from both (as the emitted `toolsOf` does)
 * would not be the same JSON. Decided by rule (the listing writes an input schema with
 * `type: "object"` first, so one that starts so is listed as is), then checked by rebuilding:
 * comparing every schema as text cost GitHub's manifest ~0.3 s of generation.
 */
function restOf(tools: Record<string, Record<string, unknown>>, toolsJson: string, listingJson: string): { rest: Record<string, unknown>[]; fields: string[] } | undefined {
  const entries = Object.values(tools);
  const fields = [...new Set(entries.flatMap((tool) => Object.keys(tool)))];
  const rest = entries.map((tool) => {
    const own: Record<string, unknown> = {};
    for (const field of fields) {
      const value = tool[field];
      if (value === undefined) continue;
      if (LISTED_AS_IS.has(field) && (field !== 'inputSchema' || listedAsIs(value as Record<string, unknown>))) continue;
      own[field] = value;
    }
    return own;
  });
  // Rebuilt as the module will: the same JSON, key order included, or the tools keep their own text.
  const listed = JSON.parse(listingJson) as Record<string, unknown>[];
  if (listed.length !== entries.length) return undefined;
  const rebuilt = Object.fromEntries(
    listed.map((tool, i) => {
      const entry: Record<string, unknown> = {};
      for (const field of fields) {
        const value = field in rest[i]! ? rest[i]![field] : tool[field];
        if (value !== undefined) entry[field] = value;
      }
      return [tool.name, entry];
    }),
  );
  return JSON.stringify(rebuilt) === toolsJson ? { rest, fields } : undefined;
}

function listedAsIs(schema: Record<string, unknown>): boolean {
  for (const key in schema) return key === 'type' && schema.type === 'object';
  return false;
}

/**
 * JSON text as a single-quoted string literal: JSON is full of double quotes, and each escape is a
 * byte more for Node to read and V8 to scan at every start (~20 µs per KiB on the 2-core bench
 * machine). JSON text has no raw control characters; U+2028/2029 are escaped for older parsers.
 */
function jsonLiteral(json: string): string {
  return `'${json.replace(/[\\'\u2028\u2029]/g, (c) => (c === '\\' ? '\\\\' : c === "'" ? "\\'" : `\\u${c.charCodeAt(0).toString(16)}`))}'`;
}

/** Past this size (of the pretty-printed literal) the manifest is emitted as a JSON string. */
export const MANIFEST_LITERAL_LIMIT = 256 * 1024;

/** The `arguments` list MCP's `prompts/list` shows, derived from the args schema's properties. */
export function promptArguments(schema: JsonSchemaObject | undefined): Array<{ name: string; description?: string; required: boolean }> {
  if (!schema) return [];
  const properties = (schema.properties ?? {}) as Record<string, { description?: unknown }>;
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  return Object.entries(properties).map(([name, s]) => ({
    name,
    ...(typeof s?.description === 'string' ? { description: s.description } : {}),
    required: required.has(name),
  }));
}

function sortKeys<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) as T;
}
