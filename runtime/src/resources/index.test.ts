/**
 * Declarative resources through the server factory, in process: served with no handler module,
 * and overridden by one when the project has it.
 */
import { Client } from '@modelcontextprotocol/client';
import { InMemoryTransport } from '@modelcontextprotocol/server';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../observability/index.js';
import { createDatabase } from '../storage/index.js';
import { createServerFactory } from '../server/factory.js';
import type { Manifest, ServerModules } from '../server/contract.js';

const manifest: Manifest = {
  name: 'declared',
  version: '1.0.0',
  layout: 'dev',
  transports: ['stdio'],
  tools: {},
  resources: {
    plain: { name: 'plain', uri: 'mem://plain/{key}', template: true, variables: ['key'], source: { kind: 'memory' } },
    mine: { name: 'mine', uri: 'mem://mine/{key}', template: true, variables: ['key'], source: { kind: 'memory' } },
    answer: { name: 'answer', uri: 'sql://answer', template: false, variables: [], source: { kind: 'sql', query: 'SELECT 42 AS answer' } },
  },
  prompts: {},
};

let cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => {});
  cleanup = [];
});

async function connect(modules: ServerModules): Promise<Client> {
  const storage = await createDatabase('sqlite::memory:');
  cleanup.push(() => storage.close());
  const factory = await createServerFactory({ manifest, modules, deps: { db: storage.db, logger: createLogger({ level: 'silent' }) } });
  cleanup.push(() => factory.close());
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const server = factory();
  await server.connect(serverTransport);
  const client = new Client({ name: 'declared-test', version: '0.0.0' });
  await client.connect(clientTransport);
  cleanup.push(() => client.close(), () => server.close());
  return client;
}

describe('declarative resources in the factory', () => {
  it('serves a resource with no module, and a handler module overrides its declaration', async () => {
    const client = await connect({
      tools: {},
      resources: {
        mine: { handler: async () => ({ default: { kind: 'resource', name: 'mine', handlers: { read: (params: { key: string }) => `handler read ${params.key}` } } }) },
      },
      prompts: {},
    });
    expect((await client.readResource({ uri: 'sql://answer' })).contents).toEqual([{ uri: 'sql://answer', mimeType: 'application/json', text: '[{"answer":42}]' }]);
    expect((await client.readResource({ uri: 'mem://mine/x' })).contents).toEqual([{ uri: 'mem://mine/x', mimeType: 'text/plain', text: 'handler read x' }]);
    await expect(client.readResource({ uri: 'mem://plain/x' })).rejects.toThrow(/No key "x" in memory "plain"/);
  });
});
