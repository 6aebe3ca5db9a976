import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { addSpecEntry } from '../../../generators/shared/merge/spec-edit.js';

const SPEC = `# yaml-language-server: $schema=./.mcpforge/mcpforge.schema.json
# The source of truth: keep this comment.
name: notes   # trailing comment
version: 0.1.0
transports: [stdio, http]
tools:
  create_note:
    description: "Create a note."   # quoted on purpose
    input: schemas/create_note.input.json

    # a comment before the next entry
  list_notes:
    description: List notes.
    input: schemas/list_notes.input.json
# comment before resources
resources:
  note:
    uri: notes://{id}
`;

describe('addSpecEntry', () => {
  it('adds a tool after the last one, keeping every other byte', () => {
    const out = addSpecEntry(SPEC, 'mcpforge.yaml', 'tools', 'get_forecast', { description: 'Forecast.', input: 'schemas/get_forecast.input.json' });
    expect(out).toBe(
      SPEC.replace(
        '# comment before resources',
        '  get_forecast:\n    description: Forecast.\n    input: schemas/get_forecast.input.json\n# comment before resources',
      ),
    );
    expect(parse(out).tools.get_forecast).toEqual({ description: 'Forecast.', input: 'schemas/get_forecast.input.json' });
  });

  it('adds a missing section at the end', () => {
    const out = addSpecEntry(SPEC, 'mcpforge.yaml', 'prompts', 'summarize', { description: 'Summarize.' });
    expect(out.startsWith(SPEC)).toBe(true);
    expect(out.slice(SPEC.length)).toBe('prompts:\n  summarize:\n    description: Summarize.\n');
  });

  it('handles an empty section through the Document API, keeping comments', () => {
    const out = addSpecEntry('# top comment\nname: x\ntools: {}\n', 'mcpforge.yaml', 'tools', 'a', { description: 'A.', input: { type: 'object' } });
    expect(out).toContain('# top comment');
    expect(parse(out)).toEqual({ name: 'x', tools: { a: { description: 'A.', input: { type: 'object' } } } });
  });

  it('refuses a name that exists', () => {
    expect(() => addSpecEntry(SPEC, 'mcpforge.yaml', 'tools', 'list_notes', { description: 'x' })).toThrow(/tools\.list_notes already exists/);
  });

  it('edits JSON specs as JSON', () => {
    const out = addSpecEntry('{\n  "name": "x",\n  "tools": {}\n}\n', 'mcpforge.json', 'tools', 'a', { description: 'A.' });
    expect(JSON.parse(out)).toEqual({ name: 'x', tools: { a: { description: 'A.' } } });
  });
});
