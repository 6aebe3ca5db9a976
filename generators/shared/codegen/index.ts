/** Code generation: public API of generators/shared/codegen. */
export { generateProject, type GenerateOptions, type GeneratedProject } from './generate-project.js';
export { contentHash, entryKey, sha256, generatorFingerprint } from './content-hash.js';
export { emitRetiredTypes, type RetiredEntry } from './emit-retired.js';
export { generatedHeader, isGenerated } from './header.js';
export { pascalCase, typeNames, propertyKey, paths, type TypeNames } from './naming.js';
export { emitTypes, emitParamsType } from './emit-types.js';
export { ValidatorCompiler, VALIDATOR_MODULES_DTS } from './emit-validators.js';
export { emitManifest, promptArguments } from './emit-manifest.js';
export { emitRegistry } from './emit-registry.js';
export { emitHandlers } from './emit-handlers.js';
export { emitToolStub, emitResourceStub, emitPromptStub, emitDatabaseStub } from './emit-stubs.js';
export { formatTypeScript, PRETTIER_OPTIONS } from './format.js';
