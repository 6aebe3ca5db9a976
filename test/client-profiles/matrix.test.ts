/**
 * The compatibility matrix: every tool of the examples, of the GitHub REST API import and of a set
 * of hard schemas, shaped for every client profile. Each shaped schema must pass that profile's
 * independent rule checker (checkers/, written from the providers' documentation) and compile as
 * JSON Schema; values valid for the full schema (fast-check), written the way a client sends them
 * through the shaped schema and mapped back by the runtime, must pass full validation again.
 * The matrix (profiles × tool sets, pass counts) is printed.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_PROFILE_NAMES, restoreArguments, shapeForProfile, type JsonSchema } from '../../runtime/src/client-profiles/index.js';
import { ajvLibrary } from '../../generators/shared/ajv.js';
import { parseOpenApi, planOpenApiImport } from '../../generators/openapi/index.js';
import { loadSpec } from '../../generators/shared/spec/index.js';
import { lintSpec } from '../../generators/shared/spec/lint.js';
import { clientReport, formatClientReport } from '../../generators/shared/client-profiles/index.js';
import { createToolSearch, DISCOVERY_TOOLS } from '../../runtime/src/discovery/index.js';
import type { LoadedSpec } from '../../generators/shared/spec/types.js';
import { TOOLKIT_ROOT } from '../helpers/toolkit.js';
import { CHECKERS } from './checkers/index.js';
import { isNode, typesOf, type Node } from './checkers/walk.js';
import { HARD_SCHEMAS } from './hard-schemas.js';
import { valueArbitrary } from './values.js';

const { addFormats, Ajv2020 } = ajvLibrary();

const require = createRequire(import.meta.url);
// logger: false — GitHub's own formats (repo.nwo, ...) are unknown to ajv-formats and ignored, as the runtime does.
const ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: true, logger: false });
addFormats(ajv);
const compiled = new WeakMap<object, (v: unknown) => boolean>();
function validator(schema: object): (v: unknown) => boolean {
  let fn = compiled.get(schema);
  if (!fn) {
    const v = ajv.compile(schema);
    fn = (value) => v(value) as boolean;
    compiled.set(schema, fn);
  }
  return fn;
}

/**
 * What a client sends for `value` when it only knows the shaped schema: non-strings where a string
 * is shown become their JSON text (enums written as strings, values shown as JSON text), properties
 * a closed object requires but the value lacks become null (strict mode), unions take the first
 * branch the written value fits.
 */
function asSent(shaped: unknown, value: unknown, defs: unknown): unknown {
  if (!isNode(shaped) || value === undefined) return value;
  // A branch is compiled on its own: it takes the root's definitions along for its references.
  const fits = (branch: Node, v: unknown) => validator(defs === undefined ? branch : withDefs(branch, defs))(v);
  if (Array.isArray(shaped.anyOf)) {
    // A value a branch takes as it is goes as it is; else the first branch it can be written for.
    for (const branch of shaped.anyOf as Node[]) if (fits(branch, value)) return value;
    for (const branch of shaped.anyOf as Node[]) {
      const sent = asSent(branch, value, defs);
      if (fits(branch, sent)) return sent;
    }
    return value;
  }
  const types = typesOf(shaped);
  if (!types.includes('object') && !types.includes('array') && fits(shaped, value)) return value;
  if (types.includes('string') && typeof value !== 'string' && value !== null) return JSON.stringify(value);
  if (types.includes('object') && isNode(value)) {
    const props = isNode(shaped.properties) ? shaped.properties : {};
    const out: Node = {};
    for (const [k, v] of Object.entries(value)) out[k] = k in props ? asSent(props[k], v, defs) : v;
    for (const k of Array.isArray(shaped.required) ? (shaped.required as string[]) : []) if (!(k in out)) out[k] = null;
    return out;
  }
  if (types.includes('array') && Array.isArray(value) && isNode(shaped.items)) return value.map((v) => asSent(shaped.items, v, defs));
  return value;
}

const withDefsCache = new WeakMap<object, Node>();
function withDefs(branch: Node, defs: unknown): Node {
  let out = withDefsCache.get(branch);
  if (!out) withDefsCache.set(branch, (out = { ...branch, $defs: defs }));
  return out;
}

type ToolSet = Array<{ name: string; schema: JsonSchema }>;
const sets: Record<string, ToolSet> = {};
let github: LoadedSpec;

beforeAll(async () => {
  // The examples: their generated manifests.
  const examples: ToolSet = [];
  for (const dir of readdirSync(path.join(TOOLKIT_ROOT, 'examples'))) {
    const file = path.join(TOOLKIT_ROOT, 'examples', dir, 'src/generated/manifest.ts');
    if (!existsSync(file)) continue;
    const { manifest } = (await import(pathToFileURL(file).href)) as { manifest: { tools: Record<string, { name: string; inputSchema: JsonSchema }> } };
    for (const tool of Object.values(manifest.tools)) examples.push({ name: `${dir}/${tool.name}`, schema: tool.inputSchema });
  }
  sets.examples = examples;
  sets.hard = Object.entries(HARD_SCHEMAS).map(([name, schema]) => ({ name, schema }));
  // The GitHub REST API, imported in memory as `mcpforge import openapi` does.
  const file = path.join(path.dirname(require.resolve('@octokit/openapi/package.json')), 'generated', 'api.github.com.json');
  const doc = parseOpenApi(file, readFileSync(file, 'utf8'));
  const plan = planOpenApiImport({
    doc,
    specText: 'name: github\nversion: 0.1.0\ntools: {}\n',
    readProjectFile: () => undefined,
    listProjectFiles: () => [],
    clientSource: readFileSync(path.join(TOOLKIT_ROOT, 'templates/openapi/client.ts'), 'utf8'),
    options: { name: 'github' },
  });
  const root = '/virtual/github';
  const files = new Map<string, string>([[`${root}/mcpforge.yaml`, plan.specText], ...[...plan.files].map(([f, t]) => [`${root}/${f}`, t] as [string, string])]);
  const spec = await loadSpec(`${root}/mcpforge.yaml`, { files });
  github = spec;
  sets.github = spec.tools.map((t) => ({ name: t.name, schema: t.input.schema as JsonSchema }));
}, 300_000);

const SAMPLES: Record<string, number> = { hard: 40, examples: 10, github: 1 };
const matrix: string[] = [];

describe.each(['hard', 'examples', 'github'])('tool set %s', (set) => {
  it.each([...CLIENT_PROFILE_NAMES])('%s: every shaped schema passes the profile checker; restored values pass full validation', (profile) => {
    const tools = sets[set]!;
    expect(tools.length).toBeGreaterThan(set === 'github' ? 1000 : 5);
    const problems: string[] = [];
    let checked = 0;
    let values = 0;
    let sentValid = 0;
    let changed = 0;
    for (const { name, schema } of tools) {
      const shaped = shapeForProfile(profile, schema);
      if (shaped.changes.length > 0) changed++;
      for (const p of CHECKERS[profile]!(shaped.schema)) problems.push(`${name}${p}`);
      validator(shaped.schema); // compiles: the shaped schema is JSON Schema
      checked++;
      const full = validator(schema);
      const samples = fc.sample(valueArbitrary(schema, schema), { numRuns: SAMPLES[set]!, seed: 16 });
      for (const value of samples) {
        if (!full(value)) continue; // the generator's candidate is not valid for the full schema
        values++;
        const sent = asSent(shaped.schema, value, shaped.schema.$defs);
        if (validator(shaped.schema)(sent)) sentValid++;
        const restored = restoreArguments(shaped.plan, sent);
        if (!full(restored)) problems.push(`${name}: ${JSON.stringify(value)} sent as ${JSON.stringify(sent)} restored to ${JSON.stringify(restored)} fails the full schema`);
        else if (profile !== 'openai-strict' && JSON.stringify(restored) !== JSON.stringify(value)) problems.push(`${name}: ${JSON.stringify(value)} restored as ${JSON.stringify(restored)}`);
      }
    }
    matrix.push(`${set.padEnd(9)} ${profile.padEnd(14)} tools ${String(checked).padStart(5)}  checker-clean ${String(checked - new Set(problems.map((p) => p.split('/')[0])).size).padStart(5)}  changed ${String(changed).padStart(5)}  values ${String(values).padStart(5)}  valid-as-sent ${String(sentValid).padStart(5)}  round-trip ok ${String(values - problems.filter((p) => p.includes('restored')).length).padStart(5)}`);
    expect(problems.slice(0, 20)).toEqual([]);
    expect(values).toBeGreaterThan(0);
  });
});

describe('check --client and the lint on the GitHub import', () => {
  it('reports each profile: caps, names with prefixes, tokens as the client sees tools/list', () => {
    const lint = lintSpec(github, { profiles: [...CLIENT_PROFILE_NAMES], clientPrefix: 'mcp__{server}__' });
    const count = (rule: string, text?: string) => [...lint.warnings, ...lint.errors].filter((i) => i.rule === rule && (text === undefined || i.message.includes(text))).length;
    expect(count('client-tool-count', 'vscode takes at most 128')).toBe(1);
    expect(count('client-tool-count', 'cursor takes at most 40')).toBe(1);
    expect(count('client-inexpressible', 'for gemini')).toBeGreaterThan(0);
    expect(Object.keys(lint.toolTokens)).toHaveLength(github.tools.length);
    const lines: string[] = [];
    for (const profile of CLIENT_PROFILE_NAMES) {
      const report = clientReport(github, profile);
      expect(report.tools).toBe(github.tools.length);
      expect(report.shapedTokens).toBeGreaterThan(0);
      if (profile === 'full') expect(report.shapedTokens).toBe(report.fullTokens);
      lines.push(formatClientReport(report).split('\n').slice(0, 4).join('\n'));
    }
    console.log(`\ncheck --client all on the GitHub import\n${lines.join('\n')}\nlint: ${lint.errors.length} errors, ${lint.warnings.length} warnings (client-name-length ${count('client-name-length')}, tool-tokens ${count('tool-tokens')})`);
  });
});

describe('progressive discovery on the GitHub import', () => {
  it('lists three tools within 5k tokens and finds the labelled tools in the top 5', () => {
    const listed = JSON.stringify({ tools: Object.entries(DISCOVERY_TOOLS).map(([name, t]) => ({ name, description: t.description, inputSchema: t.inputSchema })) });
    expect(Math.ceil(listed.length / 4)).toBeLessThanOrEqual(5_000);
    const search = createToolSearch(github.tools.map((t) => ({ name: t.name, description: t.description, inputSchema: t.input.schema as Record<string, unknown> })));
    const { queries } = JSON.parse(readFileSync(path.join(TOOLKIT_ROOT, 'bench/discovery-queries.json'), 'utf8')) as { queries: Array<{ query: string; expected: string[] }> };
    const names = new Set(github.tools.map((t) => t.name));
    let found = 0;
    for (const { query, expected } of queries) {
      for (const e of expected) expect(names.has(e), `${e} is a tool of the import`).toBe(true);
      if (search.search(query, { limit: 5 }).some((h) => expected.includes(h.name))) found++;
    }
    // 35 of 40 on the first measurement (bench/discovery.mjs prints the figures); a drop below 80% fails.
    expect(found / queries.length).toBeGreaterThanOrEqual(0.8);
  });
});

describe('the matrix', () => {
  it('prints profiles × tool sets', () => {
    console.log(`\nclient-profile compatibility matrix\n${matrix.join('\n')}`);
    expect(matrix.length).toBe(3 * CLIENT_PROFILE_NAMES.length);
  });
});
