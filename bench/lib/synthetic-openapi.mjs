// A synthetic OpenAPI 3.0 description of any size, deterministic for a given count: the shapes
// that made large real imports fail on their own output (names with a digit before lowercase
// letters, ids differing only in case or punctuation, operations without operationId, shared
// and recursive component schemas, query/header/path parameters, JSON and form bodies).
// Used by test/import/large-import.test.ts (2,000 operations) and bench/import-large.mjs (10,000).

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const WORDS = ['user', 'mt4username', 'v2beta', 'repo', 'item', 'order', 'x509cert', 'oauth2token', 'page', 'file'];

/** @param {number} operations @returns {Record<string, unknown>} */
export function syntheticOpenApi(operations) {
  const schemas = {};
  const componentCount = Math.max(5, Math.ceil(operations / 20));
  for (let c = 0; c < componentCount; c++) {
    schemas[`Model${c}`] = {
      type: 'object',
      description: `Model ${c}.`,
      required: ['id'],
      properties: {
        id: { type: 'integer', minimum: 1 },
        name: { type: 'string', maxLength: 200 },
        status: { type: 'string', enum: ['active', 'archived', `s${c}x`] },
        tags: { type: 'array', items: { type: 'string' } },
        // Chains of at most 10 (a 500-deep chain of refs overflows ajv's compiler: see bench notes).
        ...(c % 10 !== 0 ? { parent: { $ref: `#/components/schemas/Model${c - 1}` } } : {}),
        ...(c === 0 ? { children: { type: 'array', items: { $ref: '#/components/schemas/Model0' } } } : {}),
      },
    };
  }
  const paths = {};
  for (let i = 0; i < operations; i++) {
    const word = WORDS[i % WORDS.length];
    const path = `/v${1 + (i % 3)}/${word}s${Math.floor(i / METHODS.length)}/{id}`;
    const method = METHODS[i % METHODS.length];
    const model = { $ref: `#/components/schemas/Model${i % componentCount}` };
    /** @type {Record<string, unknown>} */
    const operation = {
      summary: `${method} ${word} ${i}`,
      tags: [word],
      parameters: [
        { name: 'id', in: 'path', required: true, schema: { type: 'integer' } },
        { name: 'page_size', in: 'query', schema: { type: 'integer', maximum: 100 } },
        { name: 'X-Request-Tag', in: 'header', schema: { type: 'string' } },
      ],
      responses: { 200: { description: 'OK', content: { 'application/json': { schema: model } } }, 404: { description: 'Not found' } },
    };
    // Ids that collide after case/punctuation folding, digit+lowercase names, and no id at all.
    if (i % 7 !== 3) operation.operationId = i % 11 === 5 ? `${method}_${word}${Math.floor(i / METHODS.length)}_${i}` : `${method}${word[0].toUpperCase()}${word.slice(1)}${Math.floor(i / METHODS.length)}v${i}x`;
    if (method !== 'get' && method !== 'delete') {
      operation.requestBody = i % 4 === 0
        ? { content: { 'application/x-www-form-urlencoded': { schema: { type: 'object', properties: { note: { type: 'string' } } } } } }
        : { required: true, content: { 'application/json': { schema: model } } };
    }
    paths[path] = { ...(paths[path] ?? {}), [method]: operation };
  }
  return {
    openapi: '3.0.3',
    info: { title: `Synthetic ${operations}`, version: '1.0.0' },
    servers: [{ url: 'https://api.example.com/base' }],
    paths,
    components: { schemas, securitySchemes: { key: { type: 'apiKey', in: 'header', name: 'X-Api-Key' } } },
    security: [{ key: [] }],
  };
}
