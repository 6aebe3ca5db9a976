// The floor: a raw node:http (or stdio) JSON-RPC 2.0 server with no MCP library, serving `add`.
import { createServer } from 'node:http';
import { createInterface } from 'node:readline';

const TOOLS = [{ name: 'add', description: 'Add two numbers', inputSchema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] } }];

function handle(msg) {
  if (msg === null || typeof msg !== 'object' || msg.jsonrpc !== '2.0') return { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Invalid Request' } };
  const { id, method, params } = msg;
  if (id === undefined) return null; // notification
  switch (method) {
    case 'initialize':
      return { jsonrpc: '2.0', id, result: { protocolVersion: params?.protocolVersion ?? '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'raw', version: '1.0.0' } } };
    case 'tools/list':
      return { jsonrpc: '2.0', id, result: { tools: TOOLS } };
    case 'tools/call': {
      const a = params?.arguments?.a, b = params?.arguments?.b;
      if (params?.name !== 'add') return { jsonrpc: '2.0', id, error: { code: -32602, message: 'Unknown tool' } };
      if (typeof a !== 'number' || typeof b !== 'number') return { jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: 'a and b must be numbers' }], isError: true } };
      return { jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: String(a + b) }] } };
    }
    default:
      return { jsonrpc: '2.0', id, error: { code: -32601, message: 'Method not found' } };
  }
}

if (process.argv[2] === 'stdio') {
  const rl = createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    if (!line.trim()) return;
    let msg; try { msg = JSON.parse(line); } catch { process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } }) + '\n'); return; }
    const r = handle(msg); if (r) process.stdout.write(JSON.stringify(r) + '\n');
  });
} else {
  const port = Number(process.argv[2] || process.env.PORT || 8101);
  createServer((req, res) => {
    if (req.method !== 'POST') { res.writeHead(405).end(); return; }
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      let msg; try { msg = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { res.writeHead(400, { 'content-type': 'application/json' }).end('{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}'); return; }
      const r = handle(msg);
      if (!r) { res.writeHead(202).end(); return; }
      const body = JSON.stringify(r);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
    });
  }).listen(port, '127.0.0.1', () => console.error(`raw listening ${port}`));
}
