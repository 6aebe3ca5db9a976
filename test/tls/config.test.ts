/** The TLS options of the runtime configuration: flags and env, paths, and problems named at start. */
import { describe, expect, it } from 'vitest';
import { ConfigError, helpText, loadConfig } from '../../runtime/src/config/index.js';

const load = (argv: string[], env: Record<string, string> = {}) => {
  const result = loadConfig({ argv, env, name: 'demo', projectRoot: '/srv/demo' });
  if (result.help) throw new Error('unexpected --help');
  return result.config;
};
const problemsOf = (argv: string[], env: Record<string, string> = {}) => {
  try {
    load(argv, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('TLS configuration', () => {
  it('takes --tls-cert/--tls-key/--tls-client-ca or MCP_TLS_* (flags win), as absolute paths', () => {
    expect(load(['--tls-cert', '/etc/tls/a.pem', '--tls-key=/etc/tls/a-key.pem'])).toMatchObject({ tlsCert: '/etc/tls/a.pem', tlsKey: '/etc/tls/a-key.pem' });
    const fromEnv = load([], { MCP_TLS_CERT: 'certs/s.pem', MCP_TLS_KEY: 'certs/s-key.pem', MCP_TLS_CLIENT_CA: 'certs/ca.pem' });
    expect(fromEnv.tlsCert).toBe(`${process.cwd()}/certs/s.pem`);
    expect(fromEnv.tlsClientCa).toBe(`${process.cwd()}/certs/ca.pem`);
    expect(load(['--tls-cert', '/x.pem'], { MCP_TLS_CERT: '/y.pem', MCP_TLS_KEY: '/k.pem' }).tlsCert).toBe('/x.pem');
    expect(load([])).not.toHaveProperty('tlsCert');
  });

  it('reports a certificate without its key, a key without its certificate, and a client CA without HTTPS', () => {
    expect(problemsOf([], { MCP_TLS_CERT: '/c.pem' })).toEqual([expect.stringMatching(/^MCP_TLS_CERT is set but MCP_TLS_KEY is not: .*mcpforge dev-cert/)]);
    expect(problemsOf([], { MCP_TLS_KEY: '/k.pem' })).toEqual([expect.stringMatching(/^MCP_TLS_KEY is set but MCP_TLS_CERT is not/)]);
    expect(problemsOf(['--tls-client-ca', '/ca.pem'])).toEqual(['MCP_TLS_CLIENT_CA needs MCP_TLS_CERT and MCP_TLS_KEY: mutual TLS runs over HTTPS']);
  });

  it('lists the options in --help', () => {
    const help = helpText('demo');
    for (const flag of ['--tls-cert PATH', '--tls-key PATH', '--tls-client-ca PATH', 'MCP_TLS_CERT', 'MCP_TLS_KEY', 'MCP_TLS_CLIENT_CA']) expect(help).toContain(flag);
  });
});
