// fastmcp = the npm package `fastmcp` (punkpeye/fastmcp, a TypeScript framework on the official SDK v1),
// not the Python FastMCP. httpStream transport, stateless, JSON responses.
import { FastMCP } from 'fastmcp';
import { z } from 'zod';

const server = new FastMCP({ name: 'fastmcp-bench', version: '1.0.0' });
server.addTool({ name: 'add', description: 'Add two numbers', parameters: z.object({ a: z.number(), b: z.number() }),
  execute: async ({ a, b }) => String(a + b) });

if (process.argv[2] === 'stdio') {
  await server.start({ transportType: 'stdio' });
} else {
  const port = Number(process.argv[2] || 8105);
  await server.start({ transportType: 'httpStream', httpStream: { port, host: '127.0.0.1', stateless: true, enableJsonResponse: true } });
  console.error(`fastmcp listening ${port}`);
}
