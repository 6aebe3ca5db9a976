import { describe, expect, it } from 'vitest';
import { generateProject } from '../../../generators/shared/codegen/index.js';
import { loadSpec } from '../../../generators/shared/spec/index.js';

const ROOT = '/virtual/toolsets';
const tools = ['repos_get', 'repos_list', 'issues_get', 'search_code'];
const spec = (extra: string, names = tools) =>
  `name: sets\nversion: 0.1.0\n${extra}tools:\n${names.map((n) => `  ${n}:\n    description: ${n}.\n    input: { type: object }\n`).join('')}`;
const load = (text: string) => loadSpec(`${ROOT}/mcpforge.yaml`, { files: new Map([[`${ROOT}/mcpforge.yaml`, text]]) });
const failure = async (text: string) => String(((await load(text).catch((e: unknown) => e)) as Error).message);

describe('spec key toolsets', () => {
  it('goes into the manifest with names and globs', async () => {
    const { files } = await generateProject(await load(spec('toolsets:\n  repos:\n    tools: [repos_*]\n  triage:\n    description: Issues only\n    tools: [issues_get]\n')));
    const manifest = files.get('src/generated/manifest.ts')!;
    expect(manifest).toMatch(/toolsets: \{\s+repos: \{\s+tools: \['repos_\*'\],/);
    expect(manifest).toContain("description: 'Issues only'");
  });

  it('an unknown tool or a glob matching nothing: an error at its JSON pointer', async () => {
    const text = await failure(spec('toolsets:\n  repos:\n    tools: [repos_get, repo_lst, pulls_*]\n'));
    expect(text).toContain('/toolsets/repos/tools/1');
    expect(text).toContain('toolset "repos" names unknown tool "repo_lst"');
    expect(text).toContain('did you mean "repos_list"?');
    expect(text).toContain('/toolsets/repos/tools/2');
    expect(text).toContain('glob "pulls_*" matches no tool');
  });
});

describe('spec key discovery: names checked', () => {
  it('a tool named like a discovery tool clashes in progressive mode, at /tools/<name>', async () => {
    const text = await failure(spec('discovery:\n  mode: progressive\n', [...tools, 'search_tools']));
    expect(text).toContain('/tools/search_tools');
    expect(text).toContain("clashes with progressive discovery's own search_tools");
    // Direct mode: the name is free.
    await expect(load(spec('discovery:\n  mode: direct\n', [...tools, 'search_tools']))).resolves.toBeDefined();
  });

  it('pinned names must be tools, at /discovery/pinned/<i>', async () => {
    const text = await failure(spec('discovery:\n  mode: progressive\n  pinned: [repos_get, issue_get]\n'));
    expect(text).toContain('/discovery/pinned/1');
    expect(text).toContain('discovery.pinned names unknown tool "issue_get"');
    expect(text).toContain('did you mean "issues_get"?');
  });
});
