import { PROGRESSIVE_DISCOVERY_THRESHOLD } from '../../../runtime/src/discovery/names.js';
import { CLIENT_PROFILES, prefixedToolName, shapeForProfile, type ClientProfileName } from '../../../runtime/src/client-profiles/index.js';
import { sourceOf } from './check-schema.js';
import { joinPointer, lazyLocation, locatorFor, type SourceDocument } from './source-document.js';
import { advertisedOutputSchema } from './advertised-schema.js';
import type { LoadedSchema, LoadedSpec, SpecLocation } from './types.js';

export type LintSeverity = 'warning' | 'error';

export interface LintIssue {
  severity: LintSeverity;
  /** Stable rule id, e.g. `array-items`. */
  rule: string;
  message: string;
  hint?: string;
  location: SpecLocation;
}

export interface LintResult {
  warnings: LintIssue[];
  errors: LintIssue[];
  /** Estimated tokens of the `tools/list` answer (characters / 4). */
  toolsListTokens: number;
  /** Estimated tokens of each tool's definition in `tools/list`, by tool name (characters / 4). */
  toolTokens: Record<string, number>;
}

export interface LintOptions {
  /** Warn when `tools/list` costs more than this many tokens (default 25,000). */
  tokenBudget?: number;
  /** Warn when one tool's definition costs more than this many tokens (default 5,000). */
  toolTokenBudget?: number;
  /** Warn above this many tools when the spec does not choose a discovery mode (default: the runtime's threshold, 60, above which it serves progressive). */
  discoveryThreshold?: number;
  /**
   * The prefix clients put before tool names for the generic name-length check (`{server}` is the
   * server name; default `{server}_`, limit 60).
   */
  clientPrefix?: string;
  /**
   * Clients to check for (`mcpforge check --client`): names over each one's limit with its prefix
   * (errors), more tools than it takes, and constructs it cannot express (warnings).
   */
  profiles?: readonly ClientProfileName[];
}

const NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
/** Some clients prefix tool names with the server name and cap the result near 64. */
const PREFIXED_NAME_LIMIT = 60;
const DATA_KEYWORDS = new Set(['const', 'enum', 'default', 'examples', 'example']);

/**
 * Client-compatibility checks over a loaded spec. Errors are what some client would
 * reject outright; warnings are what works but costs or surprises.
 */
export function lintSpec(spec: LoadedSpec, options: LintOptions = {}): LintResult {
  const budget = options.tokenBudget ?? 25_000;
  const issues: LintIssue[] = [];
  const docs = new Map<string, Pick<SourceDocument, 'locate'>>();
  const positionOf = (where: SpecLocation): { line: number; column: number } => {
    if (where.line > 0) return where;
    const text = spec.sources.get(where.file);
    if (text === undefined) return where;
    let doc = docs.get(where.file);
    if (!doc) docs.set(where.file, (doc = locatorFor(where.file, text)));
    return doc.locate(where.pointer);
  };
  // Found when the issue is printed, not now: a large import's spec positions may still be on
  // their way from a worker (see spec-in-worker.ts).
  const locate = (where: SpecLocation): SpecLocation => lazyLocation({ file: where.file, locate: () => positionOf(where) }, where.pointer);
  const add = (severity: LintSeverity, rule: string, location: SpecLocation, message: string, hint?: string) =>
    issues.push({ severity, rule, message, location: locate(location), ...(hint ? { hint } : {}) });

  for (const [kind, entries] of [
    ['tool', spec.tools],
    ['resource', spec.resources],
    ['prompt', spec.prompts],
  ] as const) {
    const bySanitised = new Map<string, string>();
    for (const entry of entries) {
      if (!NAME_PATTERN.test(entry.name)) {
        add('error', 'name-chars', entry.location, `invalid ${kind} name "${entry.name}"`, 'use 1–64 characters of A–Z a–z 0–9 _ . -');
      }
      const sanitised = sanitiseName(entry.name);
      const other = bySanitised.get(sanitised);
      if (other !== undefined) {
        add('error', 'unique-name', entry.location, `${kind} names "${other}" and "${entry.name}" become the same ("${sanitised}") in clients that normalise names`, `rename one of them`);
      } else bySanitised.set(sanitised, entry.name);
    }
  }
  const prefix = options.clientPrefix ?? '{server}_';
  for (const tool of spec.tools) {
    const prefixed = `${prefix.replace('{server}', spec.name)}${tool.name}`;
    if (prefixed.length > PREFIXED_NAME_LIMIT) {
      add('warning', 'name-length', tool.location, `tool name "${tool.name}" is ${prefixed.length} characters with the client's prefix ("${prefixed}")`, `some clients cap prefixed names near ${PREFIXED_NAME_LIMIT}: shorten the tool or server name`);
    }
    if (!tool.description.trim()) {
      add('error', 'description', tool.location, `tool "${tool.name}" has an empty description`, 'describe what the tool does: the model reads it to decide when to call the tool');
    }
  }
  // The third element: the schema's top-level properties are a request's arguments.
  const schemas: Array<[LoadedSchema | undefined, string, boolean]> = [
    ...spec.tools.flatMap((t) => [[t.input, `tool "${t.name}" input`, true], [t.output, `tool "${t.name}" output`, false]] as Array<[LoadedSchema | undefined, string, boolean]>),
    ...spec.resources.map((r) => [r.schema, `resource "${r.name}" schema`, false] as [LoadedSchema | undefined, string, boolean]),
    ...spec.prompts.map((p) => [p.arguments, `prompt "${p.name}" arguments`, true] as [LoadedSchema | undefined, string, boolean]),
  ];
  for (const [loaded, what, isArguments] of schemas) {
    if (!loaded) continue;
    // The SDK's request parsing (zod) drops an argument named `__proto__` on every transport (the
    // fast path hands such a call to it), so a property of that name never reaches the handler.
    const properties = loaded.schema.properties;
    if (isArguments && properties !== null && typeof properties === 'object' && Object.hasOwn(properties, '__proto__')) {
      add('warning', 'argument-name', sourceOf(loaded, '/properties/__proto__'), `${what}: an argument named "__proto__" never reaches the handler (MCP's request parsing drops that name on every transport)`, 'rename the property');
    }
    for (const pointer of arraysWithoutItems(loaded.schema)) {
      add('warning', 'array-items', sourceOf(loaded, pointer), `${what}: array at ${pointer || '/'} has no "items"`, 'add `items:` so clients (and the generated types) know what the array holds');
    }
  }
  // Each tool's entry is serialised once for both estimates (per tool and the whole list).
  const lengths = toolEntryLengths(spec);
  const toolTokens = toolTokensOf(spec, lengths);
  const toolBudget = options.toolTokenBudget ?? 5_000;
  for (const tool of spec.tools) {
    const cost = toolTokens[tool.name]!;
    if (cost > toolBudget) {
      add('warning', 'tool-tokens', tool.location, `tool "${tool.name}" costs about ${cost.toLocaleString('en-US')} tokens in tools/list (budget ${toolBudget.toLocaleString('en-US')} per tool)`, 'shorten its description and schema, or split it');
    }
  }
  const threshold = options.discoveryThreshold ?? PROGRESSIVE_DISCOVERY_THRESHOLD;
  if (spec.tools.length > threshold && spec.discovery?.mode === undefined) {
    add('warning', 'tool-count', { file: spec.specPath, line: 0, column: 0, pointer: '/tools' }, `${spec.tools.length} tools and no discovery mode: the server serves progressive discovery by default above ${PROGRESSIVE_DISCOVERY_THRESHOLD} served tools (tools/list shows search_tools, describe_tool, call_tool and the pinned tools), since listing every tool spends much of a client's context (VS Code takes 128, Cursor 40)`, 'set `discovery: { mode: progressive }` to make it explicit (and `pinned:` for tools always listed), or `mode: direct` (or MCP_DISCOVERY=direct) to keep listing every tool');
  }
  for (const [role, scopes] of Object.entries(spec.auth.roles ?? {})) {
    if (scopes.length === 0) {
      add('warning', 'empty-role', { file: spec.specPath, line: 0, column: 0, pointer: joinPointer('/auth/roles', role) }, `role "${role}" grants no scope: holding it changes nothing the server checks`, 'list the scopes it should grant, or remove it');
    }
  }
  for (const profile of options.profiles ?? []) lintForClient(spec, profile, add);
  const toolsListTokens = toolsListTokensOf(lengths);
  if (toolsListTokens > budget) {
    add('warning', 'tools-list-tokens', { file: spec.specPath, line: 0, column: 0, pointer: '/tools' }, `tools/list costs about ${toolsListTokens.toLocaleString('en-US')} tokens (budget ${budget.toLocaleString('en-US')})`, 'shorten descriptions and schemas, or split the tools into groups or servers');
  }
  return {
    warnings: issues.filter((i) => i.severity === 'warning'),
    errors: issues.filter((i) => i.severity === 'error'),
    toolsListTokens,
    toolTokens,
  };
}

type AddIssue = (severity: LintSeverity, rule: string, location: SpecLocation, message: string, hint?: string) => void;

/** The checks for one client profile: prefixed name length, tool count, constructs it cannot express. */
function lintForClient(spec: LoadedSpec, profile: ClientProfileName, add: AddIssue): void {
  const rules = CLIENT_PROFILES[profile];
  const specLocation = { file: spec.specPath, line: 0, column: 0, pointer: '/tools' };
  if (rules.maxTools !== undefined && spec.tools.length > rules.maxTools) {
    add('warning', 'client-tool-count', specLocation, `${spec.tools.length} tools: ${profile} takes at most ${rules.maxTools}, only the first ${rules.maxTools} are listed`, 'define toolsets: in the spec and serve a subset with MCP_TOOLSETS (or MCP_TOOLS), or use discovery: progressive');
  }
  for (const tool of spec.tools) {
    if (rules.maxNameLength !== undefined) {
      const prefixed = prefixedToolName(profile, spec.name, tool.name);
      if (prefixed.length > rules.maxNameLength) {
        add('error', 'client-name-length', tool.location, `tool name "${tool.name}" is ${prefixed.length} characters for ${profile} ("${prefixed}", limit ${rules.maxNameLength})`, 'shorten the tool or server name');
      }
    }
    for (const change of shapeForProfile(profile, tool.input.schema as Record<string, unknown>).changes) {
      if (change.kind !== 'json-text' && change.kind !== 'recursion-cut' && change.kind !== 'dropped') continue;
      add('warning', 'client-inexpressible', sourceOf(tool.input, change.pointer === '/' ? '' : change.pointer), `tool "${tool.name}" input for ${profile}: ${change.message}`, 'the server still validates the full schema; simplify the schema if the model should see it');
    }
  }
}

/** Characters / 4 of each tool's entry in `tools/list`. */
export function estimateToolTokens(spec: LoadedSpec): Record<string, number> {
  return toolTokensOf(spec, toolEntryLengths(spec));
}

/** `estimateToolTokens` from the tools' entry lengths (`toolEntryLengths`). */
function toolTokensOf(spec: LoadedSpec, lengths: readonly number[]): Record<string, number> {
  return Object.fromEntries(spec.tools.map((t, i) => [t.name, Math.ceil(lengths[i]! / 4)]));
}

/** Characters of each tool's entry in `tools/list` (JSON), in spec order. */
function toolEntryLengths(spec: LoadedSpec): number[] {
  return spec.tools.map((t) => JSON.stringify(toolsListEntry(spec, t)).length);
}

/**
 * `estimateToolsListTokens` from the tools' entry lengths: `{"tools":[` (10 characters), the
 * entries with a comma between each two, `]}` (2): the text JSON.stringify makes of the list.
 */
export function toolsListTokensOf(lengths: readonly number[]): number {
  return Math.ceil((12 + lengths.reduce((sum, n) => sum + n, 0) + Math.max(lengths.length - 1, 0)) / 4);
}

function toolsListEntry(spec: LoadedSpec, t: LoadedSpec['tools'][number]) {
  return { name: t.name, title: t.title, description: t.description, inputSchema: t.input.schema, outputSchema: t.output && advertisedOutputSchema(t.output.schema, spec.clients?.outputSchemaDocs), annotations: t.annotations };
}

/** How clients commonly normalise names: case-insensitive, characters outside [a-z0-9_-] → `_`. */
export function sanitiseName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9_-]/g, '_');
}

/** Characters / 4 of what `tools/list` returns: a rough but stable token estimate. */
export function estimateToolsListTokens(spec: LoadedSpec): number {
  const tools = spec.tools.map((t) => toolsListEntry(spec, t));
  return Math.ceil(JSON.stringify({ tools }).length / 4);
}

/** JSON pointers (into the bundled schema) of every `type: array` schema without items/prefixItems. */
export function arraysWithoutItems(schema: unknown, at = ''): string[] {
  const found: string[] = [];
  // The path is kept as segments and joined only for a hit: joining a pointer for every node of
  // every schema (2,000 in a 1,000-tool project) was most of lint's time.
  const path: Array<string | number> = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        path.push(i);
        visit(node[i]);
        path.pop();
      }
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const object = node as Record<string, unknown>;
    const type = object.type;
    const isArray = type === 'array' || (Array.isArray(type) && type.includes('array'));
    if (isArray && object.items === undefined && object.prefixItems === undefined) found.push(joinPointer(at, ...path));
    for (const key of Object.keys(object)) {
      const value = object[key];
      if (DATA_KEYWORDS.has(key) || value === null || typeof value !== 'object') continue;
      path.push(key);
      visit(value);
      path.pop();
    }
  };
  visit(schema);
  return found;
}

export function formatLintIssue(issue: LintIssue, cwd: string = process.cwd()): string {
  const { file, line, column, pointer } = issue.location;
  const rel = file.startsWith(cwd + '/') ? file.slice(cwd.length + 1) : file;
  const where = line > 0 ? `${rel}:${line}:${column}` : rel;
  return `${where} ${pointer}: ${issue.severity}: ${issue.message}${issue.hint ? ` — ${issue.hint}` : ''} [${issue.rule}]`;
}
