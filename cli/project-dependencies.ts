/**
 * How a new project depends on the two mcpforge packages (@mcpforge/runtime, and mcpforge itself
 * for `npm run generate`/`check`): by a semver range when the registry has a compatible version,
 * else by the tarballs copied into vendor/ (see runtime-source.ts for the decision).
 */
import type { PlanContext } from '../generators/app/plan.js';
import { packRuntime, packToolkit, RUNTIME_PACKAGE, runtimeVersion } from './runtime-package.js';
import { decideSource, lookUp, type Lookup, type RuntimeSourceChoice } from './runtime-source.js';
import { toolkitVersion } from './toolkit.js';

export type Dependency = NonNullable<PlanContext['cli']>;

export interface ProjectDependencies {
  runtime: Dependency;
  cli: Dependency;
}

export async function projectDependencies(
  toolkit: string,
  choice: RuntimeSourceChoice,
  lookup: (name: string, range: string) => Promise<Lookup> = lookUp,
): Promise<ProjectDependencies> {
  const packages = [
    { name: RUNTIME_PACKAGE, range: `^${runtimeVersion(toolkit)}`, pack: () => packRuntime(toolkit) },
    { name: 'mcpforge', range: `^${toolkitVersion()}`, pack: () => packToolkit(toolkit) },
  ];
  const [runtime, cli] = await Promise.all(
    packages.map(async ({ name, range, pack }): Promise<Dependency> => {
      const found = choice === 'auto' ? await lookup(name, range) : undefined;
      const decision = decideSource(name, range, choice, found);
      if (decision.source === 'registry') return { spec: range, reason: decision.reason };
      return { ...(await pack()), reason: decision.reason };
    }),
  );
  return { runtime, cli };
}
