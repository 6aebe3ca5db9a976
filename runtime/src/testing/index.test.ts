import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeMigrations, makeModules, manifest } from '../__fixtures__/notes.js';
import { createContractClient, createTestClient, outputVerdict, standaloneValidator, startBuiltServer } from './index.js';

describe('createTestClient', () => {
  it('connects the real SDK client in memory, with migrations applied', async () => {
    const t = await createTestClient({ manifest, modules: makeModules(), migrations: makeMigrations() });
    expect(t.client.getServerVersion()).toMatchObject({ name: 'notes', version: '1.2.3' });
    const result = await t.client.callTool({ name: 'create_note', arguments: { title: 'in memory' } });
    expect(result.structuredContent).toEqual({ id: 1, title: 'in memory' });
    await t.close();
    await t.close();
    await expect(t.storage.check()).rejects.toThrow();
  });

  it('closes the database when the server cannot be built', async () => {
    const modules = makeModules({ echo: 'not a definition' });
    await expect(createTestClient({ manifest, modules })).rejects.toThrow(/src\/tools\/echo\.ts: the default export must be `defineTool\('echo', \.\.\.\)`/);
  });

  it('standaloneValidator returns a working ajv standalone function with errors', () => {
    const validate = standaloneValidator({ type: 'object', properties: { n: { type: 'integer', minimum: 1 } } });
    expect(validate({ n: 2 })).toBe(true);
    expect(validate({ n: 0 })).toBe(false);
    expect(validate.errors?.[0]).toMatchObject({ instancePath: '/n', keyword: 'minimum' });
  });
});

describe('createContractClient', () => {
  it('classifies every kind of tool call outcome through the real call path', async () => {
    const contract = await createContractClient({ manifest, modules: makeModules(), migrations: makeMigrations() });
    try {
      expect(await contract.call('create_note', { title: 'ok' })).toMatchObject({ kind: 'ok', structuredContent: { id: 1, title: 'ok' } });
      expect(await contract.call('create_note', {})).toMatchObject({ kind: 'invalid-input', message: expect.stringContaining('(missing /title)') });
      expect(await contract.call('create_note', { title: 5 })).toMatchObject({ kind: 'invalid-input', message: expect.stringContaining('/title must be string') });
      expect(await contract.call('explode', { mode: 'tool' })).toEqual({ kind: 'tool-error', code: 'tool_failed', message: 'Note 42 is locked; unlock it first' });
      // The client only sees "Internal error (request id ...)": the logged cause is read back.
      expect(await contract.call('explode', { mode: 'internal' })).toEqual({ kind: 'internal-error', message: 'password=hunter2 at db.ts:12' });
      expect(await contract.call('bad_output', {})).toEqual({ kind: 'invalid-output', problems: '/id must be integer' });
    } finally {
      await contract.close();
    }
  });
});

describe('outputVerdict', () => {
  const validate = standaloneValidator({ type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] });
  const ok = (structuredContent: Record<string, unknown>) => ({ kind: 'ok' as const, result: { content: [] }, structuredContent });

  it('conforms only when the output passes the validator', () => {
    expect(outputVerdict('t', ok({ id: 1 }), validate)).toEqual({ status: 'conforms' });
    expect(outputVerdict('t', ok({ id: 'x' }), validate)).toEqual({ status: 'violates', message: 'tool "t" returned output that does not match its output schema: /id must be integer' });
    expect(outputVerdict('t', ok({}))).toEqual({ status: 'conforms' });
  });

  it('names the tool and the field for output the server refused, and fails internal errors', () => {
    expect(outputVerdict('t', { kind: 'invalid-output', problems: '/id must be integer' })).toMatchObject({ status: 'violates', message: expect.stringMatching(/^tool "t" .*: \/id must be integer$/) });
    expect(outputVerdict('t', { kind: 'internal-error', message: 'boom' })).toMatchObject({ status: 'violates', message: expect.stringContaining('boom') });
    expect(outputVerdict('t', { kind: 'invalid-input', message: '/a must be string' })).toMatchObject({ status: 'violates' });
  });

  it('leaves a ToolError unchecked, with a reason for the skip note', () => {
    expect(outputVerdict('t', { kind: 'tool-error', code: 'tool_failed', message: 'not found' })).toEqual({
      status: 'unchecked',
      reason: expect.stringContaining('tool "t" answered with a ToolError (tool_failed: not found)'),
    });
  });
});

describe('startBuiltServer', () => {
  it('says to build first when dist/server.js is missing and building is off', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpforge-built-'));
    writeFileSync(join(dir, 'package.json'), '{}');
    await expect(startBuiltServer({ projectRoot: dir, transport: 'stdio', build: 'never' })).rejects.toThrow(/dist\/server\.js does not exist: run `npm run build` first/);
  });
});
