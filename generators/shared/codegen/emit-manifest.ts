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
  // it is one JSON string. Same objects at run time, so `tools/list` is byte-for-byte the same.
  return (
    "import type { Manifest } from '@mcpforge/runtime';\n\n" +
    '// Large manifest: stored as JSON text (fast for tsc and for the server to load).\n' +
    `export const manifest: Manifest = JSON.parse(${JSON.stringify(JSON.stringify(manifest))});\n`
  );
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
