// Official SDK v2 (@modelcontextprotocol/server + /node), createMcpHandler: stateless per request
// (2026-07-28 era), responseMode json, wrapped for node:http with toNodeHandler.
import { createServer } from 'node:http';
import { McpServer, createMcpHandler } from '@modelcontextprotocol/server';
import { toNodeHandler, localhostHostValidation, localhostOriginValidation } from '@modelcontextprotocol/node';
import { z } from 'zod';

function factory() {
  const server = new McpServer({ name: 'v2-bench', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.registerTool('add', { description: 'Add two numbers', inputSchema: z.object({ a: z.number(), b: z.number() }) },
    async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }));
  return server;
}

if (process.argv[2] === 'stdio') {
  const { serveStdio } = await import('@modelcontextprotocol/server/stdio');
  serveStdio(factory);
} else {
  const port = Number(process.argv[2] || 8102);
  const handler = createMcpHandler(factory, { responseMode: 'json' });
  const nodeHandler = toNodeHandler(handler);
  const validateHost = localhostHostValidation();
  const validateOrigin = localhostOriginValidation();
  createServer((req, res) => {
    if (!validateHost(req, res) || !validateOrigin(req, res)) return;
    nodeHandler(req, res).catch((e) => { console.error(e); if (!res.headersSent) res.writeHead(500).end(); });
  }).listen(port, '127.0.0.1', () => console.error(`sdk-v2 listening ${port}`));
}
