/** A built TLS test project served over HTTPS, and SDK clients for it with a given certificate. */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { startServer, type ServerProcess } from '../../production/lib/server.js';
import { httpsFetch, type HttpsFetch, type TlsClientOptions } from './https-fetch.js';

export interface TlsEnv {
  cert: string;
  key: string;
  clientCa?: string;
}

export function serveTls(dir: string, tls: TlsEnv, extraEnv: Record<string, string> = {}): Promise<ServerProcess> {
  return startServer(['node', 'dist/server.js'], dir, {
    PATH: process.env.PATH,
    MCP_TRANSPORT: 'http',
    MCP_PORT: '0',
    DATABASE_URL: 'sqlite::memory:',
    LOG_LEVEL: 'debug',
    MCP_TLS_CERT: tls.cert,
    MCP_TLS_KEY: tls.key,
    ...(tls.clientCa ? { MCP_TLS_CLIENT_CA: tls.clientCa } : {}),
    ...extraEnv,
  });
}

export interface TlsClient {
  client: Client;
  fetch: HttpsFetch;
  close(): Promise<void>;
}

/** The official SDK client over Streamable HTTP, with a fetch that trusts `ca` (and presents a client certificate). */
export async function connectTls(url: URL, options: TlsClientOptions): Promise<TlsClient> {
  const fetch = httpsFetch(options);
  const client = new Client({ name: 'mcpforge-tls-test', version: '1.0.0' });
  try {
    await client.connect(new StreamableHTTPClientTransport(url, { fetch }));
  } catch (error) {
    fetch.close();
    throw error;
  }
  return {
    client,
    fetch,
    async close() {
      await client.close().catch(() => {});
      fetch.close();
    },
  };
}
