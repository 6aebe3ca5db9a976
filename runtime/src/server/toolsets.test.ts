import { describe, expect, it } from 'vitest';
import type { Manifest } from './contract.js';
import { selectTools } from './toolsets.js';

const names = ['repos_get', 'repos_list', 'issues_get', 'issues_list', 'search_code'];
const manifest = {
  name: 's',
  version: '1',
  layout: 'dev',
  transports: ['stdio'],
  tools: Object.fromEntries(names.map((n) => [n, { name: n, description: n, inputSchema: { type: 'object' } }])),
  resources: {},
  prompts: {},
  groups: { issues: { tools: ['issues_get', 'issues_list'] } },
  toolsets: { repos: { tools: ['repos_*'] }, finder: { tools: ['search_code', 'issues_get'] } },
} as unknown as Manifest;
const sorted = (s: Set<string> | undefined) => (s ? [...s].sort() : s);

describe('selectTools', () => {
  it('nothing chosen: every tool', () => {
    expect(selectTools(manifest, {})).toEqual({ problems: [] });
  });
  it('toolsets and tools add up; globs match', () => {
    expect(sorted(selectTools(manifest, { toolsets: ['repos'], tools: ['search_*'] }).names)).toEqual(['repos_get', 'repos_list', 'search_code']);
    expect(sorted(selectTools(manifest, { tools: ['issues_?et'] }).names)).toEqual(['issues_get']);
  });
  it('within the group', () => {
    expect(sorted(selectTools(manifest, { group: 'issues', toolsets: ['finder'] }).names)).toEqual(['issues_get']);
    expect(sorted(selectTools(manifest, { group: 'issues' }).names)).toEqual(['issues_get', 'issues_list']);
    expect(selectTools(manifest, { group: 'issues', toolsets: ['repos'] }).problems[0]).toContain('leave no tool to serve');
  });
  it('unknown names are problems naming the variable and the known names', () => {
    const { problems } = selectTools(manifest, { toolsets: ['repo'], tools: ['nope', 'pulls_*'] });
    expect(problems).toEqual([
      'MCP_TOOLSETS=repo: unknown toolset; this server\'s toolsets are repos, finder',
      expect.stringContaining('MCP_TOOLS=nope: unknown tool'),
      expect.stringContaining('MCP_TOOLS=pulls_*: matches no tool'),
    ]);
    expect(selectTools({ ...manifest, toolsets: undefined } as Manifest, { toolsets: ['x'] }).problems[0]).toContain('defines no toolsets');
  });
});
