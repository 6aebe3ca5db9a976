/**
 * The configuration sources of a server run from a manifest: its flags and environment, checked
 * against what the manifest offers. One place, because the stdio early answer (start/) reads the
 * configuration before `runServer` does, and both must read the same one.
 */
import type { ConfigSources } from '../config/index.js';
import type { Manifest } from './contract.js';

export function configSourcesOf(
  manifest: Manifest,
  options: { argv?: readonly string[] | undefined; env: Readonly<Record<string, string | undefined>>; projectRoot: URL | string },
): ConfigSources {
  return {
    argv: options.argv ?? process.argv.slice(2),
    env: options.env,
    name: manifest.name,
    projectRoot: options.projectRoot,
    offered: manifest.transports,
    groups: Object.keys(manifest.groups ?? {}),
    authMode: manifest.auth?.mode ?? 'none',
  };
}
