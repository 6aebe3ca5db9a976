/**
 * What generator-mcpforge (the `yo mcpforge` package) takes from mcpforge, exported as
 * `mcpforge/yeoman`: the app generator `mcpforge new` runs, and the context it needs (where the
 * toolkit is, how the project depends on the runtime), decided exactly as `new` decides it.
 */
import { join } from 'node:path';
import type { PlanContext } from '../generators/app/plan.js';
import { projectDependencies } from './project-dependencies.js';
import { parseRuntimeSource } from './runtime-source.js';
import { toolkitRoot } from './toolkit.js';

export function appGeneratorPath(): string {
  return join(toolkitRoot(), 'dist', 'generators', 'app', 'index.js');
}

export async function newProjectContext(options: { runtimeSource?: string } = {}): Promise<Omit<PlanContext, 'projectDir'>> {
  const toolkit = toolkitRoot();
  return { toolkitRoot: toolkit, ...(await projectDependencies(toolkit, parseRuntimeSource(options.runtimeSource))) };
}
