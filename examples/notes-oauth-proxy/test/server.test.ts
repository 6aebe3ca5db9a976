import { createTestClient } from '@mcpforge/runtime/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modules } from '../src/generated/handlers.js';
import { manifest } from '../src/generated/manifest.js';

// Your tests: mcpforge creates this file once and never rewrites it. The per-tool contract tests
// (inputs, outputs, the built server over stdio and HTTP) are generated in tools.contract.test.ts.
// An in-memory client/server pair over the real SDK, with an in-memory SQLite and the migrations.
let test: Awaited<ReturnType<typeof createTestClient>>;
beforeAll(async () => {
  test = await createTestClient({ manifest, modules, migrations: new URL('../migrations/', import.meta.url) });
});
afterAll(() => test.close());

describe(manifest.name, () => {
  it('lists every tool of the spec with its input schema', async () => {
    const { tools } = await test.client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(Object.keys(manifest.tools));
    for (const tool of tools) expect(tool.inputSchema).toEqual(manifest.tools[tool.name]?.inputSchema);
  });

  it('rejects arguments that break a tool schema with a message, not a crash', async () => {
    for (const name of Object.keys(manifest.tools)) {
      const result = await test.client.callTool({ name, arguments: { 'not a declared argument': true } });
      const schema = manifest.tools[name]?.inputSchema;
      // Only schemas that forbid unknown properties must reject this call.
      if (schema?.additionalProperties === false) expect(result.isError, name).toBe(true);
    }
  });

  it('lists every resource and prompt of the spec', async () => {
    const resources = Object.values(manifest.resources);
    if (resources.some((resource) => resource.template)) {
      const { resourceTemplates } = await test.client.listResourceTemplates();
      for (const resource of resources.filter((entry) => entry.template)) {
        expect(resourceTemplates.map((template) => template.uriTemplate)).toContain(resource.uri);
      }
    }
    if (Object.keys(manifest.prompts).length > 0) {
      const { prompts } = await test.client.listPrompts();
      expect(prompts.map((prompt) => prompt.name).sort()).toEqual(Object.keys(manifest.prompts).sort());
    }
  });
});
