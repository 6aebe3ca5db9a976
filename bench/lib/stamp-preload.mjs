// Preloaded into a server under test by bench/coldstart-stamps.mjs (`node --import`): stamps, on
// CLOCK_MONOTONIC (the clock the parent reads too), the process start and the first and last
// return of a stdout write (or uncork), with the process's CPU time, into $STAMP_FILE.
// Never loaded by the benchmark itself.
import { writeSync, openSync } from "node:fs";
const fd = openSync(process.env.STAMP_FILE, "w");
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const stamp = (what) =>
  writeSync(fd, `${what} ${process.hrtime.bigint()} ${cpu()}\n`);
stamp("preload");
const out = process.stdout;
const write = out.write.bind(out);
const uncork = out.uncork.bind(out);
let first = true;
out.write = (chunk, ...rest) => {
  if (first) {
    stamp("wstart");
    first = false;
  }
  const r = write(chunk, ...rest);
  if (!out.writableCorked) stamp("wend");
  return r;
};
out.uncork = () => {
  uncork();
  stamp("wend");
};
