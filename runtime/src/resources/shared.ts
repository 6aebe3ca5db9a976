/**
 * What every declarative resource kind provides, and the helpers they share.
 */
import type { ReadResourceResult } from '@modelcontextprotocol/server';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { ToolError } from '../errors/index.js';
import type { Cache, ResourceListing } from '../server/contract.js';
import type { MemoryStore } from './memory-store.js';

export interface DeclarativeOptions {
  /** Relative `root`s of `files` resources resolve against it. */
  projectRoot: string;
  db: Kysely<unknown>;
  cache: Cache;
  logger: Logger;
  memory: MemoryStore;
  /** Sends `notifications/resources/updated` for a URI to this replica's subscribers. */
  updated(uri: string): Promise<void>;
  /** `fetch` used by `http` resources (tests pass their own); default the global one. */
  fetch?: typeof fetch;
}

export interface DeclarativeResource {
  read(params: Record<string, unknown>, uri: string): Promise<ReadResourceResult | unknown>;
  list?(): Promise<ResourceListing[]>;
  /** A URI of this resource gained its first subscriber (`on`) or lost its last one. */
  subscription?(uri: string, on: boolean): void;
  close?(): void | Promise<void>;
}

/** The value of a URI-template variable, percent-decoded once; a malformed one is the caller's error. */
export function decodeVariable(value: unknown, name: string): string {
  const raw = Array.isArray(value) ? value.join(',') : String(value ?? '');
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new ToolError(`The URI's "${name}" is not valid percent-encoding.`, { code: 'invalid_uri' });
  }
}
