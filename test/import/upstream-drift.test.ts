/**
 * Upstream drift is never an opaque internal error: a response that fails the tool's output
 * schema is handed over as text with a note (warn, the default; logged and counted) or refused
 * with the HTTP status and the first mismatch's JSON pointer (strict). Real HTTP on 127.0.0.1.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callUpstream, defineApi, upstreamDrift, type Operation } from '../../templates/openapi/client.js';

let upstream: Server;
let origin: string;
let body = '{"id":7,"name":"Rex"}';

beforeAll(async () => {
  upstream = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(body);
  });
  await new Promise<void>((done) => upstream.listen(0, '127.0.0.1', done));
  origin = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((done) => upstream.close(done)));

const validate = new Ajv2020({ allErrors: true }).compile({ type: 'object', required: ['id'], properties: { id: { type: 'integer' }, name: { type: 'string' } } });
const op: Operation = { method: 'GET', path: '/pets/1', output: 'json' };
const api = (outputValidation: 'warn' | 'strict') =>
  defineApi({ title: 'Pets', baseUrlEnv: 'UNSET_PETS_URL', defaultBaseUrl: origin, timeoutEnv: 'UNSET_PETS_TIMEOUT', defaultTimeoutMs: 5000, securitySchemes: {}, outputValidation, outputValidationEnv: 'UNSET_PETS_OUTPUT_VALIDATION' });

describe('upstream drift', () => {
  it('passes matching data through unchanged', async () => {
    body = '{"id":7,"name":"Rex"}';
    await expect(callUpstream(api('strict'), { signal: new AbortController().signal }, {}, op, validate)).resolves.toEqual({ id: 7, name: 'Rex' });
  });

  it('warn: the data as text with a short note, logged and counted', async () => {
    body = '{"id":"seven","name":"Rex"}';
    const logged: unknown[] = [];
    const ctx = { signal: new AbortController().signal, log: { warn: (fields: object, message: string) => logged.push({ fields, message }) } };
    const before = upstreamDrift.get('GET /pets/1') ?? 0;
    const error = await callUpstream(api('warn'), ctx, {}, op, validate).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'upstream_unvalidated', data: { status: 200, pointer: '/id' } });
    expect((error as Error).message).toBe(`Note: Pets answered HTTP 200 (success) to GET /pets/1, but the data does not match the API's declared schema (/id must be integer), so it is given as received, unchecked:\n${body}`);
    expect(upstreamDrift.get('GET /pets/1')).toBe(before + 1);
    expect(logged).toEqual([{ fields: { code: 'upstream_drift', status: 200, pointer: '/id', count: before + 1 }, message: 'Pets: the response to GET /pets/1 does not match its declared schema (/id must be integer)' }]);
  });

  it('strict: a tool error naming the status and the first mismatch, without the data', async () => {
    body = '{"name":5,"id":1.5}';
    const error = await callUpstream(api('strict'), { signal: new AbortController().signal }, {}, op, validate).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'upstream_drift', data: { status: 200, pointer: '/id' } });
    expect((error as Error).message).toBe('Pets answered HTTP 200 to GET /pets/1 with data that does not match its declared schema: /id must be integer.');
  });

  it('the environment variable overrides the imported default', async () => {
    body = '{"id":"x"}';
    process.env.UNSET_PETS_OUTPUT_VALIDATION = 'strict';
    try {
      await expect(callUpstream(api('warn'), { signal: new AbortController().signal }, {}, op, validate)).rejects.toMatchObject({ code: 'upstream_drift' });
    } finally {
      delete process.env.UNSET_PETS_OUTPUT_VALIDATION;
    }
  });
});
