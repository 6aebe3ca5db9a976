#!/usr/bin/env node
// A/B of cold starts: spawn → first tools/list (the bench's own measurement, coldstart.mjs), for two
// or more server entry files, alternating, plus the CPU time the child used until it answered
// (every thread's run time from /proc/<pid>/task/*/schedstat, read when the answer arrives; Linux
// only). CPU time moves much less than wall time when other processes share the machine.
// Usage: node bench/coldstart-ab.mjs [--runs N] [--tools N] [--legacy] <server> <server> ...
// A server may end in `#N`: the tool count its answer must list (else --tools), so that 1 and
// 1,000 tools can share one rotation (their ratio is then measured in the same minutes).
// A server is a generated project's `dist/server.js`, run with `--database-url sqlite::memory:` as in
// the bench, or a quoted command line (`"bench/baselines/servers/sdk-v2.mjs stdio"`) run as given.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { median } from './lib/util.mjs';

const args = process.argv.slice(2);
let runs = 10;
let tools = 1;
let legacy = false;
const servers = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--runs') runs = Number(args[++i]);
  else if (args[i] === '--tools') tools = Number(args[++i]);
  else if (args[i] === '--legacy') legacy = true;
  else servers.push(args[i]);
}

function cpuMs(pid) {
  let ns = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended meanwhile
    }
  }
  return ns / 1e6;
}

const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientInfo': { name: 'mcpforge-bench', version: '1.0.0' }, 'io.modelcontextprotocol/clientCapabilities': {} };

function once(entry) {
  const [server, count] = entry.split('#');
  const expected = count === undefined ? tools : Number(count);
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const argv = server.includes(' ') ? server.split(' ') : [server, '--database-url', 'sqlite::memory:'];
    const child = spawn(process.execPath, argv, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NODE_ENV: 'production' } });
    let buffer = '';
    let stderr = '';
    const send = (m) => child.stdin.write(`${JSON.stringify(m)}\n`);
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d) => {
      buffer += d;
      let i;
      while ((i = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 1);
        const msg = JSON.parse(line);
        if (msg.id === 1) {
          send({ jsonrpc: '2.0', method: 'notifications/initialized' });
          send({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} });
        } else if (msg.id === 2) {
          const wall = performance.now() - t0;
          const cpu = cpuMs(child.pid);
          if (msg.result?.tools?.length !== expected) return reject(new Error(`${server}: bad answer ${line.slice(0, 200)}`));
          child.once('exit', () => resolve({ wall, cpu }));
          child.kill('SIGKILL');
        }
      }
    });
    child.once('exit', (code) => code !== null && reject(new Error(`${server} exited ${code}: ${stderr}`)));
    if (legacy) send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: meta['io.modelcontextprotocol/clientInfo'] } });
    else send({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: { _meta: meta } });
  });
}

for (const s of servers) await once(s); // file cache
const samples = servers.map(() => ({ wall: [], cpu: [] }));
for (let r = 0; r < runs; r++) {
  for (let k = 0; k < servers.length; k++) {
    const j = (k + r) % servers.length;
    const { wall, cpu } = await once(servers[j]);
    samples[j].wall.push(wall);
    samples[j].cpu.push(cpu);
  }
}
for (let j = 0; j < servers.length; j++) {
  console.log(`${servers[j]}: wall median ${median(samples[j].wall).toFixed(1)} ms, child CPU median ${median(samples[j].cpu).toFixed(1)} ms (${runs} runs)`);
}
