/**
 * `mcpforge import openapi`, planned in memory: the edited spec, the schema files, the handler
 * files and what to remove, plus a report. Nothing here touches the disk except reading the
 * project's own files through `readProjectFile`; the CLI loads, lints and writes the plan.
 */
import { parseDocument, isMap, YAMLMap } from 'yaml';
import { SpecError, throwIfAny } from '../shared/spec/errors.js';
import { Components } from './components.js';
import { DEFAULT_OUTPUT_SCHEMA_LIMIT_KB } from './describe.js';
import { HTTP_METHODS, type HttpMethod, type OpenApiDocument } from './document.js';
import { emitApiConfig, emitOperationHandler, type ApiSettings } from './emit.js';
import { mapOperation, type MappedOperation } from './map-operation.js';
import { escape, isObject } from './normalise-schema.js';
import { envPrefix, methodPathName, NameRegistry, sanitiseToolName, slugify } from './naming.js';
import { setOwn } from '../shared/own-property.js';

export interface ImportOpenApiOptions {
  includeTags?: string[];
  includeOps?: string[];
  excludeOps?: string[];
  baseUrl?: string;
  /** Refuse to import more tools than this (large APIs overflow client contexts). */
  maxTools?: number;
  /** Short name of the API: schema folder, config module and environment prefix. */
  name?: string;
  /**
   * Largest output schema kept, in KiB of JSON as tools/list advertises it (nested descriptions
   * and examples left out: advertised-schema.ts) with every definition it reaches (default 3).
   * A bigger response is returned as JSON text without an output schema: each output schema is
   * embedded in tools/list, a validator and a types file, and the largest APIs would otherwise
   * cost clients millions of tokens (GitHub: ~2M) and the project minutes to type-check.
   * 0 drops every output schema; Infinity keeps them all.
   */
  outputSchemaLimitKb?: number;
  /** Characters per parameter/property description (whole sentences; describe.ts). Default 200; 0: no budget. */
  descriptionBudget?: number;
  /** All-or-nothing: an operation or schema construct that cannot be imported fails the import. */
  strict?: boolean;
  /** Upstream responses that fail their output schema: warn (default) or strict (see client.ts). */
  outputValidation?: 'warn' | 'strict';
}

export interface ImportPlan {
  /** The new spec text (comments and formatting of the existing spec kept). */
  specText: string;
  /** What `specText` parses to (a large import's generation starts from it, see spec-in-worker.ts). */
  specData: unknown;
  /** Written on every import: the schema files under schemas/<api>/. */
  files: Map<string, string>;
  /** What each of `files` was made from (its text is the JSON of it): the loader need not parse it again. */
  fileData: Map<string, unknown>;
  /**
   * The paths of `files` not on the disk when planned: written in place rather than through a
   * temporary file (see `writeFiles`), as generated files are, since every import rewrites them.
   */
  newFiles: Set<string>;
  /** Created only when missing: handlers, src/upstream/client.ts and the API config. */
  userFiles: Map<string, string>;
  /** Stale schema files of a previous import of the same API. */
  remove: string[];
  report: ImportReport;
}

export interface ImportReport {
  api: string;
  slug: string;
  version: '3.0' | '3.1';
  operations: number;
  tools: Array<{ name: string; method: string; path: string; operationId?: string }>;
  skipped: Array<{ operation: string; reason: string }>;
  /** Tools of a previous import of this API that are gone (their handler files are kept). */
  removedTools: string[];
  /** Renames (collisions) and parts of operations that could not be mapped. */
  notes: string[];
  /** Schema constructs relaxed or dropped per schema (tool: pointer: what is not checked). */
  degraded: string[];
  components: number;
  /** Tools whose output schema was left out for size (see outputSchemaLimitKb). */
  droppedOutputs: number;
  env: string[];
}

export interface PlanImportInput {
  doc: OpenApiDocument;
  /** Current spec text (YAML). */
  specText: string;
  /** Reads a project file (relative path), undefined when missing. */
  readProjectFile: (path: string) => string | undefined;
  /** Lists project files under a folder (relative paths). */
  listProjectFiles: (dir: string) => string[];
  /** Source of src/upstream/client.ts (templates/openapi/client.ts), written when missing. */
  clientSource: string;
  options?: ImportOpenApiOptions;
}

export function planOpenApiImport({ doc, specText, readProjectFile, listProjectFiles, clientSource, options = {} }: PlanImportInput): ImportPlan {
  const info = isObject(doc.data.info) ? doc.data.info : {};
  const title = typeof info.title === 'string' && info.title.trim() ? info.title.trim() : 'the API';
  const slug = slugify(options.name ?? title);
  const schemaDir = `schemas/${slug}`;
  const spec = parseDocument(specText);
  if (!isMap(spec.contents)) throw new SpecError({ file: 'mcpforge.yaml', message: 'the spec must be a map', hint: 'run the import in a project made by `mcpforge new`' });
  let tools = spec.get('tools');
  if (!isMap(tools)) {
    tools = spec.createNode({}) as YAMLMap;
    spec.set('tools', tools);
  }
  const toolMap = tools as YAMLMap;
  // `tools: {}` would keep the flow style and put every imported tool on one line.
  toolMap.flow = false;

  // Tools of a previous import of this API (their schemas live in its folder) are replaced.
  const previous = new Set<string>();
  const others: string[] = [];
  for (const pair of toolMap.items) {
    const name = String((pair.key as { value?: unknown })?.value ?? pair.key);
    const input = isMap(pair.value) ? pair.value.get('input') : undefined;
    if (typeof input === 'string' && input.startsWith(`${schemaDir}/`)) previous.add(name);
    else others.push(name);
  }
  for (const name of previous) toolMap.delete(name);
  const names = new NameRegistry(others);

  const operations = collectOperations(doc);
  const include = new Set(options.includeOps ?? []);
  const exclude = new Set(options.excludeOps ?? []);
  const tags = new Set(options.includeTags ?? []);
  const components = new Components(doc, options.descriptionBudget);
  const mapped: Array<{ name: string; op: MappedOperation }> = [];
  const skipped: ImportReport['skipped'] = [];
  const errors: SpecError[] = [];
  const unmappable: SpecError[] = [];
  const notes: string[] = [];
  for (const entry of operations) {
    const id = typeof entry.operation.operationId === 'string' ? entry.operation.operationId : undefined;
    const label = `${entry.method.toUpperCase()} ${entry.path}${id ? ` (${id})` : ''}`;
    const wanted = id ? sanitiseToolName(id) : methodPathName(entry.method, entry.path);
    const matches = (set: Set<string>) => (id !== undefined && set.has(id)) || set.has(wanted);
    if (include.size > 0 && !matches(include)) continue;
    if (exclude.size > 0 && matches(exclude)) continue;
    if (tags.size > 0) {
      const opTags = Array.isArray(entry.operation.tags) ? entry.operation.tags : [];
      if (!opTags.some((t) => tags.has(String(t)))) continue;
    }
    try {
      components.operationKey = `op:${entry.pointer}`;
      const op = mapOperation(doc, components, entry);
      const name = names.claim(wanted);
      if (name !== wanted) notes.push(`${label}: tool name "${name}" (wanted "${wanted}", taken or too long)`);
      for (const note of op.notes) notes.push(`${name}: ${note}`);
      mapped.push({ name, op });
    } catch (error) {
      if (!(error instanceof SpecError)) throw error;
      // Degrade per operation, never per document: the tool is skipped with the reason, the rest
      // imports. --strict keeps all-or-nothing.
      if (options.strict) errors.push(error);
      else {
        skipped.push({ operation: label, reason: error.message });
        unmappable.push(error);
      }
    }
  }
  throwIfAny(errors);
  // Nothing could be imported at all: the reasons are the error, not "nothing matched".
  if (mapped.length === 0) throwIfAny(unmappable);
  // Constructs relaxed for a schema (not for the document): the report says where and what, and
  // each affected tool's description says what the server no longer checks.
  const degraded: string[] = [];
  for (const { name, op } of mapped) {
    const list = components.degradationsOf([op.input, op.output], `op:${op.pointer}`);
    if (list.length === 0) continue;
    for (const d of list) degraded.push(`${name}: ${d}`);
    op.description = `${op.description}\n\nNote: this server cannot check ${list.length === 1 ? 'one constraint' : `${list.length} constraints`} of the API's schema (${list.map((d) => d.replace(/^[^:]*: /, '')).join('; ').slice(0, 300)}); every other constraint is validated.`;
  }
  if (options.strict && degraded.length > 0) {
    throw new SpecError({ file: doc.file, message: `--strict: ${degraded.length} schema constructs cannot be compiled:\n  ${degraded.join('\n  ')}`, hint: 'fix them in the description, or import without --strict to relax them per schema' });
  }
  for (const id of [...include].filter((i) => !operations.some((o) => o.operation.operationId === i || sanitiseToolName(String(o.operation.operationId ?? '')) === i))) {
    skipped.push({ operation: id, reason: 'no operation with this operationId (--include-ops)' });
  }
  if (mapped.length === 0) {
    throw new SpecError({ file: doc.file, message: 'no operation matched: nothing to import', hint: 'check --include-tags / --include-ops / --exclude-ops against the description' });
  }
  if (options.maxTools !== undefined && mapped.length > options.maxTools) {
    throw new SpecError({
      file: doc.file,
      message: `${mapped.length} operations would become tools, more than --max-tools ${options.maxTools}`,
      hint: 'narrow the import with --include-tags or --include-ops, or raise --max-tools (every tool costs tokens in each client)',
    });
  }

  // Directions last: every definition is known, so read-only/write-only variants are complete.
  const files = new Map<string, string>();
  const fileData = new Map<string, unknown>();
  const addJson = (path: string, value: unknown) => {
    files.set(path, JSON.stringify(value, null, 2) + '\n');
    fileData.set(path, value);
  };
  const limit = (options.outputSchemaLimitKb ?? DEFAULT_OUTPUT_SCHEMA_LIMIT_KB) * 1024;
  let droppedOutputs = 0;
  for (const { name, op } of mapped) {
    if (op.output && components.closureSize(op.output) > limit) {
      delete op.output;
      op.outputMode = 'text';
      droppedOutputs++;
    }
  }
  if (droppedOutputs > 0) notes.unshift(`${droppedOutputs} output schemas larger than ${limit / 1024} KiB left out: those tools return the JSON as text (--output-schema-limit)`);
  for (const { name, op } of mapped) {
    const input = components.forDirection(op.input, 'input') as { properties: Record<string, unknown> };
    addJson(`${schemaDir}/${name}.input.json`, input);
    // Read-only body fields left the input: the handler need not map them.
    if (op.body?.fields) op.body.fields = Object.fromEntries(Object.entries(op.body.fields).filter(([arg]) => arg in input.properties));
    if (op.output) addJson(`${schemaDir}/${name}.output.json`, components.forDirection(op.output, 'output'));
    const entry: Record<string, unknown> = {};
    if (op.title) entry.title = op.title;
    entry.description = op.description;
    entry.input = `${schemaDir}/${name}.input.json`;
    if (op.output) entry.output = `${schemaDir}/${name}.output.json`;
    entry.annotations = op.annotations;
    const node = spec.createNode(entry) as YAMLMap;
    const annotations = node.get('annotations');
    if (isMap(annotations)) annotations.flow = true;
    toolMap.set(name, node);
  }
  addJson(`${schemaDir}/components.json`, components.file());

  const api: ApiSettings = {
    slug,
    title,
    envPrefix: envPrefix(slug),
    defaultBaseUrl: options.baseUrl ?? defaultServer(doc),
    securitySchemes: securitySchemes(doc, envPrefix(slug), notes),
    outputValidation: options.outputValidation ?? 'warn',
  };
  const userFiles = new Map<string, string>();
  const addUser = (path: string, text: string) => {
    if (readProjectFile(path) === undefined) userFiles.set(path, text);
  };
  addUser('src/upstream/client.ts', clientSource);
  addUser(`src/upstream/${slug}.ts`, emitApiConfig(api));
  for (const { name, op } of mapped) addUser(`src/tools/${name}.ts`, emitOperationHandler(name, op, api));

  const existing = new Set(listProjectFiles(schemaDir));
  const remove = [...existing].filter((f) => !files.has(f));
  const env = [`${api.envPrefix}_BASE_URL`, `${api.envPrefix}_TIMEOUT_MS`, `${api.envPrefix}_OUTPUT_VALIDATION`, ...Object.values(api.securitySchemes).flatMap((s) => [s.env, s.usernameEnv, s.passwordEnv].filter((e): e is string => Boolean(e)))];
  const kept = new Set(mapped.map((m) => m.name));
  return {
    specText: spec.toString({ lineWidth: 120 }),
    specData: spec.toJS({ maxAliasCount: 100 }),
    files,
    fileData,
    newFiles: new Set([...files.keys()].filter((f) => !existing.has(f))),
    userFiles,
    remove,
    report: {
      api: title,
      slug,
      version: doc.version,
      operations: operations.length,
      tools: mapped.map(({ name, op }) => ({ name, method: op.method.toUpperCase(), path: op.path, ...(op.operationId ? { operationId: op.operationId } : {}) })),
      skipped,
      removedTools: [...previous].filter((n) => !kept.has(n)),
      notes,
      degraded,
      components: components.defs.size,
      droppedOutputs,
      env,
    },
  };
}

interface CollectedOperation {
  method: HttpMethod;
  path: string;
  pointer: string;
  operation: Record<string, unknown>;
  pathItem: Record<string, unknown>;
}

function collectOperations(doc: OpenApiDocument): CollectedOperation[] {
  const out: CollectedOperation[] = [];
  const paths = isObject(doc.data.paths) ? doc.data.paths : {};
  for (const [path, rawItem] of Object.entries(paths)) {
    const itemAt = `/paths/${escape(path)}`;
    if (!path.startsWith('/')) doc.fail(itemAt, `path "${path}" must start with "/"`, 'write paths as /pets/{id}');
    const { value: pathItem } = doc.deref(rawItem, itemAt);
    for (const method of HTTP_METHODS) {
      const operation = pathItem[method];
      if (operation === undefined) continue;
      if (!isObject(operation)) doc.fail(`${itemAt}/${method}`, `the ${method.toUpperCase()} operation must be a map`);
      out.push({ method, path, pointer: `${itemAt}/${method}`, operation: operation as Record<string, unknown>, pathItem });
    }
  }
  return out;
}

/** `servers[0].url` with its variables' defaults; relative URLs are kept relative to nothing (set the env var). */
function defaultServer(doc: OpenApiDocument): string {
  const server = Array.isArray(doc.data.servers) && isObject(doc.data.servers[0]) ? doc.data.servers[0] : undefined;
  if (!server || typeof server.url !== 'string') return 'http://localhost';
  const variables = isObject(server.variables) ? server.variables : {};
  return server.url.replace(/\{([^}]+)\}/g, (whole, name: string) => {
    const v = variables[name];
    return isObject(v) && v.default !== undefined ? String(v.default) : whole;
  });
}

function securitySchemes(doc: OpenApiDocument, prefix: string, notes: string[]): Record<string, Record<string, string>> {
  const components = isObject(doc.data.components) ? doc.data.components : {};
  const schemes = isObject(components.securitySchemes) ? components.securitySchemes : {};
  const out: Record<string, Record<string, string>> = {};
  const envName = (name: string) => `${prefix}_${name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase().replace(/[^A-Z0-9]+/g, '_').replace(/^_|_$/g, '')}`;
  for (const [name, raw] of Object.entries(schemes)) {
    const { value: s } = doc.deref(raw, `/components/securitySchemes/${escape(name)}`);
    if (s.type === 'apiKey' && typeof s.name === 'string' && (s.in === 'header' || s.in === 'query' || s.in === 'cookie')) {
      setOwn(out, name, { type: 'apiKey', in: s.in, name: s.name, env: envName(name) });
    } else if (s.type === 'http' && typeof s.scheme === 'string' && s.scheme.toLowerCase() === 'basic') {
      setOwn(out, name, { type: 'basic', usernameEnv: `${envName(name)}_USERNAME`, passwordEnv: `${envName(name)}_PASSWORD` });
    } else if ((s.type === 'http' && String(s.scheme).toLowerCase() === 'bearer') || s.type === 'oauth2' || s.type === 'openIdConnect') {
      setOwn(out, name, { type: 'bearer', env: envName(name) });
      if (s.type !== 'http') notes.push(`security scheme "${name}" (${String(s.type)}): send a token obtained elsewhere in ${envName(name)} (no OAuth flow is run)`);
    } else notes.push(`security scheme "${name}" (${String(s.type)}${s.scheme ? ` ${String(s.scheme)}` : ''}) is not supported: add it to src/upstream/client.ts`);
  }
  // Many descriptions (GitHub's among them) declare no scheme although a token raises limits or is
  // needed: offer an optional bearer token.
  if (Object.keys(schemes).length === 0) out.token = { type: 'bearer', env: `${prefix}_TOKEN` };
  return out;
}
