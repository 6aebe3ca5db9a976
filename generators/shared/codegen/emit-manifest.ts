import type { Manifest } from '@mcpforge/runtime';
import { PRECOMPUTED_LISTING, precomputeListing } from '@mcpforge/runtime/start';
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
 * The large form: the manifest as JSON text, its tools as JSON text of their own, parsed when
 * first read, and the stdio early answer's `tools/list` precomputed (runtime start/precomputed.ts):
 * a cold start answers its first list without parsing the tools (for 1,000 tools that was most of
 * what a start spent on them). Reading or setting `tools` makes it a plain property again.
 */
export function emitLargeManifest(manifest: { tools: Record<string, unknown> }): string {
  const toolsJson = JSON.stringify(manifest.tools);
  // Listed from the tools exactly as the server will parse them.
  const listing = precomputeListing({ ...manifest, tools: JSON.parse(toolsJson) } as unknown as Manifest);
  return (
    "import type { Manifest } from '@mcpforge/runtime';\n\n" +
    '// Large manifest: stored as JSON text (fast for tsc and for the server to load). Its tools are\n' +
    '// parsed when first read; a stdio server answers its first tools/list before that, from the\n' +
    '// listing precomputed below.\n' +
    `const tools: string = ${jsonLiteral(toolsJson)};\n` +
    `export const manifest: Manifest = JSON.parse(${jsonLiteral(JSON.stringify({ ...manifest, tools: null }))});\n` +
    "const parsed = (value: Manifest['tools']): Manifest['tools'] => {\n" +
    "  Object.defineProperty(manifest, 'tools', { value, writable: true, enumerable: true, configurable: true });\n" +
    '  return value;\n' +
    '};\n' +
    "Object.defineProperty(manifest, 'tools', { get: () => parsed(JSON.parse(tools)), set: parsed, enumerable: true, configurable: true });\n" +
    (listing === undefined
      ? ''
      : `Object.defineProperty(manifest, Symbol.for(${JSON.stringify(PRECOMPUTED_LISTING.description)}), {\n  value: { ${Object.entries(listing)
          .map(([key, value]) => `${key}: ${key === 'json' ? jsonLiteral(value as string) : JSON.stringify(value)}`)
          .join(', ')} },\n});\n`)
  );
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
