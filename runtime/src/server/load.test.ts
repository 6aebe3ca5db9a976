import { describe, expect, it } from 'vitest';
import type { Manifest, ServerModules } from './contract.js';
import { createLazyModules } from './load.js';

/** A manifest of `names` and a module map counting how often each tool's modules are imported. */
function project(names: string[], broken?: string) {
  const imports: string[] = [];
  const tools: Manifest['tools'] = {};
  const modules: ServerModules = { tools: {}, resources: {}, prompts: {} };
  for (const name of names) {
    tools[name] = { name, description: name, inputSchema: { type: 'object' } } as Manifest['tools'][string];
    modules.tools[name] = {
      handler: async () => {
        imports.push(`${name} handler`);
        if (name === broken) throw new Error('boom');
        return { default: { kind: 'tool', name, handler: async () => 'ok' } as never };
      },
      validateInput: async () => {
        imports.push(`${name} validator`);
        return { default: (() => true) as never };
      },
    };
  }
  const manifest = { name: 'p', version: '1.0.0', tools, resources: {}, prompts: {} } as unknown as Manifest;
  return { manifest, modules, imports };
}

describe('createLazyModules (tools)', () => {
  it('imports a tool\'s modules on its first use only, once', async () => {
    const { manifest, modules, imports } = project(['a', 'b', 'c']);
    const lazy = createLazyModules(manifest, modules);
    expect(imports).toEqual([]);
    expect(lazy.loadedTool('b')).toBeUndefined();
    const [first, second] = await Promise.all([lazy.tool('b'), lazy.tool('b')]);
    expect(first).toBe(second);
    expect(lazy.loadedTool('b')).toBe(first);
    expect(imports.sort()).toEqual(['b handler', 'b validator']);
    expect(first.definition.name).toBe('b');
  });

  it('refuses a tool the manifest does not have, own keys only', () => {
    const { manifest, modules } = project(['a']);
    const lazy = createLazyModules(manifest, modules);
    expect(() => lazy.tool('nope')).toThrow('No tool "nope" in the manifest.');
    expect(() => lazy.tool('constructor')).toThrow('No tool "constructor" in the manifest.');
    expect(lazy.loadedTool('nope')).toBeUndefined();
  });

  it('still checks the manifest and the module map against each other up front', () => {
    const { manifest, modules } = project(['a', 'b']);
    delete modules.tools.b;
    expect(() => createLazyModules(manifest, modules)).toThrow(/Tool "b" is in the manifest but not in src\/generated\/handlers\.ts/);
  });

  it('reports a failed load with the same error on every use', async () => {
    const { manifest, modules } = project(['a', 'b'], 'b');
    const lazy = createLazyModules(manifest, modules);
    const first = await lazy.tool('b').catch((error: Error) => error);
    const again = await lazy.tool('b').catch((error: Error) => error);
    expect(first).toBeInstanceOf(Error);
    expect(again).toBe(first);
    await expect(lazy.loadAll()).rejects.toBe(first);
  });

  it('loads every tool with loadAll, in the manifest\'s order', async () => {
    const { manifest, modules } = project(['c', 'a', 'b']);
    const loaded = await createLazyModules(manifest, modules).loadAll();
    expect([...loaded.tools.keys()]).toEqual(['c', 'a', 'b']);
  });
});
