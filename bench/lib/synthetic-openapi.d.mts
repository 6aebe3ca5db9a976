/** See synthetic-openapi.mjs: a deterministic synthetic OpenAPI 3.0 description with `operations` operations. */
export function syntheticOpenApi(operations: number): Record<string, unknown>;
