/**
 * `test/tools.contract.test.ts`: the generated contract tests of a project. Regenerated with the
 * tools (it is a generated file that lives under test/ so `npm test` runs it); users' own tests
 * stay in the other files of test/. Inputs are computed here (contract-cases.ts) and embedded as
 * literals, so the project needs nothing at test time beyond the runtime's `testing` module.
 */
import type { LoadedSpec, LoadedTool } from '../spec/types.js';
import { checksWithAjv, toolContractCases, type CompiledFor, type ToolContractCases } from './contract-cases.js';
import { propertyKey, type TypeNames } from './naming.js';

export const CONTRACT_TEST_PATH = 'test/tools.contract.test.ts';

/** Environment variable that lets tests call tools marked `openWorldHint: true`. */
export const OPEN_WORLD_ENV = 'MCPFORGE_TEST_OPEN_WORLD';

const ABOUT = `//
// Contract tests, one \`describe\` per tool: inputs built from its input schema (its \`examples\`,
// else sampled) pass validation; inputs missing a required field or giving a field the wrong type
// are rejected with an error naming the field; what the handler returns matches the output
// schema. Then the built server is started over each transport. Write your own tests in other
// files of test/: this one is rewritten by every generation.
`;

/**
 * Cases computed by an earlier run, by a key of what they are computed from (see `cached` below):
 * read with `get`; the cases of this run worth keeping are `set`.
 */
export interface ContractCasesStore {
  get(key: string): ToolContractCases | undefined;
  set(key: string, cases: ToolContractCases): void;
}

/**
 * `known`: cases already computed (by a generation worker), by tool name; `compiledFor`: validators
 * compiled in this run, to check the others' samples with; `cached`: cases of an earlier run, by
 * `keyOf(tool)` (the tool's entry key: its name and schemas) and its `openWorldHint`. Only cases
 * that needed ajv are kept there (an ajv compile per schema with `examples` or keywords the
 * sampler cannot satisfy by construction, ~7 ms each, every run); the others cost less to
 * compute than to store.
 */
export function emitContractTests(
  spec: LoadedSpec,
  names: TypeNames,
  known?: ReadonlyMap<string, ToolContractCases>,
  compiledFor?: CompiledFor,
  cached?: { store: ContractCasesStore; keyOf: (tool: LoadedTool) => string },
): string {
  const casesOf = (tool: LoadedTool): ToolContractCases => {
    const key = cached && `${cached.keyOf(tool)}\0${tool.annotations?.openWorldHint === true}`;
    const cases = known?.get(tool.name) ?? (key !== undefined ? cached!.store.get(key) : undefined) ?? toolContractCases(tool, compiledFor);
    if (key !== undefined && checksWithAjv(tool.input)) cached!.store.set(key, cases);
    return cases;
  };
  const tools = spec.tools.map((tool) => ({ cases: casesOf(tool), n: names.tools.get(tool.name)! }));
  const imports: string[] = [];
  const blocks: string[] = [];
  for (const { cases, n } of tools) {
    const validator = `validate${n.input}`;
    const outputValidator = cases.hasOutput ? `validate${n.output}` : undefined;
    if (cases.valid.length > 0) {
      imports.push(`import type { ${n.input} } from '../src/generated/types/${cases.name}.js';`);
      imports.push(`import ${validator} from '../src/generated/validators/${cases.name}.input.js';`);
      if (outputValidator) imports.push(`import ${outputValidator} from '../src/generated/validators/${cases.name}.output.js';`);
    }
    blocks.push(toolBlock(cases, n.input, validator, outputValidator));
  }
  const anyOpenWorld = tools.some(({ cases }) => cases.openWorld && cases.valid.length > 0);
  const transports = spec.transports.filter((t): t is 'stdio' | 'http' => t === 'stdio' || t === 'http');
  const testing = ['createContractClient', ...(tools.some(({ cases }) => cases.valid.length > 0) ? ['outputVerdict'] : []), ...(transports.length > 0 ? ['startBuiltServer'] : []), 'type ContractClient'];

  return [
    ABOUT,
    `import { ${testing.join(', ')} } from '@mcpforge/runtime/testing';`,
    "import { afterAll, beforeAll, describe, expect, it } from 'vitest';",
    "import { modules } from '../src/generated/handlers.js';",
    "import { manifest } from '../src/generated/manifest.js';",
    ...imports,
    '',
    ...(anyOpenWorld
      ? [
          '// Tools that reach the outside world (`openWorldHint: true`) are called only when asked to:',
          '// tests must not depend on the network.',
          `const openWorld = process.env.${OPEN_WORLD_ENV} === '1';`,
          `const offline = 'calls the outside world (openWorldHint): set ${OPEN_WORLD_ENV}=1 to run it';`,
          '',
        ]
      : []),
    '// The real call path (validation, handler, output check) in memory, on an in-memory SQLite.',
    'let contract: ContractClient;',
    'beforeAll(async () => {',
    "  contract = await createContractClient({ manifest, modules, migrations: new URL('../migrations/', import.meta.url) });",
    '});',
    'afterAll(() => contract.close());',
    '',
    ...(tools.length === 0 ? ['// The spec has no tools yet: only the smoke test below runs.', ''] : []),
    ...blocks,
    ...(transports.length > 0 ? [smokeBlock(transports)] : []),
  ].join('\n');
}

function toolBlock(cases: ToolContractCases, inputType: string, validator: string, outputValidator: string | undefined): string {
  const name = JSON.stringify(cases.name);
  if (cases.valid.length === 0) {
    return [
      `describe(${name}, () => {`,
      `  it.todo(${JSON.stringify(`needs a valid input: none could be built from the input schema (${cases.unsampleable}); add \`examples\` to the schema`)});`,
      '});',
      '',
    ].join('\n');
  }
  const from = cases.source === 'examples' ? "the input schema's `examples`" : 'sampled from the input schema';
  const lines = [
    `describe(${name}, () => {`,
    `  // Valid inputs, ${from}.`,
    `  const valid: ${inputType}[] = ${literal(cases.valid)};`,
    '',
    `  it.for(valid)('accepts %j', (input) => {`,
    `    expect(${validator}(input) || ${validator}.errors).toBe(true);`,
    '  });',
    '',
  ];
  if (cases.invalid.length > 0) {
    lines.push(
      '  // Each required field missing, each field given a value of another type.',
      `  const invalid = ${literal(cases.invalid.map((c) => ({ pointer: c.pointer, why: c.why, input: c.input })))};`,
      '',
      "  it.for(invalid)('rejects $pointer ($why) with an error naming it', async ({ pointer, input }) => {",
      `    const outcome = await contract.call(${name}, input);`,
      "    expect(outcome.kind, `not rejected: ${JSON.stringify(outcome)}`).toBe('invalid-input');",
      "    expect(outcome).toHaveProperty('message', expect.stringContaining(pointer));",
      '  });',
      '',
    );
  }
  const title = outputValidator ? 'returns output matching its output schema for %j' : 'answers %j without an unexpected error';
  lines.push(`  it.for(valid)('${title}', async (input, { skip }) => {`);
  if (cases.openWorld) {
    lines.push('    skip(!openWorld, offline);');
  }
  lines.push(
    `    const outcome = await contract.call(${name}, input);`,
    `    const verdict = outputVerdict(${name}, outcome${outputValidator ? `, ${outputValidator}` : ''});`,
    "    if (verdict.status === 'unchecked') skip(verdict.reason);",
    "    if (verdict.status === 'violates') expect.fail(verdict.message);",
    "    expect(verdict.status).toBe('conforms');",
    '  });',
    '});',
    '',
  );
  return lines.join('\n');
}

function smokeBlock(transports: Array<'stdio' | 'http'>): string {
  return [
    "// The program users ship, as a process: built with `tsc` first when dist/ is older than src/.",
    "describe('the built server (dist/server.js)', () => {",
    `  const transports = ${literal(transports)} as const;`,
    "  it.for(transports)('lists every tool over %s', { timeout: 180_000 }, async (transport) => {",
    "    const projectRoot = new URL('..', import.meta.url);",
    '    const server = await startBuiltServer({ projectRoot, transport });',
    '    try {',
    '      const { tools } = await server.client.listTools();',
    '      expect(tools.map((tool) => tool.name).sort()).toEqual(Object.keys(manifest.tools).sort());',
    '    } finally {',
    '      await server.close();',
    '    }',
    '  });',
    '});',
    '',
  ].join('\n');
}

/** A JSON value as a TypeScript literal (identifier keys bare; prettier lays it out). */
export function literal(value: unknown): string {
  // Loops and string appends rather than entries/map/join: it writes every contract case of
  // every tool on each generation (1,000 tools: the largest part of emitting the contract tests).
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ', ') + literal(value[i]);
    return `${out}]`;
  }
  if (typeof value === 'object' && value !== null) {
    const object = value as Record<string, unknown>;
    let out = '{ ';
    let first = true;
    for (const name of Object.keys(object)) {
      // A `__proto__` key in a literal would set the prototype; computed, it is an own property.
      out += `${first ? '' : ', '}${name === '__proto__' ? "['__proto__']" : propertyKey(name)}: ${literal(object[name])}`;
      first = false;
    }
    return `${out} }`;
  }
  return JSON.stringify(value) ?? 'undefined';
}
