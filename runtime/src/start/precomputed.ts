/**
 * The stdio early answer's `tools/list`, precomputed at generation time for a large manifest.
 *
 * Why: for 1,000 tools, a cold start spent more on the manifest than on everything else that grows
 * with the tool count — parsing its JSON text (~4 ms CPU here), listing and serialising every tool
 * for the answer (~9 ms), and the garbage of both — against a 1-tool start of ~100 ms and a target
 * of 1.2× that (bench/README.md, "Cold start"). A large manifest module (codegen/emit-manifest.ts)
 * therefore keeps its tools as JSON text, parsed on first access, and carries the `full` profile's
 * listing as text under a symbol: the early answer splices the request id in and writes it, and
 * the tools are parsed only when the runtime loads, after the first answer.
 *
 * The listing is used only while it certainly describes the tools served: its format is this
 * runtime's, and the manifest's `tools` is still the unparsed getter the module defined (nothing
 * read, replaced or changed it; a copy of the manifest, like a tool selection's, has no listing at
 * all). Otherwise the early answer lists from the manifest as before.
 */
import type { Manifest, ToolManifestEntry } from '../server/contract.js';
import { listingJson, type PrecomputedListing } from './early-list.js';

export type { PrecomputedListing };

/** The key a generated manifest module stores its listing under (non-enumerable: copies drop it). */
export const PRECOMPUTED_LISTING = Symbol.for('mcpforge.precomputedListing');

/** Bumped whenever what the early answer lists changes, so that projects generated before are listed live. */
export const PRECOMPUTED_LISTING_FORMAT = 1;

/**
 * For the generator: the listing of `manifest` to precompute, or undefined when the early answer
 * would not list it anyway (no tools, or a tool the SDK path lists differently).
 */
export function precomputeListing(manifest: Manifest): PrecomputedListing | undefined {
  const entries: ToolManifestEntry[] = Object.values(manifest.tools);
  if (entries.length === 0) return undefined;
  // Only `full` (unknown clients, and MCP_CLIENT_PROFILE=full): shaping the schemas for the other
  // profiles at every generation costs more than listing them once at start.
  const json = listingJson(entries, 'full');
  if (json === undefined) return undefined;
  return {
    format: PRECOMPUTED_LISTING_FORMAT,
    tools: entries.length,
    tasks: entries.some((entry) => entry.task !== undefined),
    maxOutputTokens: entries.some((entry) => entry.maxOutputTokens !== undefined),
    profiles: ['full'],
    json,
  };
}

/** The precomputed listing of `manifest` when it certainly lists the tools served (see the module comment), else undefined. */
export function precomputedListingOf(manifest: Manifest): PrecomputedListing | undefined {
  const listing = (manifest as unknown as Record<symbol, PrecomputedListing | undefined>)[PRECOMPUTED_LISTING];
  if (listing?.format !== PRECOMPUTED_LISTING_FORMAT) return undefined;
  return Object.getOwnPropertyDescriptor(manifest, 'tools')?.get === undefined ? undefined : listing;
}
