import { readFileSync } from 'node:fs';
import { relative, sep } from 'node:path';
import { listFilesSync } from '../../generators/shared/tree/list-files.js';

/**
 * Every file below `dir` with its text, keyed by its path inside `dir`: compare two snapshots to
 * prove a failed command wrote nothing. `skip` leaves out files with a matching path segment.
 */
export function snapshotFiles(dir: string, skip: (segment: string) => boolean = () => false): Map<string, string> {
  const files = new Map<string, string>();
  for (const file of listFilesSync(dir)) {
    const rel = relative(dir, file);
    if (rel.split(sep).some(skip)) continue;
    files.set(rel, readFileSync(file, 'utf8'));
  }
  return files;
}
