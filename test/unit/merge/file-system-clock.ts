import { rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Waits until a new write in `dir` gets a later ctime than the files written before: the file
 * system clock can be coarse (whole seconds on some), and the generator trusts a file's stat data
 * only when it is older than the last commit's clock.
 */
export async function fileSystemClockMoves(dir: string): Promise<void> {
  const probe = join(dir, 'clock-probe');
  writeFileSync(probe, '');
  const start = statSync(probe).ctimeMs;
  for (let i = 0; i < 300 && statSync(probe).ctimeMs === start; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    writeFileSync(probe, '');
  }
  rmSync(probe);
}
