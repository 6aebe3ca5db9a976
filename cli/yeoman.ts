/** Runs one of our Yeoman generators programmatically through yeoman-environment. */
import { join } from 'node:path';
import { createEnv } from 'yeoman-environment';
import { toolkitRoot } from './toolkit.js';

export async function runGenerator<O extends object>(
  name: 'app' | 'upgrade',
  cwd: string,
  options: O & { force?: boolean },
): Promise<O> {
  // Generators load as compiled JS: Node 20 cannot strip types at run time.
  const env = createEnv({ cwd, skipInstall: true, force: options.force ?? false, yes: true } as Parameters<typeof createEnv>[0]);
  const namespace = `mcpforge:${name}`;
  env.register(join(toolkitRoot(), 'dist', 'generators', name, 'index.js'), { namespace });
  const generatorOptions = { ...options, destinationRoot: cwd, skipInstall: true, skipCache: true };
  const generator = await env.create(namespace, { generatorArgs: [], generatorOptions } as never);
  await env.runGenerator(generator);
  return (generator as unknown as { options: O }).options;
}
