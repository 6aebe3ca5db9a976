// Starts built projects (dist/ of imported descriptions) one after another in this one process,
// as test/import/corpus.test.ts asks over stdin: a line `{"id": n, "dir": "..."}` in, a line
// `{"id": n, "ok": true, "server": "...", "tools": [...]}` (or `"ok": false, "error"`) out.
// Each project's server is the runtime's server factory with the project's own manifest and
// modules (what dist/server.js hands to runServer), connected to the official SDK client in
// memory: initialize, every page of tools/list, and every tool's handler and validators loaded,
// so a module that type-checks but does not load (a missing file, bad emitted code) fails here.
// Plain Node (no vitest module runner): ~tens of milliseconds per project instead of a process.
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createTestClient } from '@mcpforge/runtime/testing';

async function start(dir) {
  const load = (path) => import(pathToFileURL(join(dir, 'dist', path)).href);
  const [{ manifest }, { modules }] = await Promise.all([load('generated/manifest.js'), load('generated/handlers.js')]);
  // direct: the check compares every imported tool with tools/list (large imports would otherwise be served progressive).
  const { client, close } = await createTestClient({ manifest, modules, logLevel: 'silent', discovery: 'direct' });
  try {
    const server = client.getServerVersion()?.name;
    const tools = [];
    let cursor;
    do {
      const page = await client.listTools(cursor ? { cursor } : undefined);
      tools.push(...page.tools.map((t) => t.name));
      cursor = page.nextCursor;
    } while (cursor);
    for (const [name, entry] of Object.entries(modules.tools ?? {})) {
      for (const key of ['handler', 'validateInput', 'validateOutput']) {
        if (typeof entry[key] !== 'function') continue;
        try {
          await entry[key]();
        } catch (error) {
          throw new Error(`tool ${name}: its ${key} module does not load: ${error.message}`);
        }
      }
    }
    return { server, tools };
  } finally {
    await close();
  }
}

// One at a time, in arrival order: the answer order is the question order.
let queue = Promise.resolve();
createInterface({ input: process.stdin }).on('line', (line) => {
  const { id, dir } = JSON.parse(line);
  queue = queue.then(async () => {
    let answer;
    try {
      answer = { id, ok: true, ...(await start(dir)) };
    } catch (error) {
      answer = { id, ok: false, error: String(error?.stack ?? error).split('\n').slice(0, 3).join(' ') };
    }
    process.stdout.write(`${JSON.stringify(answer)}\n`);
  });
});
