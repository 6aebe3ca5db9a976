// Folders a benchmark is done with are moved aside, and deleted only when the process exits, after
// every timing of the run.
//
// Why: on ext4 without a journal (this machine's root file system), creating a file skips every
// free inode of the group that was deleted in the last minute (six while its inode table block is
// still dirty), checking them one by one (`find_inode_bit` → `recently_deleted` in a `perf` profile
// of file creation). Deleting the previous round's project (the GitHub import's 9,143 files) right
// before the next import made that import's writes take 3.6–4.2 s instead of 0.2–0.7 s, and its
// whole run 7.5–9 s instead of 4.1–4.5 s: the benchmark measured its own clean-up, not the
// generator. A rename frees no inode, so moving a folder aside costs the next round nothing.
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const TRASH = '.mcpforge-bench-discarded';
const trashes = new Set();
let count = 0;
process.once('exit', emptyDiscarded);

/** Moves `dir` (if it exists) out of the way; it is deleted when the process exits. */
export function discard(dir) {
  if (!existsSync(dir)) return;
  const trash = join(dirname(dir), TRASH);
  mkdirSync(trash, { recursive: true });
  trashes.add(trash);
  renameSync(dir, join(trash, `${basename(dir)}-${process.pid}-${count++}`));
}

/** Deletes what `discard` moved aside (also what an interrupted run left in the same places). */
export function emptyDiscarded() {
  for (const trash of trashes) rmSync(trash, { recursive: true, force: true });
  trashes.clear();
}
