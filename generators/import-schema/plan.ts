/**
 * `mcpforge import schema <file>... [--as tool|resource]`: each JSON Schema file (draft-07 or
 * 2020-12) becomes a tool input (or a resource's data schema) in the spec. Files inside the
 * project are referenced where they are; files outside are copied into schemas/.
 */
import path from 'node:path';
import { parseDocument, isMap, type YAMLMap } from 'yaml';
import { SpecError, throwIfAny } from '../shared/spec/errors.js';
import { parseSourceDocument } from '../shared/spec/source-document.js';
import { NameRegistry, sanitiseToolName } from '../openapi/naming.js';

export interface SchemaImportPlan {
  specText: string;
  /** Schema files copied into the project (relative path → text). */
  files: Map<string, string>;
  entries: Array<{ name: string; kind: 'tool' | 'resource'; schema: string }>;
}

export interface SchemaImportInput {
  /** Absolute project root (the spec's folder). */
  root: string;
  specText: string;
  /** Absolute schema paths with their text. */
  schemas: Array<{ file: string; text: string }>;
  as: 'tool' | 'resource';
}

export function planSchemaImport({ root, specText, schemas, as }: SchemaImportInput): SchemaImportPlan {
  const spec = parseDocument(specText);
  const section = as === 'tool' ? 'tools' : 'resources';
  let map = spec.get(section);
  if (!isMap(map)) {
    map = spec.createNode({}) as YAMLMap;
    spec.set(section, map);
  }
  const target = map as YAMLMap;
  target.flow = false;
  const existing = target.items.map((pair) => String((pair.key as { value?: unknown })?.value ?? pair.key));
  const names = new NameRegistry(existing);
  const files = new Map<string, string>();
  const entries: SchemaImportPlan['entries'] = [];
  const errors: SpecError[] = [];
  for (const { file, text } of schemas) {
    let data: unknown;
    try {
      data = parseSourceDocument(file, text).data;
    } catch (error) {
      if (error instanceof SpecError) errors.push(error);
      else throw error;
      continue;
    }
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
      errors.push(new SpecError({ file, line: 1, column: 1, message: 'not a JSON Schema object', hint: 'a schema file holds one object such as { "type": "object", "properties": {...} }' }));
      continue;
    }
    const schema = data as Record<string, unknown>;
    if (as === 'tool' && schema.type !== 'object') {
      errors.push(new SpecError({ file, line: 1, column: 1, pointer: '/type', message: `a tool input must have "type": "object" at its root, found ${schema.type === undefined ? 'no type' : JSON.stringify(schema.type)}`, hint: 'wrap the value in a property, or import it with --as resource' }));
      continue;
    }
    const base = path.basename(file).replace(/(\.schema)?\.(json|ya?ml)$/i, '').replace(/\.input$/, '');
    const wanted = sanitiseToolName(typeof schema.title === 'string' && schema.title.trim() ? schema.title.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase() : base);
    if (existing.includes(wanted)) {
      errors.push(new SpecError({ file, message: `the spec already has a ${as} named "${wanted}"`, hint: `change the schema's title or the file name, or remove the ${as} from the spec first` }));
      continue;
    }
    const name = names.claim(wanted);
    const rel = path.relative(root, file).split(path.sep).join('/');
    let ref = rel;
    if (rel.startsWith('..') || path.isAbsolute(rel)) {
      ref = `schemas/${path.basename(file)}`;
      if (files.has(ref)) ref = `schemas/${name}.${path.basename(file)}`;
      files.set(ref, text);
    }
    const description = typeof schema.description === 'string' && schema.description.trim() ? schema.description.trim() : `${schema.title ?? name} (imported from ${path.basename(file)}; describe what it does).`;
    const entry: Record<string, unknown> =
      as === 'tool'
        ? { ...(typeof schema.title === 'string' ? { title: schema.title } : {}), description, input: ref }
        : { uri: `schema://${name}`, description, mimeType: 'application/json', schema: ref };
    target.set(name, spec.createNode(entry));
    entries.push({ name, kind: as, schema: ref });
  }
  throwIfAny(errors);
  return { specText: spec.toString({ lineWidth: 120 }), files, entries };
}
