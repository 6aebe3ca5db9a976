/** Source of the user-owned files an OpenAPI import creates: handlers and the API's config. */
import { jsDocLines, lineComment, propertyKey, stringLiteral } from '../shared/codegen/escape.js';
import { pascalCase } from '../shared/codegen/naming.js';
import type { MappedOperation } from './map-operation.js';

export interface ApiSettings {
  slug: string;
  title: string;
  envPrefix: string;
  defaultBaseUrl: string;
  securitySchemes: Record<string, Record<string, string>>;
  /** Default for upstream responses that do not match their schema (see client.ts). */
  outputValidation?: 'warn' | 'strict';
}

const quote = stringLiteral;

/** A JS literal: one line when short, otherwise one member per line (readable, prettier-like). */
export function literal(value: unknown, indent = ''): string {
  if (typeof value === 'string') return quote(value);
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const inner = indent + '  ';
  if (Array.isArray(value)) {
    const items = value.map((v) => literal(v, inner));
    const flat = `[${items.join(', ')}]`;
    return flat.length + indent.length <= 96 && !flat.includes('\n') ? flat : `[\n${items.map((i) => `${inner}${i},`).join('\n')}\n${indent}]`;
  }
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return '{}';
  const members = entries.map(([k, v]) => `${propertyKey(k)}: ${literal(v, inner)}`);
  const flat = `{ ${members.join(', ')} }`;
  return flat.length + indent.length <= 96 && !flat.includes('\n') ? flat : `{\n${members.map((m) => `${inner}${m},`).join('\n')}\n${indent}}`;
}

export function emitOperationHandler(tool: string, op: MappedOperation, api: ApiSettings): string {
  const outputType = op.outputMode === 'text' ? 'string' : `${pascalCase(tool)}Output`;
  const descriptor = {
    method: op.method.toUpperCase(),
    path: op.path,
    params: op.params.length > 0 ? op.params : undefined,
    body: op.body,
    security: op.security,
    output: op.outputMode,
  };
  const origin = `${op.method.toUpperCase()} ${op.path}${op.operationId ? ` (operationId ${op.operationId})` : ''}`;
  return [
    "import { defineTool } from '../generated/registry.js';",
    ...(op.outputMode === 'text'
      ? []
      : [`import type { ${outputType} } from '../generated/types/${tool}.js';`, `import validateOutput from '../generated/validators/${tool}.output.js';`]),
    "import { callUpstream } from '../upstream/client.js';",
    `import { api } from '../upstream/${api.slug}.js';`,
    '',
    `// ${lineComment(`${origin}, imported from the ${api.title} description.`)}`,
    '// Yours to edit: mcpforge never overwrites this file. The request is built in ../upstream/client.ts.',
    `export default defineTool(${quote(tool)}, (input, ctx) =>`,
    `  callUpstream<${outputType}>(api, ctx, input, ${literal(descriptor, '  ')}${op.outputMode === 'text' ? '' : ', validateOutput'}),`,
    ');',
    '',
  ].join('\n');
}

export function emitApiConfig(api: ApiSettings): string {
  const config = {
    title: api.title,
    baseUrlEnv: `${api.envPrefix}_BASE_URL`,
    defaultBaseUrl: api.defaultBaseUrl,
    timeoutEnv: `${api.envPrefix}_TIMEOUT_MS`,
    defaultTimeoutMs: 30000,
    securitySchemes: api.securitySchemes,
    outputValidation: api.outputValidation ?? 'warn',
    outputValidationEnv: `${api.envPrefix}_OUTPUT_VALIDATION`,
  };
  return [
    "import { defineApi } from './client.js';",
    '',
    `/**`,
    ...jsDocLines(`Where ${api.title} lives and how this server authenticates to it, read from the`),
    ` * environment at every call. Credentials are the server's own, never the MCP client's token.`,
    ` * Created by \`mcpforge import openapi\`; yours to edit.`,
    ` */`,
    `export const api = defineApi(${literal(config)});`,
    '',
  ].join('\n');
}
