/**
 * Swagger 2.0 descriptions are converted on import (swagger2openapi) instead of refused: the
 * tools get their parameters, bodies, server URL and security, and the project type-checks.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProjectTypeChecker } from '../helpers/typecheck.js';
import { TOOLKIT_ROOT } from '../helpers/toolkit.js';
import { importInMemory } from './import-project.js';

const ROOT = join(TOOLKIT_ROOT, '.tmp', 'import-swagger2');
const SWAGGER = {
  swagger: '2.0',
  info: { title: 'Old Pets', version: '1.0.0' },
  host: 'pets.example.com',
  basePath: '/v1',
  schemes: ['https'],
  consumes: ['application/json'],
  produces: ['application/json'],
  securityDefinitions: { key: { type: 'apiKey', in: 'header', name: 'X-Key' } },
  security: [{ key: [] }],
  paths: {
    '/pets/{id}': {
      get: {
        operationId: 'getPet',
        parameters: [{ name: 'id', in: 'path', required: true, type: 'integer', minimum: 1 }, { name: 'fields', in: 'query', type: 'array', items: { type: 'string' }, collectionFormat: 'csv' }],
        responses: { 200: { description: 'ok', schema: { $ref: '#/definitions/Pet' } } },
      },
    },
    '/pets': {
      post: { operationId: 'addPet', parameters: [{ name: 'pet', in: 'body', required: true, schema: { $ref: '#/definitions/Pet' } }], responses: { 201: { description: 'created', schema: { $ref: '#/definitions/Pet' } } } },
    },
  },
  definitions: { Pet: { type: 'object', required: ['name'], properties: { id: { type: 'integer', readOnly: true }, name: { type: 'string', maxLength: 40 } } } },
};

describe('import openapi: Swagger 2.0', () => {
  it('converts with swagger2openapi and imports every operation', async () => {
    const imported = await importInMemory(join(ROOT, 'project'), JSON.stringify(SWAGGER));
    expect(imported.report.version).toBe('3.0');
    expect(imported.report.tools.map((t) => [t.name, t.method, t.path])).toEqual([['getPet', 'GET', '/pets/{id}'], ['addPet', 'POST', '/pets']]);
    const input = JSON.parse(imported.files.get('schemas/old-pets/getPet.input.json')!) as { properties: Record<string, unknown>; required: string[] };
    expect(input.properties.id).toMatchObject({ type: 'integer', minimum: 1 });
    expect(input.required).toEqual(['id']);
    expect(imported.files.get('src/upstream/old-pets.ts')).toContain("defaultBaseUrl: 'https://pets.example.com/v1'");
    expect(imported.files.get('src/upstream/old-pets.ts')).toContain("key: { type: 'apiKey', in: 'header', name: 'X-Key', env: 'OLD_PETS_KEY' }");
    const addPet = JSON.parse(imported.files.get('schemas/old-pets/addPet.input.json')!) as { properties: Record<string, unknown> };
    expect(Object.keys(addPet.properties)).toEqual(['name']); // the read-only id left the input
    const checker = new ProjectTypeChecker(join(ROOT, 'project'));
    checker.setFiles(imported.files);
    expect(checker.check()).toEqual([]);
  }, 300_000);
});
