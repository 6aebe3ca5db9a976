// tmcp (paoloricciuti/tmcp): a schema-agnostic MCP server library that does not build on the
// official SDK; zod through @tmcp/adapter-zod. Over HTTP its transport speaks the web Request/Response
// API, served on node:http through @remix-run/node-fetch-server as tmcp's own README shows;
// sessionless per-request (2026-07-28) calls need no initialize.
import { createServer } from 'node:http';
import { McpServer } from 'tmcp';
import { ZodJsonSchemaAdapter } from '@tmcp/adapter-zod';
import { z } from 'zod';

const server = new McpServer(
  { name: 'tmcp-bench', version: '1.0.0', description: 'add two numbers' },
  { adapter: new ZodJsonSchemaAdapter(), capabilities: { tools: {} } },
);
server.tool(
  { name: 'add', description: 'Add two numbers', schema: z.object({ a: z.number(), b: z.number() }) },
  async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }),
);

if (process.argv[2] === 'stdio') {
  const { StdioTransport } = await import('@tmcp/transport-stdio');
  new StdioTransport(server).listen();
} else {
  const { HttpTransport } = await import('@tmcp/transport-http');
  const { createRequestListener } = await import('@remix-run/node-fetch-server');
  const port = Number(process.argv[2] || 8106);
  const transport = new HttpTransport(server, { path: null });
  createServer(
    createRequestListener(async (request) => (await transport.respond(request)) ?? new Response(null, { status: 404 })),
  ).listen(port, '127.0.0.1', () => console.error(`tmcp listening ${port}`));
}
