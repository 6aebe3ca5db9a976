/**
 * Error tracking: fingerprints group the same bug (tool, class, top frame) whatever the message;
 * counts land in /metrics; reporters get redacted arguments; the Sentry reporter sends a real
 * envelope to a local HTTP endpoint standing in for Sentry's ingest.
 */
import { createServer } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { ToolError } from '../errors/index.js';
import { createDefineTool, type Manifest, type ServerModules } from '../server/contract.js';
import { createServerFactory, type ServerFactory } from '../server/factory.js';
import { createDatabase, type Storage } from '../storage/index.js';
import { createLogger } from '../observability/index.js';
import { standaloneValidator } from '../testing/index.js';
import { createErrorTracker, fingerprintOf, startErrorReporters, topFrameOf, type ErrorEvent } from './index.js';

type Tools = { fail: { input: { mode: string; password: string; nested?: { token?: string } }; output: undefined } };
const defineTool = createDefineTool<Tools, unknown>();

const inputSchema = {
  type: 'object',
  properties: {
    mode: { type: 'string' },
    password: { type: 'string', writeOnly: true },
    nested: { type: 'object', properties: { token: { type: 'string', 'x-sensitive': true } } },
  },
  required: ['mode', 'password'],
};
const manifest: Manifest = { name: 'errs', version: '1.0.0', layout: 'dev', transports: ['stdio'], tools: { fail: { name: 'fail', description: 'Fails', inputSchema } }, resources: {}, prompts: {} };

function boom(message: string): never {
  throw new TypeError(message);
}

const modules: ServerModules = {
  tools: {
    fail: {
      handler: async () => ({
        default: defineTool('fail', async (input) => {
          if (input.mode === 'tool') throw new ToolError('meant for the client', { code: 'nope' });
          if (input.mode === 'range') throw new RangeError('other class');
          return boom(`bad ${input.mode}`);
        }),
      }),
      validateInput: async () => ({ default: standaloneValidator(inputSchema) }),
    },
  },
  resources: {},
  prompts: {},
};

const SECRET = 'correct-horse-battery-staple';
const TOKEN = 'tok_live_abcdef0123456789';

describe('fingerprints', () => {
  const thrownAt = (message: string) => {
    try {
      boom(message);
    } catch (error) {
      return error as Error;
    }
  };

  it('same tool, class and top frame: one fingerprint whatever the message; any of the three changes it', () => {
    const a = thrownAt('first')!;
    const b = thrownAt('second, with user data 42')!;
    expect(topFrameOf(a)).toBe(topFrameOf(b));
    expect(topFrameOf(a)).toMatch(/^boom \(.*errors\.test\.ts:\d+\)$/);
    const fa = fingerprintOf('fail', a.name, topFrameOf(a));
    expect(fa).toMatch(/^[\da-f]{16}$/);
    expect(fingerprintOf('fail', b.name, topFrameOf(b))).toBe(fa);
    expect(fingerprintOf('other', a.name, topFrameOf(a))).not.toBe(fa);
    expect(fingerprintOf('fail', 'RangeError', topFrameOf(a))).not.toBe(fa);
    expect(fingerprintOf('fail', a.name, topFrameOf(new TypeError('elsewhere')))).not.toBe(fa);
  });

  it('a thrown non-Error is grouped as NonError', () => {
    const event = createErrorTracker({ registry: new Registry() }).capture({ tool: 't', error: 'just a string', requestId: 'r', subject: 's', arguments: {} });
    expect(event.errorClass).toBe('NonError');
  });
});

describe('through the pipeline', () => {
  let storage: Storage;
  let factory: ServerFactory;
  const reported: ErrorEvent[] = [];

  beforeAll(async () => {
    storage = await createDatabase('sqlite::memory:');
    factory = await createServerFactory({
      manifest,
      modules,
      deps: {
        db: storage.db,
        logger: createLogger({ level: 'silent' }),
        errorReporters: [
          { report: (e) => void reported.push(e) },
          // A reporter that fails must not fail the call or the other reporters.
          {
            report: () => {
              throw new Error('reporter down');
            },
          },
        ],
      },
    });
  });
  afterAll(async () => storage.close());

  const call = (args: Record<string, unknown>) => factory.fastPath.tool('fail')!.call(args, undefined);

  it('counts unhandled errors per fingerprint in /metrics, not ToolErrors; reporters see redacted arguments', async () => {
    for (const mode of ['a', 'b']) {
      const result = await call({ mode, password: SECRET, nested: { token: TOKEN } });
      expect(result.isError).toBe(true);
      // The client sees the generic internal error, never the message.
      expect(JSON.stringify(result)).not.toContain(`bad ${mode}`);
    }
    await call({ mode: 'range', password: SECRET });
    await call({ mode: 'tool', password: SECRET });
    const text = await factory.metrics.metricsText();
    const lines = text.split('\n').filter((l) => l.startsWith('mcp_handler_errors_total{'));
    expect(lines).toHaveLength(2);
    const typeError = lines.find((l) => l.includes('error_class="TypeError"'))!;
    expect(typeError).toMatch(/tool="fail".*fingerprint="[\da-f]{16}"\} 2$/);
    expect(lines.find((l) => l.includes('error_class="RangeError"'))).toMatch(/ 1$/);
    expect(reported.map((e) => e.errorClass)).toEqual(['TypeError', 'TypeError', 'RangeError']);
    expect(reported[0]!.fingerprint).toBe(reported[1]!.fingerprint);
    expect(typeError).toContain(`fingerprint="${reported[0]!.fingerprint}"`);
    expect(reported[0]!.arguments).toEqual({ mode: 'a', password: '[redacted]', nested: { token: '[redacted]' } });
    expect(JSON.stringify(reported.map((e) => e.arguments))).not.toMatch(new RegExp(`${SECRET}|${TOKEN}`));
  });
});

describe('Sentry reporter (SENTRY_DSN)', () => {
  it('sends an envelope with the fingerprint, tags and redacted arguments to the DSN host', async () => {
    const bodies: Array<{ url: string; body: string }> = [];
    const ingest = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        bodies.push({ url: req.url ?? '', body: (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8') });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => ingest.listen(0, '127.0.0.1', r));
    const port = (ingest.address() as { port: number }).port;
    const storage = await createDatabase('sqlite::memory:');
    try {
      const reporters = await startErrorReporters({ sentryDsn: `http://publickey@127.0.0.1:${port}/7`, release: 'errs@1.0.0' });
      expect(reporters).toHaveLength(1);
      const factory = await createServerFactory({ manifest, modules, deps: { db: storage.db, logger: createLogger({ level: 'silent' }), errorReporters: reporters } });
      await factory.fastPath.tool('fail')!.call({ mode: 'x', password: SECRET, nested: { token: TOKEN } }, undefined);
      await factory.errors.flush(5000);
      expect(bodies).toHaveLength(1);
      expect(bodies[0]!.url.split('?')[0]).toBe('/api/7/envelope/');
      const [header, itemHeader, payload] = bodies[0]!.body.split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(bodies[0]!.url).toContain('sentry_key=publickey');
      expect(header!.event_id).toMatch(/^[\da-f]{32}$/);
      expect(itemHeader!.type).toBe('event');
      const event = payload as { fingerprint: string[]; tags: Record<string, string>; release: string; exception: { values: Array<{ type: string; value: string }> }; contexts: { mcp: { arguments: unknown } } };
      const [fingerprint] = event.fingerprint;
      expect(fingerprint).toMatch(/^[\da-f]{16}$/);
      expect(event.tags).toMatchObject({ tool: 'fail', error_class: 'TypeError' });
      expect(event.release).toBe('errs@1.0.0');
      expect(event.exception.values[0]).toMatchObject({ type: 'TypeError', value: 'bad x' });
      expect(event.contexts.mcp.arguments).toEqual({ mode: 'x', password: '[redacted]', nested: { token: '[redacted]' } });
      expect(bodies[0]!.body).not.toContain(SECRET);
      expect(bodies[0]!.body).not.toContain(TOKEN);
    } finally {
      await storage.close();
      await new Promise((r) => ingest.close(r));
    }
  });

  it('no DSN: no reporter and @sentry/node is not loaded', async () => {
    expect(await startErrorReporters({})).toEqual([]);
  });
});
