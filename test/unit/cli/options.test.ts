import { describe, expect, it } from 'vitest';
import { missingOptions, noTerminalMessage, parseExample, parseTransports, validateName } from '../../../generators/app/options.js';

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
    expect(() => parseTransports('stdio,websocket')).toThrow(/--transport stdio,websocket: .*stdio, http/);
    expect(() => parseTransports(',')).toThrow(/--transport/);
  });

  it('parses examples and lists the choices on a typo', () => {
    expect(parseExample('notes')).toBe('notes');
    expect(() => parseExample('note')).toThrow(/all, notes, weather, files, none/);
  });

  it('knows which flags a non-interactive run still lacks', () => {
    expect(missingOptions({ yes: true })).toEqual([]);
    expect(missingOptions({ name: 'x', spec: 'a.yaml', transport: 'stdio' })).toEqual([]);
    const missing = missingOptions({ name: 'x' });
    expect(missing.map((option) => option.key)).toEqual(['example', 'transports']);
    expect(noTerminalMessage(missing)).toBe('No terminal to ask questions on. Pass --example, --transport, or --yes to accept the defaults.');
  });
});
