/** `mcpforge import openapi`: public API of generators/openapi. */
export { readOpenApi, parseOpenApi, HTTP_METHODS, type OpenApiDocument, type HttpMethod } from './document.js';
export { planOpenApiImport, type ImportOpenApiOptions, type ImportPlan, type ImportReport, type PlanImportInput } from './plan-import.js';
export { mapOperation, type MappedOperation, type ParamBinding, type BodyBinding } from './map-operation.js';
export { normaliseSchema, type NormaliseContext } from './normalise-schema.js';
export { Components } from './components.js';
export { NameRegistry, sanitiseToolName, sanitisePropertyName, slugify, envPrefix, MAX_TOOL_NAME } from './naming.js';
