import { describe, expect, it } from 'vitest';
import { projectDependencies } from './project-dependencies.js';
import { decideSource, parseRuntimeSource, type Lookup } from './runtime-source.js';
import { toolkitRoot } from './toolkit.js';

describe('decideSource', () => {
  const name = '@mcpforge/runtime';
  const range = '^0.1.0';

  it('auto: the registry when it has a compatible version', () => {
    const decision = decideSource(name, range, 'auto', { found: true, version: '0.1.3' });
    expect(decision.source).toBe('registry');
    expect(decision.reason).toContain('@mcpforge/runtime@0.1.3');
  });

  it('auto: vendor/ when the registry has none, or cannot be reached, each with its own reason', () => {
    const missing = decideSource(name, range, 'auto', { found: false, why: 'not-published' });
    const offline = decideSource(name, range, 'auto', { found: false, why: 'unreachable' });
    expect([missing.source, offline.source]).toEqual(['vendor', 'vendor']);
    expect(missing.reason).toMatch(/has no @mcpforge\/runtime matching \^0\.1\.0/);
    expect(offline.reason).toMatch(/could not be reached/);
  });

  it('the flag wins over what the registry has', () => {
    expect(decideSource(name, range, 'vendor', { found: true, version: '0.1.0' }).source).toBe('vendor');
    expect(decideSource(name, range, 'registry', { found: false, why: 'not-published' }).source).toBe('registry');
  });

  it('parses --runtime-source and names the choices on a typo', () => {
    expect(parseRuntimeSource(undefined, {})).toBe('auto');
    expect(parseRuntimeSource('vendor', {})).toBe('vendor');
    // MCPFORGE_RUNTIME_SOURCE when no flag is given (CI scripts; the test runs set it to vendor); the flag wins.
    expect(parseRuntimeSource(undefined, { MCPFORGE_RUNTIME_SOURCE: 'vendor' })).toBe('vendor');
    expect(parseRuntimeSource(undefined, { MCPFORGE_RUNTIME_SOURCE: '' })).toBe('auto');
    expect(parseRuntimeSource('registry', { MCPFORGE_RUNTIME_SOURCE: 'vendor' })).toBe('registry');
    expect(() => parseRuntimeSource('npm')).toThrow(/choose auto .*registry or vendor/);
  });
});

describe('projectDependencies (registry branch; the vendor branch runs end to end in test/e2e/packaging.test.ts)', () => {
  it('auto with both packages published: ^ranges of this toolkit, no tarballs, one lookup per package', async () => {
    const asked: string[] = [];
    const lookup = async (pkg: string, range: string): Promise<Lookup> => {
      asked.push(`${pkg}@${range}`);
      return { found: true, version: '0.1.0' };
    };
    const deps = await projectDependencies(toolkitRoot(), 'auto', lookup);
    expect(asked.sort()).toEqual(['@mcpforge/runtime@^0.1.0', 'mcpforge@^0.1.0']);
    expect(deps.runtime).toEqual({ spec: '^0.1.0', reason: expect.stringContaining('the registry has @mcpforge/runtime@0.1.0') });
    expect(deps.cli).toEqual({ spec: '^0.1.0', reason: expect.stringContaining('the registry has mcpforge@0.1.0') });
  });

  it('--runtime-source registry does not ask the registry', async () => {
    const deps = await projectDependencies(toolkitRoot(), 'registry', async () => {
      throw new Error('must not look up');
    });
    expect([deps.runtime.spec, deps.cli.spec]).toEqual(['^0.1.0', '^0.1.0']);
  });
});

describe('the project records its choice', () => {
  it('README names the source and why; a registry project keeps vendor/ (the Dockerfile copies it) with a note only', async () => {
    const { planNewProject } = await import('../generators/app/plan.js');
    const answers = { name: 'reg', example: 'none', transports: ['stdio'], layout: 'dev' } as const;
    const registry = await planNewProject(
      { ...answers, transports: [...answers.transports] },
      { toolkitRoot: toolkitRoot(), projectDir: '/p', runtime: { spec: '^0.1.0', reason: 'the registry has @mcpforge/runtime@0.1.2, which matches ^0.1.0' }, cli: { spec: '^0.1.0', reason: 'x' } },
    );
    const readme = String(registry.files.get('README.md'));
    expect(readme).toContain('- `@mcpforge/runtime`: `^0.1.0` (the registry has @mcpforge/runtime@0.1.2, which matches ^0.1.0)');
    expect(readme).not.toContain('copied into `vendor/`');
    expect(JSON.parse(String(registry.files.get('package.json'))).dependencies['@mcpforge/runtime']).toBe('^0.1.0');
    expect([...registry.files.keys()].filter((path) => path.startsWith('vendor/'))).toEqual(['vendor/README.md']);

    const vendored = await planNewProject(
      { ...answers, transports: [...answers.transports] },
      { toolkitRoot: toolkitRoot(), projectDir: '/p', runtime: { spec: 'file:vendor/r.tgz', tarball: { path: 'vendor/r.tgz', content: Buffer.from('r') } } },
    );
    expect(String(vendored.files.get('README.md'))).toContain('copied into `vendor/`');
    expect([...vendored.files.keys()].filter((path) => path.startsWith('vendor/'))).toEqual(['vendor/r.tgz']);
  });
});
