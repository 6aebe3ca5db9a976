/**
 * The protocol features beyond tools/resources/prompts, through the real SDK client over an
 * in-memory pair: elicitation and sampling from handlers (ctx.elicit/ctx.sample), client log
 * messages, resource subscriptions, completion of prompt arguments, and the signed request state.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/client';
import { InMemoryTransport } from '@modelcontextprotocol/server';
import { makeMigrations, makeModules, manifest } from '../__fixtures__/notes.js';
import { createLogger } from '../observability/index.js';
import { createDatabase, type Storage } from '../storage/index.js';
import { createDefinePrompt, createDefineTool } from './contract.js';
import { createServerFactory } from './factory.js';
import { createRequestStateCodec } from './interaction.js';

const { encode: encodeState, decode: decodeState } = createRequestStateCodec('protocol-surface-test-secret');

const defineTool = createDefineTool<{ echo: { input: { text: string }; output: undefined }; explode: { input: { mode: string }; output: undefined } }, unknown>();
const definePrompt = createDefinePrompt<{ summarize: { args: { topic: string } } }, unknown>();

let cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => {});
  cleanup = [];
});

async function connect(overrides: Parameters<typeof makeModules>[0]): Promise<Client> {
  const storage: Storage = await createDatabase('sqlite::memory:');
  cleanup.push(() => storage.close());
  await storage.migrate(makeMigrations());
  const factory = await createServerFactory({ manifest, modules: makeModules(overrides), deps: { db: storage.db, logger: createLogger({ level: 'silent' }) } });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const server = factory();
  await server.connect(serverTransport);
  const client = new Client({ name: 'surface-test', version: '0.0.0' }, { capabilities: { elicitation: {}, sampling: {} } });
  await client.connect(clientTransport);
  cleanup.push(() => client.close(), () => server.close());
  return client;
}

const text = (result: { content?: unknown }) => (result.content as Array<{ text: string }>)[0]!.text;

describe('ctx.elicit and ctx.sample', () => {
  it('asks the client in sequence and re-runs the handler with the answers', async () => {
    let runs = 0;
    const client = await connect({
      echo: defineTool('echo', async (input, ctx) => {
        runs++;
        const who = await ctx.elicit({ message: `Name for ${input.text}?`, requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } });
        const model = await ctx.sample({ messages: [{ role: 'user', content: { type: 'text', text: 'colour?' } }], maxTokens: 5 });
        return `${who.action}:${String(who.content?.name)}:${model.content.type === 'text' ? model.content.text : '?'}`;
      }),
    });
    const asked: string[] = [];
    client.setRequestHandler('elicitation/create', async (request) => {
      asked.push(String(request.params.message));
      return { action: 'accept', content: { name: 'Ada' } };
    });
    client.setRequestHandler('sampling/createMessage', async () => ({ role: 'assistant', content: { type: 'text', text: 'teal' }, model: 'm' }));
    const result = await client.callTool({ name: 'echo', arguments: { text: 'x' } });
    expect(result.isError).toBeFalsy();
    expect(text(result)).toBe('accept:Ada:teal');
    expect(asked).toEqual(['Name for x?']);
    // Once without answers, once after the elicitation, once after the sampling.
    expect(runs).toBe(3);
  });

  it('passes a decline through to the handler', async () => {
    const client = await connect({
      echo: defineTool('echo', async (_input, ctx) => (await ctx.elicit({ message: 'ok?', requestedSchema: { type: 'object', properties: {} } })).action),
    });
    client.setRequestHandler('elicitation/create', async () => ({ action: 'decline' }));
    expect(text(await client.callTool({ name: 'echo', arguments: { text: 'x' } }))).toBe('decline');
  });
});

describe('client log messages', () => {
  it('sends ctx.clientLog at or above the level the client set, and nothing below it', async () => {
    const client = await connect({
      echo: defineTool('echo', async (_input, ctx) => {
        await ctx.clientLog('debug', 'too chatty');
        await ctx.clientLog('warning', 'careful');
        return 'done';
      }),
    });
    const seen: unknown[] = [];
    client.setNotificationHandler('notifications/message', (n) => void seen.push(n.params.data));
    await client.setLoggingLevel('info');
    await client.callTool({ name: 'echo', arguments: { text: 'x' } });
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual(['careful']);
  });
});

describe('resource subscriptions', () => {
  it('notifies subscribers of ctx.resources.updated until they unsubscribe', async () => {
    const client = await connect({
      explode: defineTool('explode', async (_input, ctx) => {
        await ctx.resources.updated('notes://readme');
        return `subscribers=${ctx.resources.subscribers('notes://readme')}`;
      }),
    });
    const updated: string[] = [];
    client.setNotificationHandler('notifications/resources/updated', (n) => void updated.push(n.params.uri));
    expect(client.getServerCapabilities()?.resources?.subscribe).toBe(true);
    await client.subscribeResource({ uri: 'notes://readme' });
    expect(text(await client.callTool({ name: 'explode', arguments: { mode: 'tool' } }))).toBe('subscribers=1');
    await new Promise((resolve) => setImmediate(resolve));
    expect(updated).toEqual(['notes://readme']);
    await client.unsubscribeResource({ uri: 'notes://readme' });
    expect(text(await client.callTool({ name: 'explode', arguments: { mode: 'tool' } }))).toBe('subscribers=0');
    await new Promise((resolve) => setImmediate(resolve));
    expect(updated).toEqual(['notes://readme']);
  });
});

describe('completion', () => {
  it('completes prompt arguments and template variables, and refuses unknown references', async () => {
    const client = await connect({
      summarize: definePrompt('summarize', (args) => `About ${args.topic}`, {
        complete: { topic: (value, ctx) => ['notes', 'nouns', 'tasks'].filter((t) => t.startsWith(value) && ctx.args.topic === undefined) },
      }),
    });
    const prompt = await client.complete({ ref: { type: 'ref/prompt', name: 'summarize' }, argument: { name: 'topic', value: 'no' } });
    expect(prompt.completion.values).toEqual(['notes', 'nouns']);
    await client.callTool({ name: 'create_note', arguments: { title: 'first' } });
    const template = await client.complete({ ref: { type: 'ref/resource', uri: 'notes://notes/{id}' }, argument: { name: 'id', value: '' } });
    expect(template.completion.values).toEqual(['1']);
    await expect(client.complete({ ref: { type: 'ref/prompt', name: 'nope' }, argument: { name: 'x', value: '' } })).rejects.toThrow(/nope not found/);
  });
});

describe('request state', () => {
  it('round-trips signed answers and refuses altered state', () => {
    const state = encodeState({ 'mcpforge.elicit.0': { action: 'accept' } });
    expect(decodeState(state)).toEqual({ 'mcpforge.elicit.0': { action: 'accept' } });
    const [version, payload, mac] = state.split('.');
    const forged = Buffer.from(JSON.stringify({ 'mcpforge.elicit.0': { action: 'decline' } })).toString('base64url');
    expect(() => decodeState(`${version}.${forged}.${mac}`)).toThrow(/integrity check/);
    expect(() => decodeState(`${state}-TAMPERED`)).toThrow();
    expect(() => decodeState('not-ours')).toThrow(/not valid/);
    expect(payload).not.toContain('accept');
  });
});
