// Preloaded into a server (`node --import ./bench/lib/alloc-counter.mjs server.js`): bytes the
// JavaScript heap allocated, garbage collections by kind, and writes to stderr, written as JSON to
// $ALLOC_COUNT_FILE every 50 ms. Read it before and after a wrk run and divide by the requests.
//
// Why: counting scavenges × semi-space size (round six) resolves ~1.5% at best and needs a fixed
// semi-space; this sums, over V8's own before/after statistics of every collection (v8.GCProfiler),
// what the heap grew by between collections — exact to the byte, under the server's own heap sizing.
import fs, { renameSync, writeFileSync } from 'node:fs';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';

const file = process.env.ALLOC_COUNT_FILE;
if (!file) throw new Error('alloc-counter: set ALLOC_COUNT_FILE to the file the counts go to');
const counts = { allocatedBytes: 0, scavenges: 0, majors: 0, stderrWrites: 0 };

new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) counts.scavenges++;
    else if (entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) counts.majors++;
  }
}).observe({ entryTypes: ['gc'] });

// pino's async writer (sonic-boom) writes with fs.write: how many writes the log lines cost.
const write = fs.write;
fs.write = function countedWrite(fd, ...rest) {
  if (fd === 2) counts.stderrWrites++;
  return write.call(this, fd, ...rest);
};

let profiler = new v8.GCProfiler();
profiler.start();
let lastUsed = v8.getHeapStatistics().used_heap_size;
setInterval(() => {
  const result = profiler.stop();
  let previous = lastUsed;
  for (const gc of result?.statistics ?? []) {
    counts.allocatedBytes += gc.beforeGC.heapStatistics.usedHeapSize - previous;
    previous = gc.afterGC.heapStatistics.usedHeapSize;
  }
  const now = v8.getHeapStatistics().used_heap_size;
  counts.allocatedBytes += now - previous;
  lastUsed = now;
  profiler = new v8.GCProfiler();
  profiler.start();
  // Written aside and renamed: a reader never sees a half-written file.
  writeFileSync(`${file}.tmp`, JSON.stringify(counts));
  renameSync(`${file}.tmp`, file);
}, 50).unref();
