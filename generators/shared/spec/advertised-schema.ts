/**
 * What `tools/list` advertises of a tool's output schema. Model APIs (Claude's and OpenAI's tool
 * definitions among them) have no field for an output schema, so clients do not show it to the
 * model: they use it only to check `structuredContent`. Below the root, its `description`,
 * `title`, `examples` and `$comment` are then bytes every client downloads and no one reads — on
 * an imported API about a third of an output schema (GitHub's: 0.64 of 1.44 MB). With
 * `clients.outputSchemaDocs: root` (the default) those annotations are kept on the root only; the
 * result accepts exactly the same documents (annotations do not validate), the server validates
 * against the same rules, and the generated types keep every description as doc comments.
 */
import { rewriteAnnotations } from './schema-annotations.js';
import type { JsonSchemaObject } from './types.js';

export type OutputSchemaDocs = 'root' | 'full';

export function advertisedOutputSchema(schema: JsonSchemaObject, docs: OutputSchemaDocs = 'root'): JsonSchemaObject {
  if (docs === 'full') return schema;
  return rewriteAnnotations(schema, (_keyword, value, root) => (root ? value : undefined));
}
