/** Reading an OpenAPI 3.0/3.1 description (YAML or JSON) and resolving its internal `$ref`s. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SpecError } from '../shared/spec/errors.js';
import { getAtPointer, parsePointer, parseSourceDocument, type SourceDocument } from '../shared/spec/source-document.js';
import { isObject } from './normalise-schema.js';

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export interface OpenApiDocument {
  file: string;
  source: SourceDocument;
  data: Record<string, unknown>;
  version: '3.0' | '3.1';
  /** Set when the file was converted on import (Swagger 2.0, with swagger2openapi). */
  convertedFrom?: string;
  /** Raises a SpecError at a JSON pointer of the description (file, line, column, pointer). */
  fail(pointer: string, message: string, hint?: string): never;
  error(pointer: string, message: string, hint?: string): SpecError;
  /**
   * Follows `$ref`s (internal only) until a non-ref object: returns it with the pointer it lives
   * at. Used for parameters, request bodies and responses, which are never recursive.
   */
  deref(value: unknown, at: string): { value: Record<string, unknown>; at: string };
}

export async function readOpenApi(file: string): Promise<OpenApiDocument> {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SpecError({
      file: absolute,
      message: code === 'ENOENT' ? 'OpenAPI description not found' : `cannot read the OpenAPI description: ${(error as Error).message}`,
      hint: 'pass the path of an OpenAPI 3.0 or 3.1 file (YAML or JSON)',
    });
  }
  const source = parseSourceDocument(absolute, text);
  const data = source.data as Record<string, unknown> | undefined;
  if (isObject(data) && typeof data.swagger === 'string' && data.swagger.startsWith('2.')) return convertSwagger2(absolute, data);
  // The document just parsed, not a second parse of the text (GitHub: 13 MB, ~0.25 s).
  return openApiDocument(source);
}

/**
 * Swagger 2.0 → OpenAPI 3.0 with swagger2openapi (the converter the OpenAPI tooling ecosystem
 * uses), in memory, before mapping. Pointers in later errors are those of the converted
 * document: the message says so.
 */
async function convertSwagger2(file: string, data: Record<string, unknown>): Promise<OpenApiDocument> {
  const { convertObj } = await import('swagger2openapi');
  let converted: Record<string, unknown>;
  try {
    // patch: fix small known mistakes instead of refusing; no resolution (nothing is fetched).
    converted = (await convertObj(structuredClone(data), { patch: true, warnOnly: true, resolve: false, resolveInternal: false, direct: false })).openapi;
  } catch (error) {
    throw new SpecError({ file, message: `cannot convert this Swagger 2.0 description to OpenAPI 3: ${(error as Error).message}`, hint: 'fix the description, or convert it yourself and import the OpenAPI 3 file' });
  }
  const doc = parseOpenApi(`${file} (converted from Swagger 2.0)`, JSON.stringify(converted));
  return { ...doc, convertedFrom: 'Swagger 2.0' };
}

export function parseOpenApi(file: string, text: string): OpenApiDocument {
  return openApiDocument(parseSourceDocument(file, text));
}

/** An OpenAPI description from its parsed file: checks its version and paths, and gives the helpers that report at a pointer. */
function openApiDocument(source: SourceDocument): OpenApiDocument {
  const { file } = source;
  const error = (pointer: string, message: string, hint?: string) => {
    const pos = pointer === '' ? { line: 1, column: 1 } : source.locate(pointer);
    return new SpecError({ file, ...pos, pointer, message, ...(hint ? { hint } : {}) });
  };
  const fail = (pointer: string, message: string, hint?: string): never => {
    throw error(pointer, message, hint);
  };
  if (!isObject(source.data)) fail('', 'an OpenAPI description must be a map (openapi, info, paths, ...)', 'check that this is an OpenAPI file');
  const data = source.data as Record<string, unknown>;
  if (typeof data.swagger === 'string') {
    fail('/swagger', `Swagger ${data.swagger} (OpenAPI 2) is not supported`, '`mcpforge import openapi <file>` converts it (with swagger2openapi); or convert it to OpenAPI 3 first');
  }
  const declared = data.openapi;
  if (typeof declared !== 'string' || !/^3\.[01]\.\d+/.test(declared)) {
    fail(declared === undefined ? '' : '/openapi', declared === undefined ? 'missing "openapi" version' : `unsupported OpenAPI version ${JSON.stringify(declared)}`, 'mcpforge imports OpenAPI 3.0.x and 3.1.x');
  }
  if (!isObject(data.paths) && !isObject(data.webhooks)) fail('', 'the description has no "paths"', 'add the operations to import under `paths:`');
  const deref = (value: unknown, at: string): { value: Record<string, unknown>; at: string } => {
    const seen = new Set<string>();
    let current = value;
    let where = at;
    while (isObject(current) && typeof current.$ref === 'string') {
      const ref = current.$ref;
      if (!ref.startsWith('#/')) {
        fail(`${where}/$ref`, `unsupported $ref "${ref}": only references inside the description (#/...) are supported`, 'bundle the description into one file first (e.g. `redocly bundle`)');
      }
      if (seen.has(ref)) fail(`${where}/$ref`, `$ref cycle through "${ref}"`, 'break the cycle: a parameter, body or response cannot refer to itself');
      seen.add(ref);
      const target = getAtPointer(data, ref);
      if (target === undefined) {
        const parent = ref.slice(0, ref.lastIndexOf('/'));
        const siblings = getAtPointer(data, parent);
        fail(`${where}/$ref`, `broken $ref "${ref}": nothing at ${ref.slice(1)}`, isObject(siblings) ? `fix the pointer; ${parent.slice(2)} has: ${Object.keys(siblings).slice(0, 10).join(', ')}` : 'fix the pointer or add the definition it names');
      }
      current = target;
      where = parsePointer(ref).reduce((p, s) => `${p}/${s.replace(/~/g, '~0').replace(/\//g, '~1')}`, '');
    }
    if (!isObject(current)) fail(where, `expected an object at ${where}`, 'check the OpenAPI structure here');
    return { value: current as Record<string, unknown>, at: where };
  };
  return { file, source, data, version: (declared as string).startsWith('3.0') ? '3.0' : '3.1', fail, error, deref };
}
