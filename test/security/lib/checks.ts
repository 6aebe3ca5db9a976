/** Assertions shared by the adversarial suite: "the server is still alive and still serves". */
import { expect } from 'vitest';
import type { ServerProcess } from '../../production/lib/server.js';
import { callLegacy, callModern, toolText } from './http.js';
import type { StdioDriver } from './stdio.js';

/** The HTTP server process runs and answers a normal tools/call (2025 and 2026 eras) correctly. */
export async function expectHttpServes(server: ServerProcess, tool = 'list_notes', args: Record<string, unknown> = { limit: 1 }): Promise<void> {
  expect(server.child.exitCode).toBeNull();
  expect(server.child.signalCode).toBeNull();
  for (const call of [callLegacy, callModern]) {
    const reply = await call(server.url, tool, args, 'alive-check');
    expect(reply.id).toBe('alive-check');
    expect(reply.error, JSON.stringify(reply.error)).toBeUndefined();
    expect(reply.result?.isError ?? false, toolText(reply)).toBe(false);
  }
}

/** The stdio server process runs and answers a normal tools/call. */
export async function expectStdioServes(driver: StdioDriver, tool = 'list_notes', args: Record<string, unknown> = { limit: 1 }): Promise<void> {
  expect(driver.alive()).toBe(true);
  const reply = await driver.callTool(tool, args);
  expect(reply.error, JSON.stringify(reply.error)).toBeUndefined();
  expect(reply.result?.isError ?? false, toolText(reply)).toBe(false);
}
