/**
 * Whether output budgets apply at all on a server (then the result store's resource template is
 * registered, which adds `resources` to the capabilities). Apart from the budgets module, which
 * loads the SDK, so the stdio early answer (start/) decides the same way without loading it.
 */
import { CLIENT_PROFILES, type ClientProfileName } from '../client-profiles/index.js';
import type { Manifest } from '../server/contract.js';

export function budgetsActive(
  manifest: Manifest,
  serverDefault: number | 'off' | undefined,
  profile: ClientProfileName | 'auto' | undefined,
  // Whether a tool sets its own budget, when already known (the early answer's precomputed listing: its tools stay unparsed).
  toolBudgets?: boolean,
): boolean {
  if (serverDefault === 'off') return false;
  const fixed = profile === undefined || profile === 'auto' ? undefined : profile;
  const profileCaps = (fixed ? [CLIENT_PROFILES[fixed]] : Object.values(CLIENT_PROFILES)).some((p) => p.maxOutputTokens !== undefined);
  const byDefault = typeof serverDefault === 'number' ? serverDefault : manifest.limits?.maxOutputTokens;
  return byDefault !== undefined || profileCaps || (toolBudgets ?? Object.values(manifest.tools).some((t) => t.maxOutputTokens !== undefined));
}
