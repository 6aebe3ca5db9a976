/**
 * What one client profile does to a spec's tools: each tool's shaped schema and what changed or
 * could not be expressed (by kind), names too long with the client's prefix, the tool cap, and the
 * tokens of `tools/list` as that client sees it (characters / 4, the lint's rule).
 */
import { CLIENT_PROFILES, prefixedToolName, shapeForProfile, type ClientProfileName, type ShapeChange } from '../../../runtime/src/client-profiles/index.js';
import type { LoadedSpec } from '../spec/types.js';

export interface ClientReport {
  profile: ClientProfileName;
  label: string;
  tools: number;
  maxTools: number | undefined;
  /** Tools whose schema the profile changes. */
  changedTools: number;
  changes: Array<{ tool: string; change: ShapeChange }>;
  /** Names over the client's limit with its prefix. */
  longNames: Array<{ tool: string; prefixed: string; length: number; limit: number }>;
  fullTokens: number;
  shapedTokens: number;
}

const tokens = (value: unknown) => Math.ceil(JSON.stringify(value).length / 4);

export function clientReport(spec: LoadedSpec, profile: ClientProfileName, options: { prefix?: string } = {}): ClientReport {
  const rules = CLIENT_PROFILES[profile];
  const changes: ClientReport['changes'] = [];
  const longNames: ClientReport['longNames'] = [];
  let changedTools = 0;
  const full: unknown[] = [];
  const shaped: unknown[] = [];
  for (const tool of spec.tools) {
    const result = shapeForProfile(profile, tool.input.schema as Record<string, unknown>);
    if (result.changes.length > 0) changedTools++;
    for (const change of result.changes) changes.push({ tool: tool.name, change });
    const base = { name: tool.name, ...(tool.title ? { title: tool.title } : {}), description: tool.description };
    full.push({ ...base, inputSchema: tool.input.schema });
    shaped.push({ ...base, inputSchema: result.schema });
    if (rules.maxNameLength !== undefined) {
      const prefixed = prefixedToolName(profile, spec.name, tool.name, options.prefix ?? rules.namePrefix);
      if (prefixed.length > rules.maxNameLength) longNames.push({ tool: tool.name, prefixed, length: prefixed.length, limit: rules.maxNameLength });
    }
  }
  return {
    profile,
    label: rules.label,
    tools: spec.tools.length,
    maxTools: rules.maxTools,
    changedTools,
    changes,
    longNames,
    fullTokens: tokens({ tools: full }),
    shapedTokens: tokens({ tools: shaped }),
  };
}

const KIND_TEXT: Record<ShapeChange['kind'], string> = {
  inlined: '$ref inlined',
  'recursion-cut': 'recursion cut (deeper levels checked by the server only)',
  'lifted-union': 'top-level union lifted into one object',
  'moved-to-description': 'constraint moved into the description',
  'json-text': 'sent as JSON text (cannot be expressed)',
  nullable: 'nullability rewritten',
  'closed-object': 'object closed (additionalProperties: false)',
  'enum-as-string': 'enum values written as strings',
  'merged-allOf': 'allOf merged',
  dropped: 'dropped (checked by the server only)',
};

/** The report as `check --client` prints it; `detail` lists every change instead of the first few per kind. */
export function formatClientReport(report: ClientReport, detail = false): string {
  const n = (v: number) => v.toLocaleString('en-US');
  const lines = [`${report.profile} — ${report.label}`];
  lines.push(`  tools: ${n(report.tools)}${report.maxTools !== undefined ? ` (the client takes at most ${n(report.maxTools)}${report.tools > report.maxTools ? `: listing every tool (discovery.mode direct), only the first ${n(report.maxTools)} would be listed; serve a subset with toolsets: and MCP_TOOLSETS or MCP_TOOLS, or use progressive discovery (the default above 60 tools)` : ''})` : ''}`);
  lines.push(`  tools/list: about ${n(report.shapedTokens)} tokens as this client sees it (${n(report.fullTokens)} as written)`);
  lines.push(`  schemas changed: ${n(report.changedTools)} of ${n(report.tools)} tools`);
  const byKind = new Map<ShapeChange['kind'], ClientReport['changes']>();
  for (const c of report.changes) byKind.set(c.change.kind, [...(byKind.get(c.change.kind) ?? []), c]);
  for (const [kind, list] of [...byKind].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`    ${KIND_TEXT[kind]}: ${n(list.length)}`);
    for (const c of detail ? list : list.slice(0, 3)) lines.push(`      ${c.tool} ${c.change.pointer}: ${c.change.message}`);
    if (!detail && list.length > 3) lines.push(`      ... ${n(list.length - 3)} more (--verbose lists all)`);
  }
  if (report.longNames.length > 0) {
    lines.push(`  names over ${report.longNames[0]!.limit} characters with the client's prefix: ${n(report.longNames.length)}`);
    for (const l of detail ? report.longNames : report.longNames.slice(0, 5)) lines.push(`      ${l.prefixed} (${l.length})`);
  }
  return lines.join('\n');
}
