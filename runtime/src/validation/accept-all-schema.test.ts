/**
 * `acceptAllSchema` (index.ts) stands in for `fromJsonSchema(schema, acceptAllProvider)`
 * in every SDK registration of a tool: what the SDK reads and calls must be the same — the schema
 * listed as written (input and output), every value accepted as it is. The differential listing
 * test (test/start/early-list.test.ts: the SDK path's listing, byte for byte) and the conformance
 * suite cover the SDK path end to end.
 */
import { fromJsonSchema, McpServer } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { acceptAllProvider, acceptAllSchema } from './index.js';

const schema = { type: 'object', properties: { x: { type: 'string', maxLength: 3 } }, required: ['x'], additionalProperties: false } as const;

describe('acceptAllSchema', () => {
  const mine = acceptAllSchema(schema)['~standard'];
  const sdk = fromJsonSchema(schema, acceptAllProvider)['~standard'];

  it('says what fromJsonSchema says: version, vendor, and the schema as written for input and output', () => {
    expect(mine.version).toBe(sdk.version);
    expect(mine.vendor).toBe(sdk.vendor);
    expect(mine.jsonSchema.input({ target: 'draft-2020-12' })).toBe(schema);
    expect(mine.jsonSchema.output({ target: 'draft-2020-12' })).toBe(schema);
    expect(sdk.jsonSchema.input({ target: 'draft-2020-12' })).toBe(schema);
  });

  it('accepts every value as it is, like the accept-all provider', async () => {
    for (const value of [{ x: 'abc' }, { x: 'too long' }, 42, null, undefined]) {
      expect(await mine.validate(value)).toEqual(await sdk.validate(value));
      expect(await mine.validate(value)).toEqual({ value });
    }
  });

  it("is taken by the SDK's registration as a Standard Schema (not a raw shape), input and output", () => {
    const server = new McpServer({ name: 't', version: '1' });
    server.registerTool('mine', { description: 'd', inputSchema: acceptAllSchema(schema), outputSchema: acceptAllSchema(schema) }, (() => ({ content: [] })) as never);
    server.registerTool('sdk', { description: 'd', inputSchema: fromJsonSchema(schema, acceptAllProvider), outputSchema: fromJsonSchema(schema, acceptAllProvider) }, (() => ({ content: [] })) as never);
    const tools = (server as unknown as { _registeredTools: Record<string, { inputSchema: unknown; outputSchema: unknown }> })._registeredTools;
    expect(Object.keys(tools)).toEqual(['mine', 'sdk']);
  });
});
