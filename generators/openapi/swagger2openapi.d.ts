/** The part of swagger2openapi (no bundled types) that the importer uses. */
declare module 'swagger2openapi' {
  export function convertObj(swagger: object, options: Record<string, unknown>): Promise<{ openapi: Record<string, unknown> }>;
}
