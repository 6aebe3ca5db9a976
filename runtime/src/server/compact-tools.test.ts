/**
 * The compact tool records (compact-tools.ts): a factory's instances hold them instead of the
 * SDK's, and an SDK server answers the same with either.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/client';
import { InMemoryTransport, McpServer } from '@modelcontextprotocol/server';
import { makeMigrations, makeModules, manifest } from '../__fixtures__/notes.js';
import { createLogger } from '../observability/index.js';
import { createDatabase } from '../storage/index.js';
import { acceptAllSchema } from '../validation/index.js';
import { CompactToolRecord, compactToolRecord } from './compact-tools.js';
import { createServerFactory } from './factory.js';

let cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => {});
  cleanup = [];
});

const recordsOf = (server: McpServer) => (server as unknown as { _registeredTools: Record<string, unknown> })._registeredTools;

describe("a factory's SDK instances", () => {
  it('hold a compact record for every tool', async () => {
    const storage = await createDatabase('sqlite::memory:');
    cleanup.push(() => storage.close());
    await storage.migrate(makeMigrations());
    const factory = await createServerFactory({ manifest, modules: makeModules(), deps: { db: storage.db, logger: createLogger({ level: 'silent' }) } });
    const records = recordsOf(factory());
    expect(Object.keys(records).sort()).toEqual(Object.values(manifest.tools).map((t) => t.name).sort());
    for (const record of Object.values(records)) expect(record).toBeInstanceOf(CompactToolRecord);
  });
});

/** Two tools (one with an output schema) on an SDK server, compacted or not, with a connected client. */
async function serve(compact: boolean) {
  const server = new McpServer({ name: 'compact-test', version: '0.0.0' });
  const inputSchema = acceptAllSchema({ type: 'object', properties: { text: { type: 'string' } } });
  const outputSchema = acceptAllSchema({ properties: { n: { type: 'number' } } });
  server.registerTool('echo', { title: 'Echo', description: 'Says it back', inputSchema, annotations: { readOnlyHint: true } }, (async (args: { text?: string }) => ({
    content: [{ type: 'text', text: `echo ${args.text}` }],
  })) as never);
  server.registerTool('count', { description: 'Counts', inputSchema, outputSchema }, (async () => ({
    content: [{ type: 'text', text: '{"n":1}' }],
    structuredContent: { n: 1 },
  })) as never);
  server.registerTool('fails', { description: 'Throws', inputSchema }, (async () => {
    throw new Error('broken on purpose');
  }) as never);
  if (compact) for (const name of ['echo', 'count', 'fails']) expect(compactToolRecord(server, name)).toBe(true);
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await server.connect(serverTransport);
  const notified: string[] = [];
  const client = new Client({ name: 'compact-test', version: '0.0.0' });
  client.fallbackNotificationHandler = async (n) => void notified.push(n.method);
  await client.connect(clientTransport);
  cleanup.push(() => client.close(), () => server.close());
  return { server, client, notified, records: recordsOf(server) as Record<string, CompactToolRecord> };
}

async function exercise(compact: boolean) {
  const { client, records, notified } = await serve(compact);
  const seen: unknown[] = [];
  seen.push(await client.listTools());
  seen.push(await client.callTool({ name: 'echo', arguments: { text: 'hi' } }));
  seen.push(await client.callTool({ name: 'count', arguments: {} }));
  seen.push(await client.callTool({ name: 'fails', arguments: {} }));
  records.echo!.disable();
  seen.push(await client.listTools());
  seen.push(await client.callTool({ name: 'echo', arguments: { text: 'hi' } }).catch((e: Error) => e.message));
  records.echo!.enable();
  records.count!.update({ title: 'Count', description: 'Counts again', callback: async () => ({ content: [{ type: 'text', text: '{"n":2}' }], structuredContent: { n: 2 } }) });
  seen.push(await client.listTools());
  seen.push(await client.callTool({ name: 'count', arguments: {} }));
  records.fails!.update({ name: 'fails_renamed' });
  records.echo!.remove();
  seen.push(await client.listTools());
  seen.push(await client.callTool({ name: 'fails_renamed', arguments: {} }));
  seen.push(await client.callTool({ name: 'echo', arguments: {} }).catch((e: Error) => e.message));
  await new Promise((resolve) => setTimeout(resolve, 0));
  seen.push(notified);
  return seen;
}

describe('a compact record', () => {
  it('keeps the fields of the SDK record it replaces', async () => {
    const plain = await serve(false);
    const compact = await serve(true);
    for (const name of ['echo', 'count', 'fails']) {
      const sdk = plain.records[name] as unknown as Record<string, unknown>;
      const ours = compact.records[name] as unknown as Record<string, unknown>;
      for (const field of ['title', 'description', 'annotations', 'icons', 'execution', 'scopeChallenge', '_meta', 'enabled', 'outputSchemaJson']) {
        expect(ours[field], `${name}.${field}`).toEqual(sdk[field]);
      }
    }
  });

  it('answers lists, calls, errors and updates as the SDK record does', async () => {
    expect(await exercise(true)).toEqual(await exercise(false));
  });

  it('is not made from a record with fields it does not know (another SDK version)', async () => {
    const { server } = await serve(false);
    (recordsOf(server).echo as Record<string, unknown>).extra = true;
    expect(compactToolRecord(server, 'echo')).toBe(false);
    expect(recordsOf(server).echo).not.toBeInstanceOf(CompactToolRecord);
  });
});
