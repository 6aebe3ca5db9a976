import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkClientCommand, parseProfiles } from './check-client.js';

const SPEC = `name: shapes-server
version: 0.1.0
tools:
  lookup:
    description: Looks a thing up by id or by name.
    input:
      type: object
      oneOf:
        - { properties: { id: { type: integer } }, required: [id] }
        - { properties: { name: { type: string } }, required: [name] }
  labels:
    description: Sets labels.
    input:
      type: object
      properties:
        labels: { type: object, additionalProperties: { type: string } }
`;

function project(spec: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'mcpforge-check-client-'));
  writeFileSync(join(dir, 'mcpforge.yaml'), spec);
  return join(dir, 'mcpforge.yaml');
}

let out = '';
afterEach(() => {
  vi.restoreAllMocks();
  out = '';
});
const capture = () =>
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });

describe('mcpforge check --client', () => {
  it('reports what each profile changes and what it cannot express', async () => {
    capture();
    await checkClientCommand({ spec: project(SPEC), client: ['claude,gemini'] });
    expect(out).toContain('claude — Claude Code');
    expect(out).toMatch(/top-level union lifted into one object: 1\n\s+lookup \/: top-level oneOf of 2 forms lifted/);
    expect(out).toMatch(/gemini — [^\n]+\n[\s\S]*sent as JSON text \(cannot be expressed\): 1\n\s+labels \/properties\/labels: object without listed properties/);
    expect(out).toContain('[client-inexpressible]');
  });

  it('fails when a name is too long with the client prefix', async () => {
    capture();
    const long = SPEC.replace('  labels:', `  ${'x'.repeat(50)}:`);
    await expect(checkClientCommand({ spec: project(long), client: ['claude'] })).rejects.toThrow(/1 problem would break the listed clients/);
    expect(out).toContain(`"mcp__shapes-server__${'x'.repeat(50)}", limit 64`);
    expect(out).toContain('[client-name-length]');
  });

  it('names the profiles it knows when given another', () => {
    expect(parseProfiles(['all'])).toHaveLength(6);
    expect(() => parseProfiles(['claude', 'emacs'])).toThrow(/unknown client profile "emacs": use full, claude, openai-strict, gemini, vscode, cursor or all/);
  });
});
