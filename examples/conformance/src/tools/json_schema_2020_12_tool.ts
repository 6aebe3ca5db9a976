import { defineTool } from '../generated/registry.js';

// The conformance suite only checks that this tool's input schema is listed unchanged ($schema, $defs, additionalProperties).
export default defineTool('json_schema_2020_12_tool', (input) => `Hello ${input.name ?? 'there'}${input.address?.city ? ` from ${input.address.city}` : ''}`);
