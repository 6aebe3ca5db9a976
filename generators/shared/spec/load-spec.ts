import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { bundleSchema } from './bundle-schema.js';
import { SchemaChecker } from './check-schema.js';
import { DocumentStore, resolveLocation } from './documents.js';
import { SpecError, throwIfAny } from './errors.js';
import { joinPointer, lazyLocation, parseSourceDocument, type SourceDocument } from './source-document.js';
import { closestKey } from './suggest.js';
import type {
  AuthMode,
  LoadedAuth,
  LoadedGroup,
  LoadedPrompt,
  LoadedResource,
  LoadedSchema,
  LoadedSpec,
  LoadedTool,
  SpecLocation,
  ToolAnnotations,
  Transport,
} from './types.js';
import { uriTemplateVariables } from './uri-template.js';
import { checkResourceKind, type RawResourceKind } from './resource-kinds.js';
import { validateSpecDocument } from './validate-spec.js';
import { checkPagination, type ToolPagination } from './pagination.js';

export interface LoadSpecOptions {
  /** Fetch `http(s)://` schemas and `$ref`s (off by default: generation stays offline and reproducible). */
  allowRemoteRefs?: boolean;
  /**
   * Files not yet on disk, by absolute path: read instead of the disk (an import plans the spec
   * and its schemas in memory, loads and lints them, and writes only when all is well).
   */
  files?: ReadonlyMap<string, string>;
  /**
   * For some of `files` (JSON schema files, not the spec): the value the caller made the text from
   * with JSON.stringify, used as its parse when JSON gives back exactly that value. The loader
   * never changes a document's data, so the caller's value is safe to share.
   */
  fileData?: ReadonlyMap<string, unknown>;
  /**
   * Whether this exact text of a file (the spec or a schema file) already passed validation by
   * this same toolkit (a regeneration knows it from its cache): then the spec-schema check, a
   * fifth of a second for 1,000 tools, and the meta-validation of schemas made only of such
   * files are skipped. The spec's other checks and the schema rules still run.
   */
  validated?: (file: string, text: string) => boolean;
  /** Parses the spec's own text (default `parseSourceDocument`; a regeneration passes a cached parse, see spec-document-cache.ts). */
  parse?: (file: string, text: string) => SourceDocument;
}

/* The raw shapes after spec-schema validation (the schema guarantees these). */
type RawSchemaRef = string | Record<string, unknown>;
interface RawTool {
  title?: string;
  description: string;
  input: RawSchemaRef;
  output?: RawSchemaRef;
  annotations?: ToolAnnotations;
  scopes?: string[];
  rateLimit?: { perMinute: number };
  cache?: { ttlSeconds: number };
  timeoutMs?: number;
  maxOutputTokens?: number;
  pagination?: ToolPagination;
  /** Runs as a task for clients that declare the tasks extension (spec `task`). */
  task?: 'optional' | 'required';
}
interface RawResource extends RawResourceKind {
  uri: string;
  title?: string;
  description?: string;
  mimeType?: string;
  schema?: RawSchemaRef;
  scopes?: string[];
}
interface RawPrompt {
  title?: string;
  description?: string;
  arguments?: RawSchemaRef;
  scopes?: string[];
}
interface RawSpec {
  name: string;
  version?: string;
  description?: string;
  layout?: 'dev' | 'production';
  transports?: Transport[];
  tools?: Record<string, RawTool>;
  resources?: Record<string, RawResource>;
  prompts?: Record<string, RawPrompt>;
  auth?: { mode: AuthMode; list?: 'filter' | 'all'; scopeWindows?: LoadedAuth['scopeWindows']; clients?: LoadedAuth['clients']; roles?: LoadedAuth['roles']; jwt?: LoadedAuth['jwt'] };
  groups?: Record<string, { tools: string[]; replicas?: number }>;
  toolsets?: LoadedSpec['toolsets'];
  limits?: LoadedSpec['limits'];
  clients?: LoadedSpec['clients'];
  discovery?: LoadedSpec['discovery'];
}

/**
 * Reads `mcpforge.yaml` (or `.json`), validates it against the spec format, resolves every schema
 * it names and checks each one. Problems are reported all at once where possible: a `SpecErrors`
 * aggregate (or a single `SpecError`) whose entries name file, line, JSON pointer and a fix.
 */
export async function loadSpec(specPath: string, options: LoadSpecOptions = {}): Promise<LoadedSpec> {
  const file = path.resolve(specPath);
  let text: string;
  try {
    text = options.files?.get(file) ?? (await readFile(file, 'utf8'));
  } catch (error) {
    throw new SpecError({
      file,
      message: (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'spec file not found' : `cannot read the spec: ${(error as Error).message}`,
      hint: 'run the command in the project folder or pass the path of mcpforge.yaml',
    });
  }
  const doc = (options.parse ?? parseSourceDocument)(file, text);
  if (doc.data === null || typeof doc.data !== 'object' || Array.isArray(doc.data)) {
    throw new SpecError({ file, line: 1, column: 1, message: 'the spec must be a map of keys (name, version, tools, ...)', hint: 'start from the example in docs/spec.md or run `mcpforge new`' });
  }
  const validated = knownValid(file, text, options.validated);
  if (!validated(file)) throwIfAny(await validateSpecDocument(doc));
  const raw = doc.data as RawSpec;

  const store = new DocumentStore({ allowRemoteRefs: options.allowRemoteRefs ?? false, ...(options.files ? { overlay: options.files } : {}), ...(options.fileData ? { overlayData: options.fileData } : {}) });
  store.add(doc);
  const checker = new SchemaChecker((f, p) => store.locate(f, p));
  const errors: SpecError[] = [];
  const location = (pointer: string): SpecLocation => lazyLocation(doc, pointer, { key: true });

  // Each schema is resolved on its own so one broken file does not hide the problems of others.
  const schema = async (value: RawSchemaRef, pointer: string, what: string, rules: SchemaRule[]): Promise<LoadedSchema | undefined> => {
    try {
      const loaded = await resolveSchema(value, pointer, doc, store);
      // Meta-validation depends on the schema's content alone: files that all passed it before
      // (inline schemas: with the spec's text) need no second check. The rules still run: the
      // same file may now be used where other rules apply.
      const inputs = loaded.source === loaded.files[0] ? loaded.files : [file, ...loaded.files];
      const problems = inputs.every((f) => validated(f, store.texts.get(f))) ? [] : checker.check(loaded, what);
      if (problems.length === 0) problems.push(...rules.flatMap((rule) => rule(loaded, what, doc, pointer, (f, p) => store.locate(f, p))));
      errors.push(...problems);
      return loaded;
    } catch (error) {
      if (error instanceof SpecError) errors.push(error);
      else throw error;
      return undefined;
    }
  };

  const tools: LoadedTool[] = [];
  for (const [name, t] of Object.entries(raw.tools ?? {})) {
    const at = joinPointer('/tools', name);
    const input = await schema(t.input, joinPointer(at, 'input'), `input schema of tool "${name}"`, [objectRoot]);
    const output = t.output === undefined ? undefined : await schema(t.output, joinPointer(at, 'output'), `output schema of tool "${name}"`, [objectRoot]);
    if (!input) continue;
    if (t.pagination) errors.push(...checkPagination(name, t.pagination, input, output, location));
    tools.push(compact({ name, title: t.title, description: t.description, input, output, annotations: t.annotations, scopes: t.scopes, rateLimit: t.rateLimit, cache: t.cache, timeoutMs: t.timeoutMs, maxOutputTokens: t.maxOutputTokens, pagination: t.pagination, task: t.task, location: location(at) }));
  }
  const resources: LoadedResource[] = [];
  for (const [name, r] of Object.entries(raw.resources ?? {})) {
    const at = joinPointer('/resources', name);
    const loaded = r.schema === undefined ? undefined : await schema(r.schema, joinPointer(at, 'schema'), `schema of resource "${name}"`, []);
    const variables = uriTemplateVariables(r.uri);
    const source = checkResourceKind(doc, at, r, variables, errors);
    resources.push(compact({ name, uri: r.uri, template: variables.length > 0, variables, title: r.title, description: r.description, mimeType: r.mimeType, schema: loaded, scopes: r.scopes, source, location: location(at) }));
  }
  const prompts: LoadedPrompt[] = [];
  for (const [name, p] of Object.entries(raw.prompts ?? {})) {
    const at = joinPointer('/prompts', name);
    const args = p.arguments === undefined ? undefined : await schema(p.arguments, joinPointer(at, 'arguments'), `arguments of prompt "${name}"`, [objectRoot, stringProperties]);
    prompts.push(compact({ name, title: p.title, description: p.description, arguments: args, scopes: p.scopes, location: location(at) }));
  }
  const groups = raw.groups === undefined ? undefined : checkGroups(raw.groups, Object.keys(raw.tools ?? {}), location, errors);
  checkRoles(raw.auth, [...tools, ...resources, ...prompts], location, errors);
  if (raw.toolsets !== undefined) checkToolsets(raw.toolsets, Object.keys(raw.tools ?? {}), location, errors);
  checkDiscovery(raw, location, errors);
  throwIfAny(errors);

  return compact({
    specPath: file,
    name: raw.name,
    version: raw.version ?? '0.1.0',
    description: raw.description,
    layout: raw.layout ?? 'dev',
    transports: raw.transports ?? ['stdio', 'http'],
    tools,
    resources,
    prompts,
    auth: compact({ mode: raw.auth?.mode ?? 'none', list: raw.auth?.list, scopeWindows: raw.auth?.scopeWindows, clients: raw.auth?.clients, roles: raw.auth?.roles, jwt: raw.auth?.jwt }),
    groups,
    toolsets: raw.toolsets,
    limits: raw.limits,
    clients: raw.clients,
    discovery: raw.discovery,
    sourceFiles: store.order.filter((f) => !/^https?:/i.test(f)),
    sources: new Map(store.order.map((f) => [f, store.texts.get(f)!])),
  });
}

/** `options.validated` asked once per file (with the text the loader read), false when not given. */
function knownValid(spec: string, specText: string, validated: LoadSpecOptions['validated']): (file: string, text?: string) => boolean {
  const answers = new Map<string, boolean>();
  return (file, text = file === spec ? specText : undefined) => {
    if (!validated || text === undefined) return false;
    let answer = answers.get(file);
    if (answer === undefined) answers.set(file, (answer = validated(file, text)));
    return answer;
  };
}

/**
 * Roles grant scopes some tool, resource or prompt needs (a typo would grant nothing, silently),
 * and every role a client certificate is given is declared.
 */
function checkRoles(auth: RawSpec['auth'], entries: Array<{ scopes?: string[] }>, location: (pointer: string) => SpecLocation, errors: SpecError[]): void {
  const known = [...new Set(entries.flatMap((e) => e.scopes ?? []))].sort();
  const knownSet = new Set(known);
  for (const [role, scopes] of Object.entries(auth?.roles ?? {})) {
    scopes.forEach((scope, i) => {
      if (knownSet.has(scope)) return;
      const suggestion = closestKey(scope, known);
      errors.push(
        new SpecError({
          ...location(joinPointer('/auth/roles', role, String(i))),
          message: `role "${role}" grants scope "${scope}", which no tool, resource or prompt names`,
          hint: suggestion ? `did you mean "${suggestion}"?` : known.length > 0 ? `use one of ${known.join(', ')}` : 'give tools, resources or prompts `scopes:` first, then grant those',
        }),
      );
    });
  }
  const roles = Object.keys(auth?.roles ?? {});
  for (const [subject, client] of Object.entries(auth?.clients ?? {})) {
    (client.roles ?? []).forEach((role, i) => {
      if (Object.hasOwn(auth?.roles ?? {}, role)) return;
      const suggestion = closestKey(role, roles);
      errors.push(
        new SpecError({
          ...location(joinPointer('/auth/clients', subject, 'roles', String(i))),
          message: `client "${subject}" is given role "${role}", which auth.roles does not declare`,
          hint: suggestion ? `did you mean "${suggestion}"?` : 'declare it under auth.roles (role name: list of scopes)',
        }),
      );
    });
  }
}

/** Every group names known tools, and no tool is in two groups. */
function checkGroups(
  groups: NonNullable<RawSpec['groups']>,
  toolNames: string[],
  location: (pointer: string) => SpecLocation,
  errors: SpecError[],
): Record<string, LoadedGroup> {
  const known = new Set(toolNames);
  const owner = new Map<string, string>();
  const loaded: Record<string, LoadedGroup> = {};
  for (const [group, g] of Object.entries(groups)) {
    g.tools.forEach((tool, i) => {
      const at = location(joinPointer('/groups', group, 'tools', String(i)));
      if (!known.has(tool)) {
        const suggestion = closestKey(tool, toolNames);
        errors.push(new SpecError({ ...at, message: `group "${group}" names unknown tool "${tool}"`, hint: suggestion ? `did you mean "${suggestion}"?` : `use a key of \`tools\`${toolNames.length > 0 ? ` (${toolNames.join(', ')})` : ''}` }));
      } else if (owner.has(tool)) {
        errors.push(new SpecError({ ...at, message: `tool "${tool}" is in two groups, "${owner.get(tool)}" and "${group}"`, hint: 'a tool is served by one group\'s service: remove it from one of them' }));
      } else owner.set(tool, group);
    });
    loaded[group] = compact({ tools: [...g.tools], replicas: g.replicas });
  }
  return loaded;
}

/** Tools progressive discovery lists itself (runtime/src/discovery). */
const DISCOVERY_TOOL_NAMES = ['search_tools', 'describe_tool', 'call_tool'] as const;

/** `*` any characters, `?` one, the rest literal: as the runtime's MCP_TOOLS (server/toolsets.ts). */
function globRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
}

/** Every toolset entry names a tool or is a glob matching at least one. */
function checkToolsets(toolsets: NonNullable<RawSpec['toolsets']>, toolNames: string[], location: (pointer: string) => SpecLocation, errors: SpecError[]): void {
  for (const [set, s] of Object.entries(toolsets)) {
    s.tools.forEach((pattern, i) => {
      const glob = /[*?]/.test(pattern);
      const re = glob ? globRegExp(pattern) : undefined;
      if (re ? toolNames.some((n) => re.test(n)) : toolNames.includes(pattern)) return;
      const suggestion = glob ? undefined : closestKey(pattern, toolNames);
      errors.push(
        new SpecError({
          ...location(joinPointer('/toolsets', set, 'tools', String(i))),
          message: glob ? `toolset "${set}": glob "${pattern}" matches no tool` : `toolset "${set}" names unknown tool "${pattern}"`,
          hint: suggestion ? `did you mean "${suggestion}"?` : 'use keys of `tools`, or globs such as repos_* that match some of them',
        }),
      );
    });
  }
}

/** Progressive discovery: its three tools' names are taken, and pinned tools must exist. */
function checkDiscovery(raw: RawSpec, location: (pointer: string) => SpecLocation, errors: SpecError[]): void {
  const toolNames = Object.keys(raw.tools ?? {});
  if (raw.discovery?.mode === 'progressive') {
    for (const taken of DISCOVERY_TOOL_NAMES) {
      if (toolNames.includes(taken)) {
        errors.push(new SpecError({ ...location(joinPointer('/tools', taken)), message: `tool "${taken}" clashes with progressive discovery's own ${taken}`, hint: 'rename the tool (discovery.mode: progressive lists search_tools, describe_tool and call_tool)' }));
      }
    }
  }
  (raw.discovery?.pinned ?? []).forEach((name, i) => {
    if (toolNames.includes(name)) return;
    const suggestion = closestKey(name, toolNames);
    errors.push(new SpecError({ ...location(joinPointer('/discovery/pinned', String(i))), message: `discovery.pinned names unknown tool "${name}"`, hint: suggestion ? `did you mean "${suggestion}"?` : 'use a key of `tools`' }));
  });
}

async function resolveSchema(value: RawSchemaRef, pointer: string, spec: SourceDocument, store: DocumentStore): Promise<LoadedSchema> {
  if (typeof value === 'object') return bundleSchema({ doc: spec, base: pointer }, store);
  // Not `{ ...location, ... }`: spreading would read (locate) line and column now.
  const schemaDoc = await store.load(resolveLocation(value, spec.file), Object.assign(lazyLocation(spec, pointer), { ref: value, kind: 'schema' as const }));
  return bundleSchema({ doc: schemaDoc, base: '' }, store);
}

type Locate = (file: string, pointer: string) => { line: number; column: number };
type SchemaRule = (loaded: LoadedSchema, what: string, spec: SourceDocument, specPointer: string, locate: Locate) => SpecError[];

/** MCP only accepts object schemas for tool input/output and prompt arguments. */
const objectRoot: SchemaRule = (loaded, what, spec, specPointer) => {
  if (loaded.schema.type === 'object') return [];
  const pos = spec.locate(specPointer);
  const inFile = loaded.location.pointer === '' ? ` (${path.basename(loaded.location.file)})` : '';
  const got = loaded.schema.type === undefined ? 'no type' : `type ${JSON.stringify(loaded.schema.type)}`;
  return [
    new SpecError({
      file: spec.file,
      ...pos,
      pointer: specPointer,
      message: `${what}${inFile} must have \`type: object\` at its root, found ${got}`,
      hint: 'MCP requires an object schema here: wrap the value in a property, e.g. { type: object, properties: { value: ... } }',
    }),
  ];
};

/** Prompt arguments travel as strings in MCP: a number or object argument could never arrive. */
const stringProperties: SchemaRule = (loaded, what, _spec, specPointer, locate) => {
  const properties = (loaded.schema.properties ?? {}) as Record<string, { type?: unknown }>;
  return Object.entries(properties)
    .filter(([, s]) => s?.type !== 'string')
    .map(([name, s]) => {
      const pointer = joinPointer(loaded.location.pointer, 'properties', name);
      const pos = locate(loaded.location.file, pointer);
      return new SpecError({
        file: loaded.location.file,
        ...pos,
        pointer,
        message: `${what}: property "${name}" must be \`type: string\`, found ${s?.type === undefined ? 'no type' : JSON.stringify(s.type)}`,
        hint: `MCP prompt arguments are always strings (at ${specPointer}); parse the value in the prompt handler`,
      });
    });
};

/** Drops `undefined` members so loaded objects compare and serialise cleanly. */
function compact<T extends object>(value: T): T {
  for (const key of Object.keys(value) as Array<keyof T>) if (value[key] === undefined) delete value[key];
  return value;
}
