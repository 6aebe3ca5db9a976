// Cold start over stdio: from spawn() to the first successful tools/list answer. Modern contenders
// send one tools/list with the 2026-07-28 envelope (no handshake); 2025-era ones do initialize →
// notifications/initialized → tools/list. Contenders alternate, order rotated every run.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { log, rotated, summary } from './lib/util.mjs';

const clientInfo = { name: 'mcpforge-bench', version: '1.0.0' };
const modernMeta = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': clientInfo,
  'io.modelcontextprotocol/clientCapabilities': {},
};

export function coldStartContenders({ serversDir, projects }) {
  const node = process.execPath;
  const list = [
    { id: 'raw', label: 'raw stdio JSON-RPC loop (floor)', baseline: true, tools: 1, command: [node, join(serversDir, 'raw.mjs'), 'stdio'], mode: 'legacy' },
    { id: 'sdk-v2', label: 'SDK v2 serveStdio, modern tools/list', baseline: true, tools: 1, command: [node, join(serversDir, 'sdk-v2.mjs'), 'stdio'], mode: 'modern' },
    { id: 'sdk-v1', label: 'SDK v1.32 stdio', baseline: true, tools: 1, command: [node, join(serversDir, 'sdk-v1.mjs'), 'stdio'], mode: 'legacy' },
    { id: 'fastmcp', label: 'fastmcp 4.20 (punkpeye, TypeScript) stdio', baseline: true, tools: 1, command: [node, join(serversDir, 'fastmcp.mjs'), 'stdio'], mode: 'legacy' },
    { id: 'tmcp', label: 'tmcp 1.20 stdio', baseline: true, tools: 1, command: [node, join(serversDir, 'tmcp.mjs'), 'stdio'], mode: 'legacy' },
  ];
  for (const { tools, dir } of projects) {
    list.push({
      id: `mcpforge-${tools}`,
      label: `mcpforge, ${tools} tool${tools === 1 ? '' : 's'}, modern tools/list`,
      tools,
      command: [node, join(dir, 'dist/server.js'), '--database-url', 'sqlite::memory:'],
      mode: 'modern',
    });
  }
  return list;
}

/** One cold start; resolves with the milliseconds from spawn to a tools/list listing every tool. */
export function coldStartOnce(c) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const [cmd, ...args] = c.command;
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NODE_ENV: 'production' } });
    let buffer = '';
    let stderr = '';
    let done = false;
    const send = (m) => child.stdin.write(`${JSON.stringify(m)}\n`);
    const timer = setTimeout(() => finish(new Error(`${c.id}: no tools/list answer within 30 s; stderr: ${stderr}`)), 30_000);
    function finish(error, ms) {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.once('exit', () => (error ? reject(error) : resolve(ms)));
      child.kill('SIGKILL');
    }
    child.stderr.on('data', (d) => {
      stderr = (stderr + d).slice(-4000);
    });
    child.on('error', (e) => finish(e));
    child.stdin.on('error', () => {});
    child.stdout.on('data', (d) => {
      buffer += d;
      let i;
      while ((i = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, i).trim();
        buffer = buffer.slice(i + 1);
        if (!line.startsWith('{')) continue;
        const msg = JSON.parse(line);
        if (msg.id === 1 && c.mode === 'legacy') {
          if (!msg.result) return finish(new Error(`${c.id}: initialize failed: ${line.slice(0, 300)}`));
          send({ jsonrpc: '2.0', method: 'notifications/initialized' });
          send({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} });
        } else if (msg.id === 2) {
          const ms = performance.now() - t0;
          const tools = msg.result?.tools;
          if (!Array.isArray(tools) || !tools.some((t) => t.name === 'add') || tools.length !== c.tools) {
            return finish(new Error(`${c.id}: bad tools/list answer (expected ${c.tools} tools): ${line.slice(0, 300)}`));
          }
          finish(undefined, ms);
        } else if (msg.id !== undefined && msg.method) {
          send({ jsonrpc: '2.0', id: msg.id, result: msg.method === 'roots/list' ? { roots: [] } : {} });
        }
      }
    });
    if (c.mode === 'legacy') send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo } });
    else send({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: { _meta: modernMeta } });
  });
}

export async function runColdStart(contenders, { runs }) {
  for (const c of contenders) await coldStartOnce(c); // warms the OS file cache; not recorded
  const samples = Object.fromEntries(contenders.map((c) => [c.id, []]));
  for (let r = 0; r < runs; r++) {
    for (const c of rotated(contenders, r)) samples[c.id].push(await coldStartOnce(c));
  }
  const stats = {};
  for (const c of contenders) {
    stats[c.id] = summary(samples[c.id]);
    log(`cold start ${c.id.padEnd(16)} median ${stats[c.id].median.toFixed(1)} ms (min ${stats[c.id].min.toFixed(1)}, max ${stats[c.id].max.toFixed(1)})`);
  }
  return { contenders: contenders.map(({ id, label, baseline, tools, mode }) => ({ id, label, baseline: baseline === true, tools, mode })), samples, stats };
}
