// Preloaded into a server under test (`node --import ./bench/lib/mem-probe.mjs server.js`) by
// bench/profile-memory.mjs: on SIGUSR2 it appends one JSON line to $MEM_PROBE_FILE with
// process.memoryUsage(), V8's heap spaces and code statistics; on SIGWINCH it writes a heap
// snapshot to $MEM_PROBE_SNAPSHOT and appends its path. Never loaded by the benchmark itself.
import { appendFileSync } from 'node:fs';
import v8 from 'node:v8';

const file = process.env.MEM_PROBE_FILE;
const MiB = (n) => Math.round((n / 1048576) * 10) / 10;
process.on('SIGUSR2', () => {
  const m = process.memoryUsage();
  const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, { sizeMiB: MiB(s.space_size), usedMiB: MiB(s.space_used_size) }]));
  const code = v8.getHeapCodeStatistics();
  const line = {
    at: process.env.MEM_PROBE_LABEL ?? '',
    rssMiB: MiB(m.rss),
    heapTotalMiB: MiB(m.heapTotal),
    heapUsedMiB: MiB(m.heapUsed),
    externalMiB: MiB(m.external),
    arrayBuffersMiB: MiB(m.arrayBuffers),
    codeAndMetadataMiB: MiB(code.code_and_metadata_size + code.bytecode_and_metadata_size),
    spaces,
  };
  if (file) appendFileSync(file, `${JSON.stringify(line)}\n`);
});
process.on('SIGWINCH', () => {
  const snapshot = v8.writeHeapSnapshot(process.env.MEM_PROBE_SNAPSHOT);
  if (file) appendFileSync(file, `${JSON.stringify({ snapshot })}\n`);
});
