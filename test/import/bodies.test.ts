/**
 * Bodies that are not JSON: multipart/form-data (file fields base64 in the input, sent as file
 * parts), application/octet-stream (the whole body base64 in the input, sent as bytes), and
 * application/x-www-form-urlencoded (kept). Mapping, type-check, and real requests to a
 * recording server on 127.0.0.1.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callUpstream, defineApi, type Operation } from '../../templates/openapi/client.js';
import { ProjectTypeChecker } from '../helpers/typecheck.js';
import { startRecordingUpstream, type RecordingUpstream, type SeenRequest } from '../helpers/recording-upstream.js';
import { TOOLKIT_ROOT } from '../helpers/toolkit.js';
import { importInMemory } from './import-project.js';

const ROOT = join(TOOLKIT_ROOT, '.tmp', 'import-bodies');
const ok = { '200': { description: 'ok' } };
const DOC = JSON.stringify({
  openapi: '3.0.3',
  info: { title: 'Files', version: '1' },
  paths: {
    '/upload': {
      post: {
        operationId: 'upload',
        requestBody: { required: true, content: { 'multipart/form-data': { schema: { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary' }, title: { type: 'string' }, meta: { type: 'object', properties: { tag: { type: 'string' } } } } } } } },
        responses: ok,
      },
    },
    '/raw': { put: { operationId: 'putRaw', requestBody: { content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } }, responses: ok } },
    '/form': { post: { operationId: 'postForm', requestBody: { content: { 'application/x-www-form-urlencoded': { schema: { type: 'object', properties: { q: { type: 'string' } } } } } }, responses: ok } },
  },
});

let upstream: RecordingUpstream;
let origin: string;
let seen: SeenRequest[];

beforeAll(async () => {
  upstream = await startRecordingUpstream();
  ({ origin, seen } = upstream);
});
afterAll(() => upstream.close());

const api = () => defineApi({ title: 'Files', baseUrlEnv: 'UNSET_FILES_URL', defaultBaseUrl: origin, timeoutEnv: 'UNSET_FILES_TIMEOUT', defaultTimeoutMs: 5000, securitySchemes: {} });
const ctx = () => ({ signal: new AbortController().signal });
const bytes = Buffer.from([0, 1, 2, 250, 255, 10, 13]);

describe('import openapi: non-JSON bodies', () => {
  it('maps file fields and binary bodies to base64 inputs, and the project type-checks', async () => {
    const imported = await importInMemory(join(ROOT, 'project'), DOC);
    const upload = JSON.parse(imported.files.get('schemas/files/upload.input.json')!) as { properties: Record<string, Record<string, unknown>>; required: string[] };
    expect(upload.properties.file).toMatchObject({ type: 'string', contentEncoding: 'base64', pattern: '^[A-Za-z0-9+/]*={0,2}$' });
    expect(upload.required).toEqual(['file']);
    const raw = JSON.parse(imported.files.get('schemas/files/putRaw.input.json')!) as { properties: Record<string, Record<string, unknown>> };
    expect(raw.properties.body).toMatchObject({ type: 'string', contentEncoding: 'base64' });
    const flat = (path: string) => imported.files.get(path)!.replace(/\s+/g, ' ').replace(/,? \}/g, ' }');
    expect(flat('src/tools/upload.ts')).toContain("body: { kind: 'multipart', contentType: 'multipart/form-data', fields: { file: 'file', title: 'title', meta: 'meta' }, files: ['file'] }");
    expect(flat('src/tools/putRaw.ts')).toContain("body: { kind: 'binary', contentType: 'application/octet-stream', arg: 'body' }");
    expect(imported.files.get('src/tools/postForm.ts')).toContain("kind: 'form'");
    const checker = new ProjectTypeChecker(join(ROOT, 'project'));
    checker.setFiles(imported.files);
    expect(checker.check()).toEqual([]);
  }, 300_000);

  it('sends multipart file parts and fields', async () => {
    seen.length = 0;
    const op: Operation = { method: 'POST', path: '/upload', body: { kind: 'multipart', contentType: 'multipart/form-data', fields: { file: 'file', title: 'title', meta: 'meta' }, files: ['file'] }, output: 'text' };
    await callUpstream(api(), ctx(), { file: bytes.toString('base64'), title: 'Report', meta: { tag: 'q3' } }, op);
    expect(seen[0]!.contentType).toMatch(/^multipart\/form-data; boundary=/);
    const form = await new Response(seen[0]!.body, { headers: { 'content-type': seen[0]!.contentType } }).formData();
    const file = form.get('file') as File;
    expect(Buffer.from(await file.arrayBuffer())).toEqual(bytes);
    expect(file.name).toBe('file');
    expect(form.get('title')).toBe('Report');
    expect(form.get('meta')).toBe('{"tag":"q3"}');
  });

  it('sends a binary body as the decoded bytes', async () => {
    seen.length = 0;
    const op: Operation = { method: 'PUT', path: '/raw', body: { kind: 'binary', contentType: 'application/octet-stream', arg: 'body' }, output: 'text' };
    await callUpstream(api(), ctx(), { body: bytes.toString('base64') }, op);
    expect(seen[0]!.contentType).toBe('application/octet-stream');
    expect(seen[0]!.body).toEqual(bytes);
  });
});
