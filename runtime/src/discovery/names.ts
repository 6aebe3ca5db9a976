/**
 * Which discovery mode a server runs and the names progressive discovery lists instead of the
 * tools. Apart from the search index so the factory (and the lint) decide without loading MiniSearch.
 */
export const DISCOVERY_TOOL_NAMES = ['search_tools', 'describe_tool', 'call_tool'] as const;

/**
 * Above this many served tools a spec that does not choose `discovery.mode` is served progressive:
 * past it, listing every tool costs clients much of their context (and VS Code caps at 128, Cursor
 * at 40). The lint's `tool-count` warning uses the same number.
 */
export const PROGRESSIVE_DISCOVERY_THRESHOLD = 60;

/** The discovery mode a server runs: the operator's, else the spec's, else progressive above the threshold. */
export function discoveryModeOf(chosen: 'direct' | 'progressive' | undefined, specMode: 'direct' | 'progressive' | undefined, servedTools: number): 'direct' | 'progressive' {
  return chosen ?? specMode ?? (servedTools > PROGRESSIVE_DISCOVERY_THRESHOLD ? 'progressive' : 'direct');
}
