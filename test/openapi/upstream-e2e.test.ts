/**
 * A generated OpenAPI server as a real process: `mcpforge new` → `mcpforge import openapi` →
 * build → stdio server, called through the official client; its handlers call a local HTTP
 * server (127.0.0.1) that records every request and plays the upstream API.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, TOOLKIT_ROOT } from '../helpers/toolkit.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let workdir: string;
let project: string;
let upstream: Server;
let baseUrl: string;
const seen: Seen[] = [];
let client: Client;
let importOutput: string;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const url = new URL(req.url ?? '/', 'http://x');
      res.setHeader('content-type', 'application/json');
      if (url.pathname === '/v1/pets/404') {
        res.statusCode = 404;
        res.end(JSON.stringify({ message: 'No pet with id 404 here' }));
      } else if (url.pathname === '/v1/pets/500') {
        // Upstream drift: the description says id is an integer and name a string.
        res.end(JSON.stringify({ id: 'five hundred', name: 'Rex' }));
      } else if (url.pathname.startsWith('/v1/pets/') && req.method === 'GET') {
        res.end(JSON.stringify({ id: Number(url.pathname.split('/').pop()), name: 'Rex', status: null }));
      } else if (url.pathname.startsWith('/v1/pets/') && req.method === 'PUT') {
        res.end(JSON.stringify({ id: 7, ...JSON.parse(body) }));
      } else if (url.pathname === '/v1/pets') {
        res.end(JSON.stringify([{ id: 1, name: 'Rex' }]));
      } else {
        res.statusCode = 500;
        res.end('{"message":"unexpected"}');
      }
    });
  });
  await new Promise<void>((done) => upstream.listen(0, '127.0.0.1', done));
  baseUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`;

  workdir = mkdtempSync(join(tmpdir(), 'mcpforge-openapi-'));
  project = join(workdir, 'pets-server');
  const created = await execa(process.execPath, [CLI, 'new', project, '--yes', '--example', 'none'], { all: true, reject: false });
  if (created.exitCode !== 0) throw new Error(`mcpforge new failed:\n${created.all}`);
  const imported = await execa(process.execPath, [CLI, 'import', 'openapi', join(TOOLKIT_ROOT, 'test/fixtures/openapi/petstore-3.0.yaml'), '--name', 'pets'], { cwd: project, all: true, reject: false });
  importOutput = imported.all ?? '';
  if (imported.exitCode !== 0) throw new Error(`mcpforge import openapi failed:\n${importOutput}`);
  const built = await execa('npm', ['run', 'build'], { cwd: project, all: true, reject: false });
  if (built.exitCode !== 0) throw new Error(`build failed:\n${built.all}`);

  client = new Client({ name: 'openapi-e2e', version: '1.0.0' });
  const env = { ...(process.env as Record<string, string>), PETS_BASE_URL: baseUrl, PETS_API_KEY: 'server-key', PETS_BASIC_USERNAME: 'svc', PETS_BASIC_PASSWORD: 'pw', LOG_LEVEL: 'warn' };
  await client.connect(new StdioClientTransport({ command: process.execPath, args: ['dist/server.js'], cwd: project, env, stderr: 'pipe' }));
}, 900_000);

afterAll(async () => {
  await client?.close();
  await new Promise((done) => upstream?.close(done));
  if (workdir) rmSync(workdir, { recursive: true, force: true });
});

describe('a generated OpenAPI server against a local upstream', () => {
  it('reports the import with counts and timing', () => {
    expect(importOutput).toMatch(/✓ Mapping operations to tools \(5 tools from 5 operations, \d+ shared schemas\)/);
    expect(importOutput).toMatch(/Imported 5 tools from Pet Store \(OpenAPI 3\.0, 5 operations\) in \d+\.\ds/);
    expect(importOutput).toContain('Environment: PETS_BASE_URL, PETS_TIMEOUT_MS, PETS_OUTPUT_VALIDATION, PETS_API_KEY');
  });

  it('lists the imported tools next to the existing one', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['createCategory', 'getPet', 'getPet_2', 'get_pets', 'hello', 'update_pet']);
    expect(tools.find((t) => t.name === 'getPet')?.outputSchema).toBeDefined();
  });

  it('sends path, query, header and cookie parameters where they belong, with the server credentials', async () => {
    seen.length = 0;
    const result = await client.callTool({
      name: 'getPet',
      arguments: { id: 42, fields: ['name', 'status'], filter: { kind: 'cat' }, 'X-Request-Id': 'req-1', session: 's 1', header_id: 'h-9' },
    });
    expect(result.isError, JSON.stringify(result)).toBeFalsy();
    expect(result.structuredContent).toEqual({ id: 42, name: 'Rex', status: null });
    const request = seen[0]!;
    expect(request.method).toBe('GET');
    const url = new URL(request.url, 'http://x');
    expect(url.pathname).toBe('/v1/pets/42');
    expect(url.searchParams.getAll('fields')).toEqual(['name', 'status']);
    expect(url.searchParams.get('filter[kind]')).toBe('cat');
    expect(request.headers['x-request-id']).toBe('req-1');
    expect(request.headers.id).toBe('h-9');
    expect(request.headers.cookie).toBe('session=s%201');
    expect(request.headers['x-api-key']).toBe('server-key');
  });

  it('sends a JSON body built from the merged fields, authenticated per operation', async () => {
    seen.length = 0;
    const result = await client.callTool({ name: 'update_pet', arguments: { id: 7, name: 'Max', status: 'sold' } });
    expect(result.isError, JSON.stringify(result)).toBeFalsy();
    const request = seen[0]!;
    expect(request.method).toBe('PUT');
    expect(new URL(request.url, 'http://x').pathname).toBe('/v1/pets/7');
    expect(request.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request.body)).toEqual({ name: 'Max', status: 'sold' });
    expect(request.headers.authorization).toBe(`Basic ${Buffer.from('svc:pw').toString('base64')}`);
  });

  it('serialises explode=false arrays and needs no credentials where security is empty', async () => {
    seen.length = 0;
    const result = await client.callTool({ name: 'get_pets', arguments: { tags: ['a', 'b'], limit: 5 } });
    expect(result.structuredContent).toEqual({ result: [{ id: 1, name: 'Rex' }] });
    const url = new URL(seen[0]!.url, 'http://x');
    expect(url.searchParams.get('tags')).toBe('a,b');
    expect(url.searchParams.get('limit')).toBe('5');
    expect(seen[0]!.headers['x-api-key']).toBeUndefined();
  });

  it('returns upstream errors as tool errors with the status and a body excerpt', async () => {
    const result = await client.callTool({ name: 'getPet', arguments: { id: 404 } });
    expect(result.isError).toBe(true);
    const text = (result.content as Array<{ text: string }>)[0]!.text;
    expect(text).toMatch(/Pet Store answered HTTP 404 Not Found to GET \/pets\/\{id\}: \{"message":"No pet with id 404 here"\}/);
  });

  it('hands over a response that drifted from its schema as text with a note (--output-validation warn)', async () => {
    const result = await client.callTool({ name: 'getPet', arguments: { id: 500 } });
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toBeUndefined();
    const text = (result.content as Array<{ text: string }>)[0]!.text;
    expect(text).toMatch(/^Note: Pet Store answered HTTP 200 \(success\) to GET \/pets\/\{id\}, but the data does not match the API's declared schema \(\/id must be integer\)/);
    expect(text).toContain('{"id":"five hundred","name":"Rex"}');
    expect(text).not.toMatch(/Internal error/);
  });

  it('refuses arguments outside the merged schema before calling upstream', async () => {
    seen.length = 0;
    const result = await client.callTool({ name: 'getPet', arguments: { id: 'not a number' } });
    expect(result.isError).toBe(true);
    expect(seen).toHaveLength(0);
  });
});
