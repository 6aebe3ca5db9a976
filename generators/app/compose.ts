/**
 * Composes the user-owned starting files of a new project: the spec, its schemas and the example
 * handlers, from templates/examples/<name>/. Pure apart from reading the templates.
 */
import { readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { parse, stringify } from 'yaml';
import { listFiles } from '../shared/tree/list-files.js';
import type { NewAnswers, ExampleName } from './options.js';
import { EXAMPLES } from './options.js';

export type FileMap = Map<string, string | Buffer>;

interface SpecShape {
  name?: string;
  version?: string;
  description?: string;
  layout?: string;
  transports?: string[];
  tools?: Record<string, unknown>;
  resources?: Record<string, unknown>;
  prompts?: Record<string, unknown>;
  auth?: { mode: string };
  [key: string]: unknown;
}

/** Posix-style relative path: file maps are keyed the same on every platform. */
export function posixRelative(from: string, to: string): string {
  return relative(from, to).split(sep).join('/');
}

const ALL_DESCRIPTION = 'Notes in SQLite, weather forecasts from an HTTP API and sandboxed file access: the mcpforge examples.';

const NONE_SPEC: SpecShape = {
  tools: {
    hello: {
      title: 'Say hello',
      description: 'Greets someone by name. Replace this tool with your own.',
      input: {
        type: 'object',
        properties: { name: { type: 'string', minLength: 1, description: 'Who to greet.' } },
        required: ['name'],
        additionalProperties: false,
      },
    },
  },
};

export interface ComposedProject {
  spec: SpecShape;
  files: FileMap;
}

export async function composeExamples(templatesDir: string, answers: NewAnswers): Promise<ComposedProject> {
  const chosen: readonly ExampleName[] =
    answers.example === 'all' ? EXAMPLES : answers.example === 'none' ? [] : [answers.example];
  const files: FileMap = new Map();
  const spec: SpecShape = { tools: {}, resources: {}, prompts: {} };
  let description = chosen.length === 1 ? '' : ALL_DESCRIPTION;
  for (const example of chosen) {
    const root = join(templatesDir, 'examples', example);
    for (const file of await listFiles(root)) {
      const rel = posixRelative(root, file);
      if (rel === 'mcpforge.yaml') {
        const part = parse(await readFile(file, 'utf8')) as SpecShape;
        if (chosen.length === 1) description = part.description ?? '';
        for (const section of ['tools', 'resources', 'prompts'] as const) {
          Object.assign(spec[section] as object, part[section] ?? {});
        }
        continue;
      }
      if (files.has(rel)) throw new Error(`examples collide on ${rel}: give example files distinct names`);
      files.set(rel, await readFile(file));
    }
  }
  if (chosen.length === 0) {
    Object.assign(spec, structuredClone(NONE_SPEC));
    description = 'An MCP server built with mcpforge.';
  }
  return { spec: finishSpec(spec, answers, description), files };
}

function finishSpec(body: SpecShape, answers: NewAnswers, description: string): SpecShape {
  const spec: SpecShape = {
    name: answers.name,
    version: '0.1.0',
    description,
    layout: 'dev',
    transports: answers.transports,
  };
  for (const section of ['tools', 'resources', 'prompts'] as const) {
    const entries = body[section];
    if (entries && Object.keys(entries).length > 0) spec[section] = entries;
  }
  // `new --auth`: scopes are the user's to add per tool (see docs/security.md).
  if (answers.auth && answers.auth !== 'none') spec.auth = { mode: answers.auth };
  return spec;
}

export const SPEC_SCHEMA_PATH = '.mcpforge/mcpforge.schema.json';

export function renderSpec(spec: SpecShape): string {
  const header = [
    `# yaml-language-server: $schema=./${SPEC_SCHEMA_PATH}`,
    '# The source of truth for this MCP server: edit it, then run `mcpforge generate`.',
    '',
  ].join('\n');
  return header + stringify(spec, { lineWidth: 120 });
}
