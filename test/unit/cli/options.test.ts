import { describe, expect, it } from 'vitest';
import { missingOptions, noTerminalMessage, parseExample, parseLayout, parseTransports, validateName, NEW_OPTIONS } from '../../../generators/app/options.js';

describe('mcpforge new options', () => {
  it.each([
    ['weather-server', true],
    ['@acme/notes', true],
    ['Weather Server', false],
    ['', false],
    ['a'.repeat(215), false],
  ])('validateName(%j) accepts only npm package names', (name, ok) => {
    expect(validateName(name) === true).toBe(ok);
  });

  it('parses transports, dropping duplicates, and names the allowed values on a typo', () => {
    expect(parseTransports('stdio, http,stdio')).toEqual(['stdio', 'http']);
    expect(parseTransports('stdio,websocket')).toEqual(['stdio', 'websocket']);
    expect(() => parseTransports('stdio,grpc')).toThrow(/--transport stdio,grpc: .*stdio, http, websocket/);
    expect(() => parseTransports(',')).toThrow(/--transport/);
  });

  it('parses examples and lists the choices on a typo', () => {
    expect(parseExample('notes')).toBe('notes');
    expect(() => parseExample('note')).toThrow(/all, notes, weather, files, none/);
  });

  it('parses layouts and lists the choices on a typo', () => {
    expect(parseLayout('production')).toBe('production');
    expect(() => parseLayout('prod')).toThrow(/--layout prod: .*dev, production/);
  });

  it('every option that is a question is also a flag with a checked value (one definition drives both)', () => {
    expect(NEW_OPTIONS.map((option) => option.flag.split(' ')[0])).toEqual(['--name', '--example', '--transport', '--layout', '--auth']);
    for (const option of NEW_OPTIONS.filter((o) => o.key !== 'name')) {
      expect(option.parse, option.flag).toBeDefined();
      expect(() => option.parse!('not-a-choice')).toThrow(option.flag.split(' ')[0]!);
    }
  });

  it('knows which flags a non-interactive run still lacks', () => {
    expect(missingOptions({ yes: true })).toEqual([]);
    expect(missingOptions({ name: 'x', spec: 'a.yaml', transport: 'stdio', layout: 'dev' })).toEqual([]);
    const missing = missingOptions({ name: 'x' });
    // --auth (default none) is asked along with other questions, never on its own.
    expect(missing.map((option) => option.key)).toEqual(['example', 'transports', 'layout', 'auth']);
    expect(missingOptions({ name: 'x', auth: 'jwt' }).map((option) => option.key)).toEqual(['example', 'transports', 'layout']);
    expect(noTerminalMessage(missing)).toBe('No terminal to ask questions on. Pass --example, --transport, --layout, --auth, or --yes to accept the defaults.');
  });
});
