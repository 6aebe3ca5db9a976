import { blockComment } from './escape.js';
import { pascalCase } from './naming.js';

/** A handler file still on disk for an entry the spec no longer has. */
export interface RetiredEntry {
  kind: 'tool' | 'resource' | 'prompt';
  /** The name its `define*('<name>', ...)` call uses. */
  name: string;
  /** Names that file imports from its own generated types module. */
  types: string[];
}

const ROLES = { tool: ['Input', 'Output'], resource: ['Params', 'Data'], prompt: ['Args'] } as const;

/**
 * The types module of a retired entry: every name its handler file may import, as `any`, so the
 * file keeps compiling (unregistered) until the user deletes it or brings the entry back.
 */
export function emitRetiredTypes(entry: RetiredEntry): string {
  const names = new Set<string>([...ROLES[entry.kind].map((role) => pascalCase(entry.name) + role), ...entry.types]);
  return [
    `/**`,
    ` * ${entry.kind} "${blockComment(entry.name)}" is no longer in the spec: its handler file is not served. These`,
    ` * loose types only keep that file compiling; delete the file to drop them.`,
    ` */`,
    '/* eslint-disable @typescript-eslint/no-explicit-any */',
    ...[...names].sort().map((name) => `export type ${name} = any;`),
    '',
  ].join('\n');
}
