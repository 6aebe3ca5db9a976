/**
 * The names progressive discovery lists instead of the tools. Apart from the search index so the
 * factory can check a spec's tool names against them without loading MiniSearch.
 */
export const DISCOVERY_TOOL_NAMES = ['search_tools', 'describe_tool', 'call_tool'] as const;
