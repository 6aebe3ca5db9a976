// Official SDK v1 (@modelcontextprotocol/sdk 1.32): a StreamableHTTPServerTransport per request,
// stateless (no session id) with JSON responses, on plain node:http.
import { createServer } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

function factory() {
  const server = new McpServer({ name: 'v1-bench', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.registerTool('add', { description: 'Add two numbers', inputSchema: { a: z.number(), b: z.number() } },
    async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }));
  return server;
}

if (process.argv[2] === 'stdio') {
  const { StdioServerTransport } = await import('@modelcontextprotocol/sdk/server/stdio.js');
  await factory().connect(new StdioServerTransport());
} else {
  const port = Number(process.argv[2] || 8104);
  createServer(async (req, res) => {
    try {
      const server = factory();
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
      res.on('close', () => { transport.close(); server.close(); });
      await server.connect(transport);
      await transport.handleRequest(req, res);
    } catch (e) { console.error(e); if (!res.headersSent) res.writeHead(500).end(); }
  }).listen(port, '127.0.0.1', () => console.error(`sdk-v1 listening ${port}`));
}
