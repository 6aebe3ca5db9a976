/**
 * Tracing in a generated project, as a user turns it on: `mcpforge new` (notes example, HTTP) →
 * started with OTEL_EXPORTER_OTLP_ENDPOINT set it refuses with the install command (the SDK is an
 * optional peer npm does not install) → that command run in the project → the server exports the
 * trace of one call to an OTLP/HTTP receiver that decodes the protobuf payload.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startOtlpReceiver, type OtlpReceiver } from '../../runtime/src/__fixtures__/otlp-receiver.js';
import { CLI } from '../helpers/toolkit.js';

let workdir: string;
let project: string;
let receiver: OtlpReceiver;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  workdir = mkdtempSync(join(tmpdir(), 'mcpforge-tracing-project-'));
  project = join(workdir, 'traced-notes');
  const result = await execa(process.execPath, [CLI, 'new', project, '--yes', '--example', 'notes', '--transport', 'http'], { cwd: workdir, all: true, reject: false });
  if (result.exitCode !== 0) throw new Error(`mcpforge new failed (${result.exitCode}):\n${result.all ?? ''}`);
}, 900_000);

afterAll(async () => {
  await receiver?.close();
  if (workdir) rmSync(workdir, { recursive: true, force: true });
});

const env = () => ({ ...(process.env as Record<string, string>), LOG_LEVEL: 'warn', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'traced-notes' });

it('without the SDK the server refuses to start and prints the whole install command; after it, one call arrives as a trace', async () => {
  const refused = await new Promise<{ code: number | null; stderr: string }>((done) => {
    const child = spawn(process.execPath, ['dist/server.js', '--transport', 'http', '--port', '0'], { cwd: project, env: env(), stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => done({ code, stderr }));
  });
  expect(refused.code).not.toBe(0);
  const command = /npm install (@opentelemetry\/[^\s,]+ ?)+/.exec(refused.stderr)?.[0];
  expect(command, refused.stderr).toBeDefined();

  // The printed command, as the user would paste it.
  const [npm, ...args] = command!.trim().split(' ');
  const installed = await execa(npm!, [...args, '--no-audit', '--no-fund'], { cwd: project, all: true, reject: false });
  expect(installed.exitCode, installed.all).toBe(0);

  const { child, url } = await startHttp(project, env());
  try {
    const traceId = 'a1'.repeat(16);
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': 'tools/call',
        'mcp-name': 'create_note',
        traceparent: `00-${traceId}-${'b2'.repeat(8)}-01`,
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: {
          name: 'create_note',
          arguments: { title: 'traced', body: 'one trace' },
          _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientInfo': { name: 'e2e', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {} },
        },
      }),
    });
    expect(res.status).toBe(200);
    await res.text();
    // Batched export: the default schedule sends within a few seconds.
    const spans = await receiver.waitFor((all) => all.some((s) => s.traceId === traceId && s.name === 'tools/call create_note'), 20_000);
    const request = spans.find((s) => s.traceId === traceId && s.name === 'tools/call create_note')!;
    expect(request.serviceName).toBe('traced-notes');
    expect(request.parentSpanId).toBe('b2'.repeat(8));
    expect(spans.filter((s) => s.traceId === traceId).map((s) => s.name)).toEqual(expect.arrayContaining(['handler']));
  } finally {
    child.kill('SIGTERM');
  }
}, 600_000);

/** Starts the built server over HTTP on a free port; resolves with its URL once it says so. */
function startHttp(cwd: string, serverEnv: Record<string, string>): Promise<{ child: ChildProcess; url: URL }> {
  const child = spawn(process.execPath, ['dist/server.js', '--transport', 'http', '--port', '0'], { cwd, env: serverEnv, stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((done, fail) => {
    let stderr = '';
    const timer = setTimeout(() => fail(new Error(`no "listening on" line within 20 s:\n${stderr}`)), 20_000);
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        done({ child, url: new URL(match[1]!) });
      }
    });
    child.on('exit', (code) => fail(new Error(`server exited with ${code}:\n${stderr}`)));
  });
}
