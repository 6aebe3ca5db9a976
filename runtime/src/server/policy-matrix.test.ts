/**
 * The policy matrix: every transport × every method that touches an entry × every caller
 * situation gets the same outcome (modulo how the transport carries it), the handler runs exactly
 * once or never (per protocol round), audit writes exactly one line where the request reached the
 * server's policy, and metrics count a call once. Generated with fast-check over the dimensions
 * (the seed is printed; FC_SEED=<seed> replays a run), plus fixed cases for every combination.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectChannel,
  connectWebSocket,
  modernRequest,
  openSession,
  runs,
  startPipeline,
  tokenTable,
  type Connection,
  type HttpAnswer,
  type Pipeline,
} from '../__fixtures__/pipeline.js';

const TRANSPORTS = ['stdio', 'http-sdk', 'http-fast', 'session', 'websocket'] as const;
const METHODS = ['tool', 'prompt', 'resource', 'completion'] as const;
const SITUATIONS = ['none', 'valid', 'revoked', 'expired', 'missing_scope', 'rate_limited', 'invalid', 'asks_input', 'throws', 'throws_now'] as const;
type Transport = (typeof TRANSPORTS)[number];
type Method = (typeof METHODS)[number];
type Situation = (typeof SITUATIONS)[number];
type Outcome = 'ok' | 'unauthenticated' | 'denied' | 'rate_limited' | 'invalid' | 'input_required' | 'error';

const ALL_SCOPES = ['notes:admin', 'help:read', 'vault:read'];
const { tokens, authenticate } = tokenTable({});
let fast: Pipeline;
let sdk: Pipeline;
beforeAll(async () => {
  fast = await startPipeline({ authenticate, sessions: true });
  sdk = await startPipeline({ authenticate, fastPath: false });
});
afterAll(async () => {
  await fast?.close();
  await sdk?.close();
});

/** Which combinations exist: stdio is the local user (no credential to lose); some situations are tool-only. */
function applies(transport: Transport, method: Method, situation: Situation): boolean {
  if (transport === 'stdio' && ['none', 'revoked', 'expired', 'missing_scope'].includes(situation)) return false;
  if (['rate_limited', 'asks_input', 'throws', 'throws_now'].includes(situation) && method !== 'tool') return false;
  if (situation === 'invalid' && (method === 'resource' || method === 'completion')) return false;
  // A 2025 session answers a push-style elicitation inside the call's event stream; the raw test client reads whole bodies.
  if (situation === 'asks_input' && transport === 'session') return false;
  return true;
}

function expected(method: Method, situation: Situation, transport: Transport): Outcome {
  if (situation === 'none' || situation === 'revoked' || situation === 'expired') return 'unauthenticated';
  if (situation === 'missing_scope') return 'denied';
  if (situation === 'asks_input') return 'input_required';
  if (situation === 'throws' || situation === 'throws_now') return 'error';
  if (situation === 'invalid') return 'invalid';
  if (situation === 'rate_limited') return 'rate_limited';
  void method;
  void transport;
  return 'ok';
}

/** The request of a case: [JSON-RPC method, params, entry the audit names, the handler run counter]. */
function requestOf(method: Method, situation: Situation, transport: Transport): [string, Record<string, unknown>, string | undefined, string | undefined] {
  switch (method) {
    case 'tool': {
      // whoami is rate limited per caller; stdio's one local caller would exhaust it across cases.
      const plain = transport === 'stdio' && situation !== 'rate_limited' ? 'secret_echo' : 'whoami';
      const tool = situation === 'missing_scope' ? 'secret_echo' : situation === 'asks_input' ? 'ask' : situation === 'throws' ? 'explode' : situation === 'throws_now' ? 'crash' : plain;
      const args = situation === 'invalid' ? { text: 5 } : tool === 'explode' ? { mode: 'internal' } : tool === 'secret_echo' ? { text: 'x' } : {};
      const name = situation === 'invalid' ? 'secret_echo' : tool;
      // explode is the notes fixture's: its runs are not counted.
      return ['tools/call', { name, arguments: args }, name, tool === 'explode' ? undefined : name];
    }
    case 'prompt':
      return ['prompts/get', { name: 'login_help', arguments: situation === 'invalid' ? { user: 'x' } : { user: 'ada', memorable_word: 'blue-giraffe' } }, 'login_help', 'login_help'];
    case 'resource':
      return ['resources/read', { uri: 'vault://k1' }, 'vault', undefined];
    case 'completion':
      return ['completion/complete', { ref: { type: 'ref/prompt', name: 'login_help' }, argument: { name: 'user', value: 'a' } }, undefined, undefined];
  }
}

type Reply = { status?: number; closed?: number; message?: { result?: Record<string, unknown>; error?: { code: number; message: string } } };

function classify(reply: Reply, transport: Transport): Outcome {
  if (reply.status === 401 || reply.closed === 1008 || reply.closed === -401) return 'unauthenticated';
  if (reply.status === 403) return 'denied';
  if (reply.status === 429) return 'rate_limited';
  const error = reply.message?.error;
  const result = reply.message?.result;
  const code = (result?._meta as Record<string, { code?: string }> | undefined)?.['mcpforge/error']?.code ?? (error as { data?: { code?: string } } | undefined)?.data?.code;
  if (code === 'insufficient_scope' || /not found|Missing scope/.test(error?.message ?? '')) return 'denied';
  if (code === 'rate_limited') return 'rate_limited';
  if (error?.code === -32602 || JSON.stringify(result?.content ?? '').includes('Input validation error')) return 'invalid';
  if (result?.resultType === 'input_required' || (transport !== 'http-sdk' && transport !== 'http-fast' && JSON.stringify(result?.content ?? '').includes('hello undefined'))) return 'input_required';
  if (error || result?.isError) return 'error';
  return 'ok';
}

let n = 0;
async function runCase(transport: Transport, method: Method, situation: Situation): Promise<{ leaked: boolean; outcome: Outcome; ran: number | undefined; audits: number; counted: number; subject: string }> {
  n++;
  const token = `tok${n}`;
  const subject = transport === 'stdio' ? 'local' : `u${n}`;
  tokens.set(token, { subject, scopes: situation === 'missing_scope' ? ['help:none'] : ALL_SCOPES });
  const [rpc, params, auditName, counter] = requestOf(method, situation, transport);
  const server = transport === 'http-sdk' ? sdk : fast;
  const auditCount = () => server.lines.filter((l) => l.msg === 'audit' && l.subject === subject && (auditName === undefined || Object.values(l).includes(auditName))).length;
  const auditsBefore = auditCount();
  const toolName = rpc === 'tools/call' ? String(params.name) : undefined;
  const countCalls = async () => [...(await server.metrics.metricsText()).matchAll(new RegExp(`mcp_tool_calls_total\\{tool="${toolName}",outcome="[a-z]+"\\} (\\d+)`, 'g'))].reduce((sum, m) => sum + Number(m[1]), 0);
  const callsBefore = toolName ? await countCalls() : 0;
  const runKey = counter === undefined ? undefined : `${counter}@${subject}`;
  const ranBefore = runKey ? (runs.get(runKey) ?? 0) : 0;
  const credential = situation === 'none' ? undefined : token;
  const loseCredential = () => {
    if (situation === 'revoked') tokens.get(token)!.revoked = true;
    if (situation === 'expired') tokens.get(token)!.expiresAt = Math.floor(Date.now() / 1000) - 1;
  };
  const caps = situation === 'asks_input' ? { elicitation: { form: {} } } : {};
  let reply: Reply;
  if (transport === 'http-sdk' || transport === 'http-fast') {
    const send = (): Promise<HttpAnswer> => modernRequest(server.http.url, rpc, params, credential, 1, caps);
    if (situation === 'rate_limited') for (let i = 0; i < 2; i++) await send();
    loseCredential();
    const answer = await send();
    reply = { status: answer.status, ...(answer.message ? { message: answer.message } : {}) };
  } else if (transport === 'session') {
    const session = await openSession(server.http.url, credential);
    if (session.status === 401) reply = { status: 401 };
    else {
      if (situation === 'rate_limited') for (let i = 0; i < 2; i++) await session.request(rpc, params);
      loseCredential();
      const answer = await session.request(rpc, params);
      reply = { status: answer.status, ...(answer.message ? { message: answer.message } : {}) };
    }
  } else {
    let connection: Connection | undefined;
    try {
      connection = transport === 'stdio' ? await connectChannel(server.factory) : await connectWebSocket(server.wsUrl, credential);
    } catch (error) {
      if (!/upgrade refused: 401/.test((error as Error).message)) throw error;
    }
    if (!connection) reply = { closed: -401 };
    else {
      if (situation === 'rate_limited') for (let i = 0; i < 2; i++) await connection.request(rpc, params);
      loseCredential();
      const message = await connection.request(rpc, params);
      const closed = await Promise.race([connection.closed, new Promise<undefined>((r) => setTimeout(() => r(undefined), situation === 'revoked' || situation === 'expired' ? 2000 : 0))]);
      reply = { ...(message.error?.message === 'closed' ? {} : { message }), ...(closed ? { closed: closed.code } : {}) };
      await connection.close();
    }
  }
  const audits = auditCount() - auditsBefore;
  // A handler's own error text (the fixtures' carry a password) stays in the server's log, never in the reply.
  const leaked = JSON.stringify(reply).includes('hunter2');
  return {
    leaked,
    outcome: classify(reply, transport),
    ran: runKey ? (runs.get(runKey) ?? 0) - ranBefore : undefined,
    audits,
    counted: toolName ? (await countCalls()) - callsBefore : 0,
    subject,
  };
}

/** What must hold for one case (besides the outcome): handler runs, audit lines, metric counts. */
function check(transport: Transport, method: Method, situation: Situation, result: Awaited<ReturnType<typeof runCase>>, concurrent = false): void {
  const label = `${transport} × ${method} × ${situation}`;
  expect(result.outcome, label).toBe(expected(method, situation, transport));
  expect(result.leaked, `${label}: internal error text in the reply`).toBe(false);
  const modern = transport === 'http-sdk' || transport === 'http-fast';
  // Rounds: a 2025 connection answers ctx.elicit push-style and re-runs the handler with the answer.
  const rounds = situation === 'asks_input' && !modern ? 2 : 1;
  const reaches = ['ok', 'error', 'input_required'].includes(expected(method, situation, transport));
  // Rate limited: the 2 calls before the refused one ran (stdio's local caller shares one bucket across cases).
  if ((method === 'tool' || method === 'prompt') && result.ran !== undefined) {
    if (situation === 'rate_limited') {
      if (transport !== 'stdio') expect(result.ran, `${label}: handler runs`).toBe(2);
    } else expect(result.ran, `${label}: handler runs`).toBe(reaches ? rounds : 0);
  }
  // Metrics are per tool, not per caller: concurrent cases of one tool cannot be told apart there.
  if (method === 'tool' && !concurrent) {
    const callCounted = ['ok', 'error', 'input_required', 'invalid', 'rate_limited'].includes(expected(method, situation, transport));
    // The rate-limited case made 2 allowed calls first.
    expect(result.counted, `${label}: mcp_tool_calls_total`).toBe(situation === 'rate_limited' ? 3 : callCounted ? rounds : 0);
  }
  // Invalid input is audited with subject "-": concurrent invalid cases cannot be told apart there.
  if (transport !== 'stdio' && method !== 'completion' && !(concurrent && situation === 'invalid')) {
    const audited = expected(method, situation, transport) !== 'unauthenticated' && !(method === 'prompt' && situation === 'invalid');
    const perRequest = situation === 'rate_limited' ? 3 : rounds;
    expect(result.audits, `${label}: audit lines`).toBe(audited ? perRequest : 0);
  }
}

const ALL = TRANSPORTS.flatMap((t) => METHODS.flatMap((m) => SITUATIONS.filter((s) => applies(t, m, s)).map((s) => [t, m, s] as const)));

describe('policy matrix', () => {
  it.each(ALL)('%s × %s × %s', async (transport, method, situation) => {
    check(transport, method, situation, await runCase(transport, method, situation));
  });

  it('property: random sequences of cases, interleaved across transports, keep every invariant', async () => {
    const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : Date.now() % 2 ** 31;
    process.stderr.write(`policy matrix property: seed ${seed} (FC_SEED=${seed} replays it)\n`);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...ALL), { minLength: 1, maxLength: 4 }), async (cases) => {
        // Concurrently: the outcome of one caller's request never depends on another's.
        const results = await Promise.all(cases.map(([t, m, s]) => runCase(t, m, s)));
        cases.forEach(([t, m, s], i) => {
          // Concurrent stdio cases share the local caller's audit and metric counts; their outcome still holds.
          if (t === 'stdio') expect(results[i]!.outcome).toBe(expected(m, s, t));
          else check(t, m, s, results[i]!, cases.length > 1);
        });
      }),
      { seed, numRuns: 15 },
    );
  });
});

