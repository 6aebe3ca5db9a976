#!/usr/bin/env node
// Where the wall time of a cold start goes: spawn → first tools/list, as coldstart-ab.mjs, with
// stamps on one clock — the child's (bench/lib/stamp-preload.mjs: its start, its answer's first
// write and when the last returns, with its CPU time) and the client's (each chunk, the whole
// line, its JSON.parse). Servers alternate; prints each phase's median (first–third quartile).
// Usage: node bench/coldstart-stamps.mjs [--runs N] <dist/server.js>[@ENV=value,...] ...
// A server may carry environment variables for its process after `@`.
import { spawn } from "node:child_process";
import { readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
const args = process.argv.slice(2);
let runs = 10;
const servers = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--runs") runs = Number(args[++i]);
  else servers.push(args[i]);
}
const meta = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientInfo": {
    name: "mcpforge-bench",
    version: "1.0.0",
  },
  "io.modelcontextprotocol/clientCapabilities": {},
};
function cpuMs(pid) {
  let ns = 0;
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(
        readFileSync(`/proc/${pid}/task/${t}/schedstat`, "utf8").split(" ")[0],
      );
    } catch {}
  }
  return ns / 1e6;
}
const now = () => process.hrtime.bigint();
function once(spec, k) {
  const [server, envs] = spec.split("@");
  const extra = Object.fromEntries(
    (envs ?? "")
      .split(",")
      .filter(Boolean)
      .map((kv) => kv.split("=")),
  );
  const stampFile = join(tmpdir(), `mcpforge-stamps-${process.pid}-${k}`);
  return new Promise((resolve, reject) => {
    const t0 = now();
    const cpu0 = process.cpuUsage();
    const child = spawn(
      process.execPath,
      [
        "--import",
        fileURLToPath(new URL("./lib/stamp-preload.mjs", import.meta.url)),
        server,
        "--database-url",
        "sqlite::memory:",
      ],
      {
        stdio: ["pipe", "pipe", "pipe"],
        env: {
          ...process.env,
          NODE_ENV: "production",
          STAMP_FILE: stampFile,
          ...extra,
        },
      },
    );
    let buffer = "";
    const chunks = [];
    child.stdout.on("data", (d) => {
      chunks.push([now(), d.length]);
      buffer += d;
      const i = buffer.indexOf("\n");
      if (i < 0) return;
      const tLine = now();
      const msg = JSON.parse(buffer.slice(0, i));
      const tParsed = now();
      const childCpu = cpuMs(child.pid);
      const pc = process.cpuUsage(cpu0);
      if (msg.id !== 2) return reject(new Error("bad"));
      child.once("exit", () => {
        const text = readFileSync(stampFile, "utf8");
        rmSync(stampFile, { force: true });
        const st = text
          .trim()
          .split("\n")
          .map((l) => {
            const p = l.split(" ");
            return { what: p[0], t: BigInt(p.at(-2)), cpu: Number(p.at(-1)) };
          });
        const ms = (t) => Number(t - t0) / 1e6;
        const r = {
          tools: msg.result.tools.length,
          firstChunk: ms(chunks[0][0]),
          chunks: chunks.length,
          line: ms(tLine),
          parsed: ms(tParsed),
          parseMs: Number(tParsed - tLine) / 1e6,
          childCpu,
          parentCpu: (pc.user + pc.system) / 1000,
        };
        for (const s of st) {
          r[s.what] = ms(s.t);
          r[s.what + "Cpu"] = s.cpu;
        }
        resolve(r);
      });
      // Killed a moment later, so that the child writes its last stamp (the measurement is taken).
      setTimeout(() => child.kill("SIGKILL"), 40);
    });
    child.stdin.write(
      `${JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list", params: { _meta: meta } })}\n`,
    );
  });
}
const med = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2
    ? s[(s.length - 1) / 2]
    : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
for (const s of servers) await once(s, 0);
const samples = servers.map(() => []);
for (let r = 0; r < runs; r++)
  for (let k = 0; k < servers.length; k++) {
    const j = (k + r) % servers.length;
    samples[j].push(await once(servers[j], j));
  }
const q = (a, f) => {
  const s = [...a].filter((x) => !Number.isNaN(x)).sort((x, y) => x - y);
  return s[Math.floor(f * (s.length - 1))];
};
const phases = {
  "spawn→preload (boot)": (x) => x.preload,
  "preload→write start": (x) => x.wstart - x.preload,
  "preload→written (wall)": (x) => x.wend - x.preload,
  "preload→written (child CPU)": (x) => x.wendCpu - x.preloadCpu,
  "written→line (wall)": (x) => x.line - x.wend,
  "preload→line (wall)": (x) => x.line - x.preload,
  "line→parsed": (x) => x.parsed - x.line,
  "written→parsed": (x) => x.parsed - x.wend,
  "preload→parsed (wall)": (x) => x.parsed - x.preload,
  "total (parsed)": (x) => x.parsed,
  "child CPU at parsed": (x) => x.childCpu,
  "parent CPU": (x) => x.parentCpu,
};
console.log(
  `| phase | ${servers.map((s) => s.split("/").at(-3) + (s.split("@")[1] ?? "")).join(" | ")} |`,
);
for (const [name, f] of Object.entries(phases))
  console.log(
    `| ${name} | ${samples
      .map((ss) => {
        const v = ss.map(f);
        return `${med(v.filter((x) => !Number.isNaN(x))).toFixed(2)} (${q(v, 0.25).toFixed(1)}–${q(v, 0.75).toFixed(1)})`;
      })
      .join(" | ")} |`,
  );
console.log("runs", runs);
