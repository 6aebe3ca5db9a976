/** `mcpforge gateway`: the runtime's gateway (runtime/src/gateway) with the command's options. */
import { UserError } from '../output.js';

export interface GatewayCommandOptions {
  registry?: string;
  service?: string;
  names: string;
  port?: string;
  host?: string;
  auth: string;
  minGroups: string;
}

export async function gatewayCommand(options: GatewayCommandOptions): Promise<void> {
  const registry = options.registry ?? process.env.MCP_REGISTRY;
  if (!registry) throw new UserError('mcpforge gateway needs a registry: --registry etcd://host:2379 (or MCP_REGISTRY)');
  const minGroups = Number(options.minGroups);
  if (!Number.isInteger(minGroups) || minGroups < 0) throw new UserError(`--min-groups ${options.minGroups}: must be a whole number`);
  if (options.names !== 'refuse' && options.names !== 'prefix') throw new UserError(`--names ${options.names}: use refuse (a name served by two services stops the start) or prefix (serve <service>__<name>)`);
  const key = process.env.MCP_GATEWAY_IDENTITY_KEY;
  if (key === undefined) process.stderr.write('warning: MCP_GATEWAY_IDENTITY_KEY is not set: group servers see every call as anonymous\n');
  const { runGateway } = await import('@mcpforge/runtime/gateway');
  await runGateway({
    registry,
    ...(options.service ? { service: options.service } : {}),
    names: options.names,
    ...(key ? { identityKey: key } : {}),
    authMode: options.auth,
    minGroups,
    argv: [...(options.port ? ['--port', options.port] : []), ...(options.host ? ['--host', options.host] : [])],
  });
}
