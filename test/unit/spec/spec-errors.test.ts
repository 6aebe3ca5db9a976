import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSpec, SpecError, SpecErrors } from '../../../generators/shared/spec/index.js';
import { generateProject } from '../../../generators/shared/codegen/index.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/specs');

/** Loads (and generates, for codegen-time checks) and returns the errors thrown. */
async function errorsOf(fixture: string): Promise<SpecError[]> {
  try {
    await generateProject(await loadSpec(path.join(FIXTURES, fixture)));
  } catch (error) {
    if (error instanceof SpecErrors) return error.errors;
    if (error instanceof SpecError) return [error];
    throw error;
  }
  throw new Error(`${fixture} loaded without errors`);
}

interface Case {
  fixture: string;
  /** Path of the file named in the error, relative to the fixtures folder. */
  file: string;
  line: number;
  column: number;
  pointer: string;
  message: string | RegExp;
  hint: string | RegExp;
}

const cases: Case[] = [
  {
    fixture: 'bad/yaml-syntax.yaml',
    file: 'bad/yaml-syntax.yaml',
    line: 7,
    column: 3,
    pointer: '',
    message: /^invalid YAML: Flow map in block collection must be sufficiently indented/,
    hint: /^fix the syntax at line 7 or just before it/,
  },
  {
    fixture: 'bad/unknown-key.yaml',
    file: 'bad/unknown-key.yaml',
    line: 5,
    column: 5,
    pointer: '/tools/get_forecast/descripton',
    message: 'unknown key "descripton" at /tools/get_forecast',
    hint: 'did you mean "description"?',
  },
  {
    fixture: 'bad/bad-tool-name.yaml',
    file: 'bad/bad-tool-name.yaml',
    line: 7,
    column: 3,
    pointer: '/tools/bad name',
    message: 'invalid tool name "bad name"',
    hint: 'use 1–64 characters of A–Z a–z 0–9 _ . -',
  },
  {
    fixture: 'json/bad.json',
    file: 'json/bad.json',
    line: 7,
    column: 7,
    pointer: '/tools/echo/inptu',
    message: 'unknown key "inptu" at /tools/echo',
    hint: 'did you mean "input"?',
  },
  {
    fixture: 'bad/broken-ref.yaml',
    file: 'bad/schemas/uses-common.json',
    line: 4,
    column: 24,
    pointer: '/properties/units/$ref',
    message: 'broken $ref "common.json#/$defs/unit": nothing at /$defs/unit in common.json',
    hint: 'fix the pointer; the parent has: units, money',
  },
  {
    fixture: 'bad/missing-ref-file.yaml',
    file: 'bad/missing-ref-file.yaml',
    line: 10,
    column: 17,
    pointer: '/tools/t/input/properties/point/$ref',
    message: /^broken \$ref "schemas\/nowhere\.json": file not found \(looked for .*bad\/schemas\/nowhere\.json\)$/,
    hint: /^create the file or fix the path/,
  },
  {
    fixture: 'bad/remote-ref.yaml',
    file: 'bad/remote-ref.yaml',
    line: 10,
    column: 17,
    pointer: '/tools/t/input/properties/address/$ref',
    message: 'remote $ref "https://example.com/schemas/address.json" is not allowed',
    hint: /^pass --allow-remote-refs/,
  },
  {
    fixture: 'bad/schema-not-found.yaml',
    file: 'bad/schema-not-found.yaml',
    line: 6,
    column: 12,
    pointer: '/tools/t/input',
    message: /^schema file not found: schemas\/missing\.json/,
    hint: /^create the file or fix the path/,
  },
  {
    fixture: 'bad/invalid-schema.yaml',
    file: 'bad/schemas/invalid-type.json',
    line: 4,
    column: 24,
    pointer: '/properties/count/type',
    message: 'input schema of tool "t" is not valid JSON Schema: "type" is "integr", not a JSON Schema type',
    hint: 'use one of array, boolean, integer, null, number, object, string',
  },
  {
    fixture: 'bad/bad-regex.yaml',
    file: 'bad/bad-regex.yaml',
    line: 7,
    column: 7,
    pointer: '/tools/t/input',
    message: /is not valid JSON Schema: Invalid regular expression: \/\(\[a-z\]\/u/,
    hint: /^fix the schema/,
  },
  {
    fixture: 'bad/non-object-input.yaml',
    file: 'bad/non-object-input.yaml',
    line: 6,
    column: 12,
    pointer: '/tools/t/input',
    message: 'input schema of tool "t" must have `type: object` at its root, found type "string"',
    hint: /^MCP requires an object schema here/,
  },
  {
    fixture: 'bad/prompt-number-arg.yaml',
    file: 'bad/prompt-number-arg.yaml',
    line: 9,
    column: 16,
    pointer: '/prompts/p/arguments/properties/count',
    message: 'arguments of prompt "p": property "count" must be `type: string`, found "integer"',
    hint: /^MCP prompt arguments are always strings/,
  },
  {
    fixture: 'bad/pascal-collision.yaml',
    file: 'bad/pascal-collision.yaml',
    line: 7,
    column: 3,
    pointer: '/tools/getNote',
    message: 'tool "getNote" and tool "get_note" both generate the type name "GetNoteInput"',
    hint: /^rename one of them/,
  },
];

describe('spec errors name file, line, pointer and a fix', () => {
  it.each(cases)('$fixture', async (c) => {
    const errors = await errorsOf(c.fixture);
    expect(errors).toHaveLength(1);
    const [e] = errors as [SpecError];
    expect(e).toMatchObject({ file: path.join(FIXTURES, c.file), line: c.line, column: c.column, pointer: c.pointer });
    if (typeof c.message === 'string') expect(e.detail).toBe(c.message);
    else expect(e.detail).toMatch(c.message);
    if (typeof c.hint === 'string') expect(e.hint).toBe(c.hint);
    else expect(e.hint).toMatch(c.hint);
  });

  it('formats as file:line:col pointer: message — hint, relative to the cwd', async () => {
    const [e] = (await errorsOf('bad/bad-tool-name.yaml')) as [SpecError];
    expect(e.format(path.join(FIXTURES, 'bad'))).toBe(
      'bad-tool-name.yaml:7:3 /tools/bad name: invalid tool name "bad name" — use 1–64 characters of A–Z a–z 0–9 _ . -',
    );
    expect(e.format(path.join(FIXTURES, 'bad'))).toBe(e.message.replace(path.join(FIXTURES, 'bad') + '/', ''));
  });

  it('reports every spec schema violation at once, in line order', async () => {
    const errors = await errorsOf('bad/many-errors.yaml');
    expect(errors.map((e) => e.format(FIXTURES))).toEqual([
      'bad/many-errors.yaml:1:7 /name: invalid package name "Demo Server" — use lower case letters, digits and - . _ ~, with an optional @scope/ prefix (npm package name rules)',
      'bad/many-errors.yaml:2:9 /layout: "layout" must be one of dev, production, got "staging"',
      'bad/many-errors.yaml:3:21 /transports/1: "transports[1]" must be one of stdio, http, websocket, got "grpc"',
      'bad/many-errors.yaml:6:5 /tools/t1: missing required key "description" at /tools/t1 — add a description: the model reads it to decide when to call the tool',
      'bad/many-errors.yaml:7:20 /tools/t1/annotations/readOnly: unknown key "readOnly" at /tools/t1/annotations — allowed keys: title, readOnlyHint, destructiveHint, idempotentHint, openWorldHint',
      'bad/many-errors.yaml:8:29 /tools/t1/rateLimit/perMinute: "perMinute" must be >= 1',
      'bad/many-errors.yaml:9:11 /tools/t1/task: "task" must be one of optional, required, got "sometimes"',
      'bad/many-errors.yaml:10:1 /colour: unknown key "colour" at / — allowed keys: $schema, name, version, description, layout, transports, tools, resources, prompts, auth, groups, toolsets, limits, discovery, clients',
    ]);
  });

  it('a spec file that does not exist names the path and what to do', async () => {
    await expect(loadSpec(path.join(FIXTURES, 'nope/mcpforge.yaml'))).rejects.toMatchObject({
      name: 'SpecError',
      file: path.join(FIXTURES, 'nope/mcpforge.yaml'),
      detail: 'spec file not found',
      hint: /pass the path of mcpforge\.yaml/,
    });
  });
});
