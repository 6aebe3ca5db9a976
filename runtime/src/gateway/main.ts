/**
 * The gateway as a process, configured by environment (what the production layout's `gateway`
 * service runs: `node node_modules/@mcpforge/runtime/dist/gateway/main.js`):
 * MCP_REGISTRY (required), MCP_GATEWAY_IDENTITY_KEY, MCP_GATEWAY_SERVICE (one name or `a,b,c`),
 * MCP_GATEWAY_NAMES (`refuse` | `prefix`), MCP_GATEWAY_AUTH,
 * MCP_GATEWAY_MIN_GROUPS, and the runtime's usual server settings (MCP_PORT, MCP_HOST, auth...).
 */
import { runGateway } from './index.js';

const registry = process.env.MCP_REGISTRY;
if (!registry) {
  process.stderr.write('the gateway needs MCP_REGISTRY (etcd://host:2379 or k8s://<namespace>/<app>?groups=a,b)\n');
  process.exit(1);
}
const names = process.env.MCP_GATEWAY_NAMES ?? 'refuse';
if (names !== 'refuse' && names !== 'prefix') {
  process.stderr.write(`MCP_GATEWAY_NAMES=${names}: use refuse (default) or prefix\n`);
  process.exit(1);
}
const key = process.env.MCP_GATEWAY_IDENTITY_KEY;
if (!key) process.stderr.write('warning: MCP_GATEWAY_IDENTITY_KEY is not set: group servers see every call as anonymous\n');
await runGateway({
  registry,
  ...(key ? { identityKey: key } : {}),
  ...(process.env.MCP_GATEWAY_SERVICE ? { service: process.env.MCP_GATEWAY_SERVICE } : {}),
  names,
  authMode: process.env.MCP_GATEWAY_AUTH ?? 'none',
  minGroups: Number(process.env.MCP_GATEWAY_MIN_GROUPS ?? 1),
  argv: process.argv.slice(2),
});
