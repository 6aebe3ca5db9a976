// HTTP tools/call benchmark: every contender serves the same `add` tool on loopback; each reply is
// checked for correctness, then wrk runs the contenders alternately (order rotated every round) at
// each concurrency. Peak RSS is read from /proc after the load. The twins (the 1-tool server with
// validation off, or with V8's own heap sizing, and a control) are not in that rotation: each is
// measured against its base server within the same rounds (lib/pairs.mjs), before the rotation so
// that the base and its twins have the same history — the only way a cost of a few percent
// survives the machine's drift.
import { join } from 'node:path';
import { runPairs } from './lib/pairs.mjs';
import { benchDatabaseUrl } from './lib/projects.mjs';
import { freePort, log, resetPeakRss, rotated, rssMiB, runWrk, sleep, startProcess, stopProcess, summary } from './lib/util.mjs';

export const MODERN_PV = '2026-07-28';
export const LEGACY_PV = '2025-11-25';
const args = { a: 2, b: 3 };
export const MODERN_CALL = {
  body: JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'tools/call',
    params: {
      name: 'add',
      arguments: args,
      _meta: {
        'io.modelcontextprotocol/protocolVersion': MODERN_PV,
        'io.modelcontextprotocol/clientInfo': { name: 'mcpforge-bench', version: '1.0.0' },
        'io.modelcontextprotocol/clientCapabilities': {},
      },
    },
  }),
  pv: MODERN_PV,
  method: 'tools/call',
  name: 'add',
};
export const LEGACY_CALL = { body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'add', arguments: args } }), pv: LEGACY_PV };

/**
 * The `-v8heap` twin (full runs only): the same 1-tool server with `MCP_V8_HEAP=v8`, V8's own heap
 * sizing instead of the compact sizing HTTP servers set for themselves (runtime/src/start/heap.ts).
 * Against it the bench prices the compact default: peak RSS ≤ 100 MiB may cost ≤ 5% of req/s.
 * (Until round five the twin was a hard cap, `--max-old-space-size=96`; a heap flag on node's
 * command line now turns the compact sizing off, so that twin measured the user's override.)
 */
export const V8_HEAP_ENV = { MCP_V8_HEAP: 'v8' };

/**
 * The `-v8heap-steady` twin (full runs only, round fifteen): V8's own heap sizing without its
 * allocation-site pretenuring. V8's sizing as it comes runs at two speeds on one machine, whatever
 * the run (bench/README.md, Peak RSS, round fourteen: its pretenuring decisions keep flipping or
 * not); without pretenuring it runs at the fast one every time. The compact default must cost
 * ≤ 5% against both twins: against the steady one the figure does not depend on V8's luck.
 */
export const V8_STEADY_FLAGS = ['--no-allocation-site-pretenuring'];

/** The HTTP contenders: the baselines of bench/baselines, then generated mcpforge servers. */
export function httpContenders({ serversDir, projects, v8Heap = false }) {
  const node = process.execPath;
  const list = [
    { id: 'raw', label: 'raw node:http JSON-RPC (floor)', baseline: true, command: (port) => [node, join(serversDir, 'raw.mjs'), String(port)], request: LEGACY_CALL },
    { id: 'sdk-v2', label: 'SDK v2 createMcpHandler (2026-07-28)', baseline: true, command: (port) => [node, join(serversDir, 'sdk-v2.mjs'), String(port)], request: MODERN_CALL },
    { id: 'sdk-v1', label: 'SDK v1.32 StreamableHTTPServerTransport stateless', baseline: true, command: (port) => [node, join(serversDir, 'sdk-v1.mjs'), String(port)], request: LEGACY_CALL },
    { id: 'fastmcp', label: 'fastmcp 4.20 (punkpeye, TypeScript) httpStream stateless', baseline: true, command: (port) => [node, join(serversDir, 'fastmcp.mjs'), String(port)], request: LEGACY_CALL },
    { id: 'tmcp', label: 'tmcp 1.20 HttpTransport (2026-07-28)', baseline: true, command: (port) => [node, join(serversDir, 'tmcp.mjs'), String(port)], request: MODERN_CALL },
  ];
  for (const { tools, dir, apiKey } of projects) {
    const database = apiKey ? benchDatabaseUrl(dir) : 'sqlite::memory:';
    const serve = (entry, nodeFlags = []) => (port) => [node, ...nodeFlags, join(dir, 'dist', entry), '--transport', 'http', '--port', String(port), '--database-url', database];
    if (apiKey) {
      // The issue's headline contender: API-key auth (a database lookup per request), audit line,
      // logs and metrics on.
      list.push({ id: `mcpforge-${tools}-apikey`, label: `mcpforge, ${tools} tool${tools === 1 ? '' : 's'}, API-key auth (validation, audit, logs, metrics)`, tools, command: serve('server.js'), request: { ...MODERN_CALL, apiKey } });
      continue;
    }
    list.push({ id: `mcpforge-${tools}`, label: `mcpforge, ${tools} tool${tools === 1 ? '' : 's'} (validation, audit, logs, metrics)`, tools, command: serve('server.js'), request: MODERN_CALL });
    if (tools === projects[0].tools) {
      // Twins of this server: `twin.pair` names the figure their pair gives (run.mjs checks()).
      const twin = (pair) => ({ of: `mcpforge-${tools}`, pair });
      // The control: a second process of the very same server. Its pair's "cost" is the method's own
      // noise in this run (a true 0), the yardstick the twins' figures are read against.
      list.push({ id: `mcpforge-${tools}-again`, label: `mcpforge, ${tools} tool${tools === 1 ? '' : 's'}, a second process of the same server (control)`, tools, command: serve('server.js'), request: MODERN_CALL, twin: twin('control') });
      list.push({ id: `mcpforge-${tools}-novalidation`, label: `mcpforge, ${tools} tool${tools === 1 ? '' : 's'}, validation off`, tools, command: serve('server-novalidate.js'), request: MODERN_CALL, twin: twin('validation') });
      if (v8Heap) {
        list.push({ id: `mcpforge-${tools}-v8heap`, label: `mcpforge, ${tools} tool${tools === 1 ? '' : 's'}, MCP_V8_HEAP=v8 (V8's own heap sizing)`, tools, command: serve('server.js'), env: V8_HEAP_ENV, request: MODERN_CALL, twin: twin('compactHeap') });
        list.push({ id: `mcpforge-${tools}-v8heap-steady`, label: `mcpforge, ${tools} tool${tools === 1 ? '' : 's'}, MCP_V8_HEAP=v8 ${V8_STEADY_FLAGS.join(' ')} (V8's own heap sizing, steady)`, tools, command: serve('server.js', V8_STEADY_FLAGS), env: V8_HEAP_ENV, request: MODERN_CALL, twin: twin('compactHeapSteady') });
      }
    }
  }
  return list;
}

async function post(url, request) {
  const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  if (request.pv) headers['mcp-protocol-version'] = request.pv;
  if (request.apiKey) headers['x-api-key'] = request.apiKey;
  if (request.method) {
    headers['mcp-method'] = request.method;
    headers['mcp-name'] = request.name;
  }
  const res = await fetch(url, { method: 'POST', headers, body: request.body });
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  const json = type.includes('text/event-stream') ? JSON.parse(text.split('\n').find((l) => l.startsWith('data:')).slice(5)) : JSON.parse(text);
  return { status: res.status, json };
}

/** Throws unless the contender answers tools/call add(2, 3) with a correct, successful result. */
export async function verify(contender) {
  let reply;
  for (let attempt = 0; ; attempt++) {
    try {
      reply = await post(contender.url, contender.request);
      break;
    } catch (error) {
      // Not listening yet.
      if (attempt > 200 || contender.process.exitCode !== null) {
        throw new Error(`${contender.id} did not answer: ${error.message}\n${contender.process.stderrText}`);
      }
      await sleep(100);
    }
  }
  if (contender.request.apiKey) {
    // An authenticated contender must really authenticate: the same call without its key is refused.
    const { apiKey: _key, ...anonymous } = contender.request;
    const refused = await fetch(contender.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': anonymous.pv ?? '' }, body: anonymous.body });
    await refused.arrayBuffer();
    if (refused.status !== 401) throw new Error(`${contender.id} answered a call without its API key with HTTP ${refused.status}, not 401`);
  }
  const { status, json } = reply;
  const result = json?.result;
  const ok = status === 200 && json.jsonrpc === '2.0' && json.id === 1 && result?.isError !== true && result?.content?.[0]?.type === 'text' && result.content[0].text === '5';
  const modernOk = contender.request.pv !== MODERN_PV || result?.resultType === 'complete';
  if (!ok || !modernOk) throw new Error(`${contender.id} answered tools/call add(2, 3) wrongly: HTTP ${status} ${JSON.stringify(json)}`);
  return json;
}

/**
 * Runs the HTTP benchmark. `settings`: { seconds, rounds, concurrencies, warmupSeconds, pairRounds,
 * pairSeconds }; `seconds` is per wrk run at c>1, a quarter of it at c=1; the twins' pairs run at c=32.
 * Returns { contenders: [{ id, label, verified, rssMiB }], runs: [...], stats: { [conc]: { [id]: {...} } },
 * twins: [{ id, label, of, pair, verified, rssMiB }], pairs: { settings, runs, stats: { [pair]: {...} } } }.
 */
export async function runHttp(all, settings) {
  const { seconds, rounds, concurrencies, warmupSeconds, pairRounds, pairSeconds } = settings;
  const contenders = all.filter((c) => !c.twin);
  const twins = all.filter((c) => c.twin);
  for (const c of all) {
    c.port = await freePort();
    c.url = `http://127.0.0.1:${c.port}/mcp`;
    const [cmd, ...argv] = c.command(c.port);
    c.process = startProcess(cmd, argv, { env: { ...process.env, NODE_ENV: 'production', ...c.env } });
  }
  try {
    for (const c of all) {
      c.verified = await verify(c);
      log(`verified ${c.id}: ${JSON.stringify(c.verified).slice(0, 160)}`);
    }

    // The twins first, each against its base within the same rounds (lib/pairs.mjs): the base and
    // its twins start with the same history (a base that had served the whole rotation ran up to
    // 10–16% less CPU per call than a fresh copy of itself under load, round nine). They are warmed
    // up for a full round's run first; the other contenders right before the rotation, as before.
    const pairList = twins.map((t) => ({ id: t.twin.pair, base: contenders.find((c) => c.id === t.twin.of), twin: t })).filter((p) => p.base);
    const paired = new Set(pairList.flatMap((p) => [p.base, p.twin]));
    if (warmupSeconds > 0) for (const c of paired) await runWrk(c.url, c.request, { connections: 32, seconds: Math.max(warmupSeconds, seconds) });
    const pairSettings = { rounds: pairRounds, seconds: pairSeconds, connections: 32 };
    const pairs = { settings: pairSettings, ...(await runPairs(pairList, pairSettings)) };
    for (const p of pairList) {
      pairs.stats[p.id].base.peakRssMiB = rssMiB(p.base.process.pid).peak;
      pairs.stats[p.id].twin.peakRssMiB = rssMiB(p.twin.process.pid).peak;
    }
    // The rotation's peak RSS is its own, as before the twins' rounds (its target reads it).
    for (const p of pairList) resetPeakRss(p.base.process.pid);

    if (warmupSeconds > 0) for (const c of contenders.filter((x) => !paired.has(x))) await runWrk(c.url, c.request, { connections: 32, seconds: warmupSeconds });
    const runs = [];
    for (let round = 0; round < rounds; round++) {
      // c=1 is reported but no target reads it: a quarter of the time (half until round nine), and
      // in the first round only (every round until round nineteen), pays for the twins' rounds and
      // keeps the full run within 15 minutes on a slow machine.
      for (const connections of round === 0 ? concurrencies : concurrencies.filter((c) => c !== 1)) {
        const runSeconds = connections === 1 ? Math.max(1, Math.round(seconds / 4)) : seconds;
        for (const c of rotated(contenders, round)) {
          const r = await runWrk(c.url, c.request, { connections, seconds: runSeconds });
          runs.push({ round: round + 1, connections, id: c.id, ...r });
          log(`round ${round + 1} c=${connections} ${c.id.padEnd(26)} ${r.rps.toFixed(0).padStart(7)} req/s  p50 ${r.p50Ms.toFixed(2)} ms  p99 ${r.p99Ms.toFixed(2)} ms${r.errors ? `  ERRORS ${r.errors}` : ''}`);
        }
      }
    }
    // Still correct after the load? Then record memory.
    for (const c of all) {
      await verify(c);
      c.rss = rssMiB(c.process.pid);
    }

    const stats = {};
    for (const connections of concurrencies) {
      stats[connections] = {};
      for (const c of contenders) {
        const mine = runs.filter((r) => r.id === c.id && r.connections === connections);
        stats[connections][c.id] = {
          rps: summary(mine.map((r) => r.rps)),
          p50Ms: summary(mine.map((r) => r.p50Ms)),
          p99Ms: summary(mine.map((r) => r.p99Ms)),
          errors: mine.reduce((n, r) => n + r.errors, 0),
        };
      }
    }
    return {
      contenders: contenders.map((c) => ({ id: c.id, label: c.label, baseline: c.baseline === true, tools: c.tools, verified: c.verified, rssMiB: c.rss })),
      runs,
      stats,
      twins: twins.map((t) => ({ id: t.id, label: t.label, of: t.twin.of, pair: t.twin.pair, tools: t.tools, verified: t.verified, rssMiB: t.rss })),
      pairs,
    };
  } finally {
    await Promise.all(all.map((c) => stopProcess(c.process)));
  }
}
