/**
 * Every variable the security work added is documented where users look: the server's `--help`
 * (runtime config) and the generated `.env.example` (golden: examples/notes, which the golden
 * suite compares with what `mcpforge new` writes), auth variables in the auth mode's block.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { authEnvBlock, parseAuthMode, withAuthMode } from '../../../generators/upgrade/auth.js';
import { AUTH_ENV_HELP } from '../../../runtime/src/auth/config.js';
import { helpText } from '../../../runtime/src/config/index.js';
import { FLAGS, SETTINGS } from '../../../runtime/src/config/settings.js';
import { TOOLKIT_ROOT } from '../../helpers/toolkit.js';

// The settings table (runtime/src/config/settings.ts) marks what .env.example must list.
const SECURITY_VARS = SETTINGS.filter((s) => s.envExample).map((s) => s.env);
const AUTH_VARS = AUTH_ENV_HELP.map((line) => /MCP_[A-Z0-9_]+/.exec(line)![0]);

describe('one settings table', () => {
  it('every setting is in --help with its flag, and every flag is parsed', () => {
    const help = helpText('notes');
    expect(SETTINGS.length).toBeGreaterThan(30);
    expect(SETTINGS.filter((s) => !help.includes(s.env) || (s.flag !== undefined && !help.includes(s.flag))).map((s) => s.env)).toEqual([]);
    expect(Object.keys(FLAGS).length).toBe(SETTINGS.filter((s) => s.flag).length);
    expect(SECURITY_VARS.length).toBeGreaterThanOrEqual(10);
  });
});

describe('security variables are documented', () => {
  it('--help names each one, auth variables included', () => {
    const help = helpText('notes');
    expect([...SECURITY_VARS, ...AUTH_VARS].filter((name) => !help.includes(name))).toEqual([]);
  });

  it('the generated .env.example lists each one as a commented-out line', () => {
    const env = readFileSync(join(TOOLKIT_ROOT, 'examples', 'notes', '.env.example'), 'utf8');
    expect(SECURITY_VARS.filter((name) => !new RegExp(`^# ${name}=`, 'm').test(env))).toEqual([]);
  });

  it('the jwt and oauth blocks of .env.example cover every auth variable of --help between them', () => {
    const blocks = `${authEnvBlock('jwt')}\n${authEnvBlock('oauth')}`;
    expect(AUTH_VARS.length).toBeGreaterThan(5);
    expect(AUTH_VARS.filter((name) => !new RegExp(`^# ${name}=`, 'm').test(blocks))).toEqual([]);
  });

  it('the oauth-proxy block (new/upgrade --auth oauth-proxy) names every variable the mode requires, and --help every MCP_OAUTH_ setting', () => {
    const block = authEnvBlock('oauth-proxy');
    const required = ['MCP_RESOURCE_URL', 'MCP_OAUTH_UPSTREAM', 'MCP_OAUTH_UPSTREAM_ISSUER', 'MCP_OAUTH_UPSTREAM_CLIENT_ID', 'MCP_OAUTH_UPSTREAM_CLIENT_SECRET', 'MCP_OAUTH_SIGNING_KEY', 'MCP_OAUTH_ENCRYPTION_KEY'];
    expect(required.filter((name) => !new RegExp(`^# ${name}=`, 'm').test(block))).toEqual([]);
    expect(block).toContain('/oauth/callback');
    const help = helpText('notes');
    const settings = SETTINGS.filter((s) => s.env.startsWith('MCP_OAUTH_')).map((s) => s.env);
    expect(settings.length).toBeGreaterThanOrEqual(10);
    expect(settings.filter((name) => !help.includes(name))).toEqual([]);
    expect(withAuthMode('name: x\nauth:\n  mode: oauth\n  list: all\n', 'oauth-proxy')).toBe('name: x\nauth:\n  mode: oauth-proxy\n  list: all\n');
    expect(parseAuthMode('oauth-proxy')).toBe('oauth-proxy');
  });
});
