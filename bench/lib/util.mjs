// Small helpers shared by the benchmarks: statistics, processes, ports, wrk.
import { execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { createServer } from 'node:net';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

export { sleep };
const execFileAsync = promisify(execFile);
export const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** median / min / max of a list of numbers. */
export function summary(values) {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), n: values.length };
}

/** Rotates `list` by `round` so every contender takes every position across rounds (A B C, B C A, ...). */
export function rotated(list, round) {
  return list.map((_, i) => list[(i + round) % list.length]);
}

export function log(message) {
  process.stderr.write(`[bench] ${message}\n`);
}

/** A free loopback TCP port. */
export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Peak and current resident set size of a process, in MiB (Linux /proc). */
export function rssMiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key) => Number((new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status) ?? [])[1]);
  return { peak: kib('VmHWM') / 1024, current: kib('VmRSS') / 1024 };
}

/**
 * Resets a process's peak RSS (VmHWM) to its current RSS (Linux: `5` written to clear_refs), so a
 * later peak is that of the load that follows only.
 */
export function resetPeakRss(pid) {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

/**
 * CPU seconds (user + system) a process has used so far, from /proc. Per request, this is the
 * figure a change to the request path moves even when other work shares the machine's cores:
 * wall-clock req/s then drops for every contender, CPU time per request much less.
 */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces), counted from field 3 (state).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}
/** USER_HZ: 100 on every Linux this runs on (getconf CLK_TCK). */
const CLOCK_TICKS = 100;

const children = new Set();
function killAll() {
  for (const child of children) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const dir of logDirs) rmSync(dir, { recursive: true, force: true });
}
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    killAll();
    process.exit(130);
  });
}

/** Tail of a server's stderr that `stderrText` shows (error messages of the bench). */
const STDERR_TAIL_BYTES = 4000;
/** A server's stderr file is emptied past this size (checked once a second): tmpfs is memory. */
const STDERR_FILE_MAX_BYTES = 16 * 1024 * 1024;
const logDirs = new Set();

/**
 * A pipe for a server's stderr, drained by `cat` into a file on tmpfs. Why not this process: a
 * server that logs a line per call (mcpforge's audit line, ~276 bytes) writes ~3 MB/s at c=32,
 * and Node reading that pipe here (stream chunks, Buffer → string) cost ~5–12 µs of this process's
 * CPU per request (bench/README.md, round nine, h-lane), on the two cores that wrk and the server
 * share — a tax only on servers that log. `cat` drains the same pipe for ~0.3 µs per request: the
 * server still writes every line to a pipe that someone reads, as under a log collector.
 */
function stderrDrain() {
  const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'mcpforge-bench-stderr-'));
  logDirs.add(dir);
  const file = join(dir, 'stderr.log');
  // Append mode: emptying the file below does not leave cat writing past its end.
  const fd = openSync(file, 'a');
  const reader = spawn('cat', [], { stdio: ['pipe', fd, 'ignore'] });
  closeSync(fd);
  children.add(reader);
  reader.once('exit', () => children.delete(reader));
  const trim = setInterval(() => {
    if (existsSync(file) && statSync(file).size > STDERR_FILE_MAX_BYTES) truncateSync(file, 0);
  }, 1000);
  trim.unref();
  return {
    pipe: reader.stdin,
    /** The last STDERR_TAIL_BYTES of what the server wrote, decoded when asked for. */
    tail() {
      if (!existsSync(file)) return '';
      const size = statSync(file).size;
      const length = Math.min(size, STDERR_TAIL_BYTES);
      const buffer = Buffer.alloc(length);
      const tailFd = openSync(file, 'r');
      try {
        readSync(tailFd, buffer, 0, length, size - length);
      } finally {
        closeSync(tailFd);
      }
      return buffer.toString('utf8');
    },
    close() {
      clearInterval(trim);
    },
  };
}

/**
 * Spawns a long-running server process; it is killed when the bench exits. Its stderr goes to a
 * pipe drained outside this process (`stderrDrain`); `child.stderrText` reads the tail on demand.
 */
export function startProcess(command, args, options = {}) {
  const drain = stderrDrain();
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', drain.pipe], ...options });
  // The server holds the pipe's write end now; cat sees end-of-file when the server exits.
  drain.pipe.destroy();
  children.add(child);
  Object.defineProperty(child, 'stderrText', { get: () => drain.tail() });
  child.once('exit', () => {
    children.delete(child);
    drain.close();
  });
  return child;
}

export async function stopProcess(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** Makes sure wrk is on PATH: installs it with apt-get when running as root, else explains. */
export function ensureWrk() {
  if (spawnSync('wrk', ['--version']).error === undefined) return;
  if (process.getuid?.() !== 0) throw new Error('wrk is not installed and this is not root: run `apt-get update && apt-get install -y wrk`, then retry.');
  log('wrk not found: installing it with apt-get');
  execFileSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync('apt-get', ['install', '-y', '-qq', 'wrk'], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (spawnSync('wrk', ['--version']).error !== undefined) throw new Error('apt-get install wrk did not put wrk on PATH');
}

/**
 * One wrk run against `url` with the MCP request `request` ({ body, pv, method, name }).
 * Returns requests/s, p50/p99 in ms and error counts.
 *
 * Asynchronous on purpose: a server that logs every call (mcpforge, at level info) fills a pipe
 * nobody drains within milliseconds; pino then spins in atomic-sleep waiting for it (18% of the
 * server's CPU in a profile taken while wrk ran synchronously, when this process read the servers'
 * stderr itself). The pipes are drained by `cat` now (`stderrDrain`), and this process stays free
 * to answer its children as a deployment's supervisor would.
 */
export async function runWrk(url, request, { connections, seconds }) {
  const env = { ...process.env, MCP_BODY: request.body, MCP_PV: request.pv ?? '', MCP_METHOD: request.method ?? '', MCP_NAME: request.name ?? '', MCP_API_KEY: request.apiKey ?? '' };
  const { stdout: out } = await execFileAsync('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '10s', '-s', `${BENCH_DIR}wrk-mcp.lua`, url], {
    env,
    encoding: 'utf8',
    timeout: (seconds + 30) * 1000,
  });
  const line = out.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`wrk printed no RESULT line:\n${out}`);
  const r = JSON.parse(line.slice('RESULT '.length));
  return {
    rps: r.rps,
    p50Ms: r.p50_us / 1000,
    p99Ms: r.p99_us / 1000,
    errors: r.err_connect + r.err_read + r.err_write + r.err_status + r.err_timeout,
    requests: r.requests,
  };
}
