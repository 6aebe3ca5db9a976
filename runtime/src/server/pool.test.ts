import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeModules, manifest } from '../__fixtures__/notes.js';
import type { Manifest, ServerModules } from './contract.js';
import { LARGE_MANIFEST_TOOLS, warmInstancesFor } from './pool.js';
import { runServer } from './run.js';

describe('warmInstancesFor', () => {
  it('builds two instances ahead for a small manifest, one past the large-manifest size', () => {
    expect(warmInstancesFor(1)).toBe(2);
    expect(warmInstancesFor(LARGE_MANIFEST_TOOLS)).toBe(2);
    expect(warmInstancesFor(LARGE_MANIFEST_TOOLS + 1)).toBe(1);
    expect(warmInstancesFor(10_000)).toBe(1);
  });
});

/** The notes manifest plus `extra` copies of its `echo` tool (never called: their modules load lazily). */
function withExtraTools(extra: number): { manifest: Manifest; modules: ServerModules } {
  const modules = makeModules();
  const tools = { ...manifest.tools };
  const moduleTools = { ...modules.tools };
  for (let i = 0; i < extra; i++) {
    tools[`echo_${i}`] = { ...manifest.tools.echo!, name: `echo_${i}` };
    moduleTools[`echo_${i}`] = modules.tools.echo!;
  }
  return { manifest: { ...manifest, tools }, modules: { ...modules, tools: moduleTools } };
}

describe('an HTTP server at start', () => {
  it.each([
    ['the notes manifest', 0, 2],
    ['a large manifest', LARGE_MANIFEST_TOOLS, 1],
  ])('builds instances ahead for %s as warmInstancesFor says', async (_what, extra, built) => {
    const root = mkdtempSync(join(tmpdir(), 'mcpforge-warm-'));
    mkdirSync(join(root, 'migrations'));
    const served = withExtraTools(extra);
    const running = await runServer({
      ...served,
      projectRoot: `${root}/`,
      argv: [],
      manageProcess: false,
      env: { MCP_TRANSPORT: 'http', MCP_PORT: '0', DATABASE_URL: 'sqlite::memory:', LOG_LEVEL: 'silent', MCP_AUDIT_LOG: 'off' },
    });
    try {
      expect(Object.keys(running.factory.manifest.tools).length > LARGE_MANIFEST_TOOLS).toBe(built === 1);
      expect(running.factory.stats).toMatchObject({ built, reused: 0, idle: built });
    } finally {
      await running.shutdown();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
