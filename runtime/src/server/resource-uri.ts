/**
 * Which resource of the manifest serves a concrete URI: a static resource with exactly that URI,
 * else the first template it matches. Used wherever a request names a resource by URI only
 * (subscriptions' scope check, the audit line of a request refused before dispatch).
 */
import { UriTemplate } from '@modelcontextprotocol/server';
import type { Manifest, ResourceManifestEntry } from './contract.js';

export function resourceForUri(manifest: Manifest, uri: string): ResourceManifestEntry | undefined {
  let matched: ResourceManifestEntry | undefined;
  for (const entry of Object.values(manifest.resources)) {
    if (!entry.template) {
      if (entry.uri === uri) return entry;
      continue;
    }
    if (matched === undefined && new UriTemplate(entry.uri).match(uri) !== null) matched = entry;
  }
  return matched;
}
