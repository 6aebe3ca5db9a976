/** Spec loading and linting: public API of generators/shared/spec. */
export { loadSpec, type LoadSpecOptions } from './load-spec.js';
export { SpecError, SpecErrors, type SpecErrorInit, type SourceLocation } from './errors.js';
export { lintSpec, sanitiseName, estimateToolsListTokens, arraysWithoutItems, formatLintIssue, type LintIssue, type LintResult, type LintOptions, type LintSeverity } from './lint.js';
export { specSchema, validateSpecDocument, NAME_RULE_HINT } from './validate-spec.js';
export { parseSourceDocument, parsePointer, joinPointer, getAtPointer, type SourceDocument } from './source-document.js';
export { uriTemplateVariables } from './uri-template.js';
export { closestKey, editDistance } from './suggest.js';
export type {
  AuthMode,
  JsonSchemaObject,
  LoadedPrompt,
  LoadedResource,
  LoadedSchema,
  LoadedSpec,
  LoadedTool,
  SpecLocation,
  ToolAnnotations,
  Transport,
} from './types.js';
