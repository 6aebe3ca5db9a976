/**
 * `@mcpforge/runtime/testing`: helpers for users' tests and the generated contract tests.
 * - `createTestClient`: the real SDK client and server in memory (no ports, no processes).
 * - `createContractClient` / `outputVerdict`: tool calls classified for contract checks.
 * - `startBuiltServer`: the project's built `dist/server.js` as a process over stdio or HTTP.
 * - `standaloneValidator`: a validator compiled the way the generator compiles them.
 */
import { createRequire } from 'node:module';
import type { CompiledValidator, JsonSchemaObject } from '../server/contract.js';
import { createAjv } from '../validation/index.js';

export { createTestClient, type TestClient, type TestClientOptions } from './test-client.js';
export { createContractClient, outputVerdict, type ContractClient, type ContractClientOptions, type OutputVerdict, type ToolCallOutcome } from './contract.js';
export { buildProject, startBuiltServer, type BuiltServer, type BuiltServerOptions } from './built-server.js';

const require = createRequire(import.meta.url);

/**
 * Compiles a schema the way the generator does (ajv standalone code, draft 2020-12, ajv-formats)
 * and loads the emitted code: tests get the same kind of validator a generated project ships.
 */
export function standaloneValidator(schema: JsonSchemaObject): CompiledValidator {
  const ajv = createAjv('2020-12', { code: { source: true } }) as unknown as { compile(s: object): CompiledValidator };
  const validate = ajv.compile(schema);
  const standaloneCode = (require('ajv/dist/standalone/index.js') as { default: (a: unknown, v: unknown) => string }).default;
  const source = standaloneCode(ajv, validate);
  const module = { exports: {} as { default?: CompiledValidator } & CompiledValidator };
  // The emitted CommonJS module requires only ajv's runtime helpers and ajv-formats.
  new Function('require', 'module', 'exports', source)(require, module, module.exports);
  return (module.exports.default ?? module.exports) as CompiledValidator;
}
