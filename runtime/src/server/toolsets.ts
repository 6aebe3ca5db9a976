/**
 * Which tools a server exposes: the spec's `groups:` (`MCP_GROUP`, one deployable service) narrowed
 * further by the operator to a subset for a client — named sets from the spec's `toolsets:`
 * (`MCP_TOOLSETS`) and tool names or globs (`MCP_TOOLS`). The two selections add up (a toolset plus
 * a few single tools), and the result is cut to the group. Unknown names stop the server at start
 * with the names it knows, never silently serve fewer tools.
 */
import type { Manifest, ServerModules } from './contract.js';

export interface ToolSelection {
  /** `MCP_GROUP`: checked against the spec's groups by the config module. */
  group?: string;
  /** `MCP_TOOLSETS`: names of the spec's `toolsets:`. */
  toolsets?: readonly string[];
  /** `MCP_TOOLS`: tool names or globs (`*` any characters, `?` one). */
  tools?: readonly string[];
}

/** A glob of tool names as a regular expression (`*`, `?`; everything else literal). */
export function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

function matching(pattern: string, names: readonly string[]): string[] {
  if (!/[*?]/.test(pattern)) return names.includes(pattern) ? [pattern] : [];
  const re = globToRegExp(pattern);
  return names.filter((n) => re.test(n));
}

/**
 * The names of the tools to serve, or the problems (each naming the variable and what to do).
 * Undefined names when nothing narrows the set (every tool).
 */
export function selectTools(manifest: Manifest, selection: ToolSelection): { names?: Set<string>; problems: string[] } {
  const problems: string[] = [];
  const all = Object.values(manifest.tools).map((t) => t.name);
  let chosen: Set<string> | undefined;
  const add = (names: string[]) => {
    chosen ??= new Set();
    for (const n of names) chosen.add(n);
  };
  const defined = manifest.toolsets ?? {};
  for (const name of selection.toolsets ?? []) {
    const set = defined[name];
    if (!set) {
      const known = Object.keys(defined);
      problems.push(
        known.length === 0
          ? `MCP_TOOLSETS=${name}: this server's spec defines no toolsets; add \`toolsets:\` to mcpforge.yaml and run \`mcpforge generate\`, or use MCP_TOOLS with tool names`
          : `MCP_TOOLSETS=${name}: unknown toolset; this server's toolsets are ${known.join(', ')}`,
      );
      continue;
    }
    add(set.tools.flatMap((pattern) => matching(pattern, all)));
  }
  for (const pattern of selection.tools ?? []) {
    const found = matching(pattern, all);
    if (found.length === 0) problems.push(`MCP_TOOLS=${pattern}: ${/[*?]/.test(pattern) ? 'matches no tool' : 'unknown tool'} of this server (${all.length} tools; \`mcpforge check\` lists them); give tool names or globs such as repos_*`);
    add(found);
  }
  if (selection.group !== undefined) {
    const inGroup = new Set(manifest.groups?.[selection.group]?.tools ?? []);
    chosen = chosen ? new Set([...chosen].filter((n) => inGroup.has(n))) : inGroup;
  }
  if (chosen && chosen.size === 0 && problems.length === 0) {
    problems.push(`MCP_GROUP, MCP_TOOLSETS and MCP_TOOLS together leave no tool to serve (group ${selection.group ?? '(none)'}); widen the selection`);
  }
  return { ...(chosen ? { names: chosen } : {}), problems };
}

/** The manifest and modules with only the chosen tools; resources and prompts unchanged. */
export function withTools(manifest: Manifest, modules: ServerModules, names: ReadonlySet<string>): { manifest: Manifest; modules: ServerModules } {
  const keys = toolKeys(manifest, names);
  return { manifest: { ...manifest, tools: pick(manifest.tools, keys) }, modules: { ...modules, tools: pick(modules.tools, keys) } };
}

/** The manifest with only the chosen tools (the stdio early answer lists before the handlers load). */
export function manifestWithTools(manifest: Manifest, names: ReadonlySet<string>): Manifest {
  return { ...manifest, tools: pick(manifest.tools, toolKeys(manifest, names)) };
}

function toolKeys(manifest: Manifest, names: ReadonlySet<string>): Set<string> {
  return new Set(Object.entries(manifest.tools).filter(([, t]) => names.has(t.name)).map(([k]) => k));
}

function pick<T>(record: Record<string, T>, keys: ReadonlySet<string>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).filter(([key]) => keys.has(key)));
}
