/**
 * The audit redactor on every transport: arguments a sensitive `additionalProperties` covers are
 * redacted whatever their name. Names Object.prototype also has (`constructor`, `toString`) once
 * counted as declared properties, so they escaped it. One pipeline, so one redactor: each transport
 * must show it. An argument named `__proto__` is dropped by the SDK's request parsing; the fast path
 * hands such a call to the SDK, so no transport passes it on (it once reached handlers on the fast
 * path only).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectChannel, connectWebSocket, legacyRequest, modernRequest, openSession, pipelineManifest, pipelineModules, startPipeline, tokenTable, type Pipeline } from '../__fixtures__/pipeline.js';
import { createDefineTool, type Manifest } from '../server/contract.js';
import { standaloneValidator } from '../testing/index.js';
import { REDACTED } from './index.js';

const OPEN_INPUT = { type: 'object', properties: { note: { type: 'string' } }, additionalProperties: { type: 'string', 'x-sensitive': true } };
const manifest: Manifest = {
  ...pipelineManifest,
  tools: { ...pipelineManifest.tools, open_echo: { name: 'open_echo', description: 'Echoes its argument names', inputSchema: OPEN_INPUT } },
};
function modules() {
  const base = pipelineModules();
  const defineTool = createDefineTool<{ open_echo: { input: Record<string, string>; output: undefined } }, unknown>();
  base.tools.open_echo = {
    handler: async () => ({ default: defineTool('open_echo', (input) => Object.keys(input).join(',')) }),
    validateInput: async () => ({ default: standaloneValidator(OPEN_INPUT) }),
  };
  return base;
}

/** Arguments as a client's JSON has them: `__proto__` an own key. */
const ARGUMENTS = (): Record<string, unknown> => JSON.parse('{"note": "n", "constructor": "c-secret", "toString": "t-secret", "__proto__": "p-secret"}') as Record<string, unknown>;
const EXPECTED_LINE = `{"note":"n","constructor":"${REDACTED}","toString":"${REDACTED}"}`;

let fast: Pipeline;
let sdk: Pipeline;
beforeAll(async () => {
  const { authenticate } = tokenTable({ alice: { subject: 'alice', scopes: [] } });
  fast = await startPipeline({ authenticate, manifest, modules: modules(), sessions: true });
  sdk = await startPipeline({ authenticate, manifest, modules: modules(), fastPath: false });
});
afterAll(async () => {
  await fast.close();
  await sdk.close();
});

/** The one new audit line of open_echo after `call`, and what the handler answered. */
async function audited(p: Pipeline, call: () => Promise<{ result?: Record<string, unknown> } | undefined>): Promise<{ line: string; answer: string }> {
  const before = p.lines.length;
  const result = (await call())?.result;
  const lines = p.lines.slice(before).filter((l) => l.msg === 'audit' && l.tool === 'open_echo');
  expect(lines).toHaveLength(1);
  return { line: JSON.stringify(lines[0]!.arguments), answer: ((result?.content as Array<{ text: string }> | undefined) ?? [])[0]?.text ?? '' };
}

describe('audit redaction of open arguments, on every transport', () => {
  const call = { name: 'open_echo', arguments: ARGUMENTS() };
  const cases: Array<[string, () => Promise<{ line: string; answer: string }>]> = [
    ['stdio (the single channel)', async () => {
      const channel = await connectChannel(fast.factory);
      try {
        return await audited(fast, () => channel.request('tools/call', call));
      } finally {
        await channel.close();
      }
    }],
    ['HTTP fast path (2026-07-28)', () => audited(fast, async () => (await modernRequest(fast.http.url, 'tools/call', call, 'alice')).message)],
    ['HTTP SDK path (2026-07-28, fast path off)', () => audited(sdk, async () => (await modernRequest(sdk.http.url, 'tools/call', call, 'alice')).message)],
    ['HTTP SDK path (2025-11-25 stateless)', () => audited(sdk, async () => (await legacyRequest(sdk.http.url, { id: 1, method: 'tools/call', params: call }, 'alice')).message)],
    ['a stateful session', async () => {
      const session = await openSession(fast.http.url, 'alice');
      expect(session.id).toBeTruthy();
      return audited(fast, async () => (await session.request('tools/call', call)).message);
    }],
    ['WebSocket', async () => {
      const ws = await connectWebSocket(fast.wsUrl, 'alice');
      try {
        return await audited(fast, () => ws.request('tools/call', call));
      } finally {
        await ws.close();
      }
    }],
  ];
  it.each(cases)('%s', async (_, run) => {
    const { line, answer } = await run();
    expect(line).toBe(EXPECTED_LINE);
    // The handler got the arguments unredacted: only the audit line is redacted.
    expect(answer).toBe('note,constructor,toString');
  });
});
