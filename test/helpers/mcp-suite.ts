/**
 * What every transport of the `all` example must do, checked through the official SDK client.
 * Shared by the stdio and HTTP end-to-end tests so both are held to the same bar.
 */
import type { Client } from '@modelcontextprotocol/client';
import { expect } from 'vitest';
import type { WeatherUpstream } from './weather-upstream.js';

export const ALL_TOOLS = [
  'create_note',
  'delete_note',
  'get_forecast',
  'list_files',
  'list_notes',
  'read_file',
  'search_files',
  'search_notes',
];

interface ToolResult {
  isError?: boolean;
  content: Array<{ type: string; text?: string }>;
  structuredContent?: Record<string, unknown>;
}

export function textOf(result: ToolResult): string {
  return result.content.map((block) => block.text ?? '').join('\n');
}

async function call(client: Client, name: string, args: Record<string, unknown>): Promise<ToolResult> {
  return (await client.callTool({ name, arguments: args })) as ToolResult;
}

export async function exerciseAllExample(client: Client, upstream: WeatherUpstream, label: string): Promise<void> {
  const { tools } = await client.listTools();
  expect(tools.map((tool) => tool.name).sort()).toEqual(ALL_TOOLS);
  const create = tools.find((tool) => tool.name === 'create_note');
  expect(create?.inputSchema).toMatchObject({ type: 'object', required: ['title'] });
  expect(create?.annotations).toMatchObject({ destructiveHint: false });

  const { resourceTemplates } = await client.listResourceTemplates();
  expect(resourceTemplates.map((template) => template.uriTemplate)).toContain('notes://{id}');
  const { prompts } = await client.listPrompts();
  expect(prompts.map((prompt) => prompt.name)).toContain('summarize_notes');

  // notes: SQLite through ctx.db
  const title = `Note from ${label}`;
  const created = await call(client, 'create_note', { title, body: `written over ${label}`, tags: [label] });
  expect(created.isError ?? false).toBe(false);
  expect(created.structuredContent).toMatchObject({ title, tags: [label] });
  const id = (created.structuredContent as { id: string }).id;
  expect(JSON.parse(textOf(created))).toMatchObject({ id, title });

  const emptyTitle = await call(client, 'create_note', { title: '' });
  expect(emptyTitle.isError).toBe(true);
  expect(textOf(emptyTitle)).toMatch(/title/);
  const missingTitle = await call(client, 'create_note', { body: 'no title' });
  expect(missingTitle.isError).toBe(true);
  expect(textOf(missingTitle)).toMatch(/title/);
  const badTag = await call(client, 'create_note', { title: 'x', tags: ['Not A Tag'] });
  expect(badTag.isError).toBe(true);
  expect(textOf(badTag)).toMatch(/tags\/0/);

  const listed = await call(client, 'list_notes', { tag: label });
  expect((listed.structuredContent as { notes: Array<{ id: string }> }).notes.map((note) => note.id)).toEqual([id]);
  const found = await call(client, 'search_notes', { query: title.toUpperCase() });
  expect((found.structuredContent as { notes: Array<{ id: string }> }).notes.map((note) => note.id)).toContain(id);

  const resource = await client.readResource({ uri: `notes://${id}` });
  const content = resource.contents[0] as { text: string; mimeType?: string };
  expect(content.mimeType).toBe('application/json');
  expect(JSON.parse(content.text)).toMatchObject({ id, title });

  const prompt = await client.getPrompt({ name: 'summarize_notes', arguments: { tag: label } });
  const promptText = (prompt.messages[0]?.content as { text: string }).text;
  expect(promptText).toContain(title);

  const deleted = await call(client, 'delete_note', { id });
  expect(deleted.structuredContent).toEqual({ deleted: true });
  expect((await call(client, 'delete_note', { id })).structuredContent).toEqual({ deleted: false });

  // weather: HTTP upstream, cached by the cache module
  const before = { ...upstream.hits };
  const forecast = await call(client, 'get_forecast', { city: 'Lisbon', days: 2 });
  expect(forecast.isError ?? false).toBe(false);
  expect(forecast.structuredContent).toMatchObject({ city: 'Lisbon', country: 'Portugal', days: [{ minC: 1, maxC: 8, summary: 'clear sky' }, { summary: 'overcast' }] });
  const again = await call(client, 'get_forecast', { city: 'lisbon ', days: 2 });
  expect(again.structuredContent).toEqual(forecast.structuredContent);
  expect(upstream.hits.forecast - before.forecast).toBe(1);
  const unknownCity = await call(client, 'get_forecast', { city: 'Atlantis' });
  expect(unknownCity.isError).toBe(true);
  expect(textOf(unknownCity)).toMatch(/No city named "Atlantis"/);
  const tooManyDays = await call(client, 'get_forecast', { city: 'Berlin', days: 9 });
  expect(tooManyDays.isError).toBe(true);
  expect(textOf(tooManyDays)).toMatch(/days/);

  // files: sandboxed under FILES_ROOT
  const listing = await call(client, 'list_files', {});
  expect((listing.structuredContent as { entries: Array<{ name: string }> }).entries.map((entry) => entry.name)).toEqual(
    expect.arrayContaining(['ideas.txt', 'sub']),
  );
  const read = await call(client, 'read_file', { path: 'ideas.txt' });
  expect(textOf(read)).toContain('walking skeleton');
  for (const escape of ['../secret.txt', 'escape/secret.txt', '/etc/passwd']) {
    const denied = await call(client, 'read_file', { path: escape });
    expect(denied.isError, `read_file ${escape}`).toBe(true);
    expect(textOf(denied)).not.toContain('top secret');
  }
  const missing = await call(client, 'read_file', { path: 'nope.txt' });
  expect(missing.isError).toBe(true);
  expect(textOf(missing)).toMatch(/does not exist/);
  const search = await call(client, 'search_files', { query: 'DEEP' });
  expect(search.structuredContent).toMatchObject({ matches: [{ path: 'sub/deep.txt', line: 2 }], truncated: false });
}
