/**
 * Declarative resources in the spec: bad declarations are refused with the spec file, line, JSON
 * pointer and what to do; good ones reach the manifest, with hostile strings kept as data.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadSpec, SpecError, SpecErrors } from '../../../generators/shared/spec/index.js';
import { generateProject } from '../../../generators/shared/codegen/index.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/specs');

async function errorsOf(file: string): Promise<SpecError[]> {
  try {
    await loadSpec(file);
  } catch (error) {
    if (error instanceof SpecErrors) return error.errors;
    if (error instanceof SpecError) return [error];
    throw error;
  }
  throw new Error(`${file} loaded without errors`);
}

describe('bad declarations', () => {
  it('refuses a glob picomatch cannot compile (picomatch loads only for such a check)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mcpforge-glob-'));
    const spec = path.join(dir, 'mcpforge.yaml');
    writeFileSync(spec, ['name: kinds', 'resources:', '  docs:', '    uri: docs://files/{+path}', '    kind: files', '    root: docs', `    glob: ${JSON.stringify('*'.repeat(70_000))}`, ''].join('\n'));
    const errors = await errorsOf(spec);
    expect(errors.map((e) => [e.pointer, e.detail])).toEqual([['/resources/docs/glob', expect.stringMatching(/^invalid glob: .*exceeds maximum allowed length/)]]);
  });

  it('names the file, line, pointer and a fix for each problem', async () => {
    const file = path.join(FIXTURES, 'bad/resource-kinds.yaml');
    const errors = (await errorsOf(file)).map((e) => ({ file: e.file, line: e.line, pointer: e.pointer, message: e.detail, hint: e.hint }));
    expect(errors.every((e) => e.file === file)).toBe(true);
    expect(errors.map(({ file: _f, ...rest }) => rest)).toEqual([
      { line: 8, pointer: '/resources/docs/query', message: '"query" does not apply to kind files', hint: 'remove it; kind files takes root, glob, maxBytes' },
      { line: 12, pointer: '/resources/writer/query', message: 'query refused: the query must be a SELECT (or WITH … SELECT)', hint: expect.stringMatching(/^write one SELECT/) },
      { line: 14, pointer: '/resources/typo/uri', message: "the uri's variable {id} is not used by the query", hint: 'use :id in the query or remove {id} from the uri' },
      { line: 16, pointer: '/resources/typo/query', message: "the query's :ident is not a variable of the uri db://items/{id}", hint: 'add {ident} to the uri, or use one of: id' },
      { line: 21, pointer: '/resources/upstream/allow', message: "the url's host api.example.com is not in allow", hint: 'add "api.example.com" to allow' },
      { line: 25, pointer: '/resources/hostile/url', message: "a placeholder sits in the url's scheme, host or port", hint: 'keep the host fixed; put placeholders in the path or query' },
      { line: 28, pointer: '/resources/keys/uri', message: "a memory resource's uri must be a template with exactly one variable (the key), got 0", hint: 'write it like memory://sessions/{key}' },
      { line: 32, pointer: '/resources/loose/root', message: '"root" only applies to a declarative resource', hint: 'add `kind: files`, or remove "root"' },
    ]);
  });

  it('a kind without its required key says which key to add', async () => {
    const [error] = await errorsOf(path.join(FIXTURES, 'bad/resource-kind-required.yaml'));
    expect(error?.pointer).toBe('/resources/docs');
    expect(error?.detail).toBe('missing required key "root" at /resources/docs');
    expect(error?.hint).toMatch(/^add `root:`/);
  });
});

describe('good declarations', () => {
  it('reach the manifest as data (hostile strings escaped), need no handler stub, and type ctx.memory', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mcpforge-kinds-'));
    const spec = path.join(dir, 'mcpforge.yaml');
    const hostile = "*/ '); process.exit(1); //\u2028${x}`";
    writeFileSync(
      spec,
      [
        'name: kinds',
        'resources:',
        '  docs:',
        '    uri: docs://files/{+path}',
        '    kind: files',
        `    root: ${JSON.stringify(`docs/${hostile}`)}`,
        `    glob: ${JSON.stringify('**/*.md')}`,
        `    description: ${JSON.stringify(hostile)}`,
        '  item:',
        '    uri: db://items/{id}',
        '    kind: sql',
        `    query: ${JSON.stringify(`SELECT id FROM items WHERE id = :id AND note <> '${hostile.replace(/'/g, "''")}'`)}`,
        '    params: { id: integer }',
        '  sessions:',
        '    uri: memory://sessions/{key}',
        '    kind: memory',
        '    schema: { type: object, properties: { user: { type: string } }, required: [user] }',
        '  own:',
        '    uri: own://{key}',
        '    kind: memory',
      ].join('\n'),
    );
    const loaded = await loadSpec(spec);
    expect(loaded.resources.map((r) => r.source?.kind)).toEqual(['files', 'sql', 'memory', 'memory']);
    // `own` has a handler file: it overrides the declaration and is loaded like any other.
    const project = await generateProject(loaded, { readUserFile: (file) => (file === 'src/resources/own.ts' ? 'export default 1;' : undefined) });
    expect([...project.userFiles.keys()].filter((f) => f.startsWith('src/resources/'))).toEqual([]);
    const handlers = project.files.get('src/generated/handlers.ts')!;
    expect(handlers).not.toContain('../resources/docs.js');
    expect(handlers).toContain("handler: () => import('../resources/own.js')");
    const manifestText = project.files.get('src/generated/manifest.ts')!;
    // Evaluated as the module it is (less its type annotation): the hostile strings come back as data, byte for byte.
    const module = path.join(dir, 'manifest.mjs');
    writeFileSync(module, manifestText.replace(/^import type .*$/m, '').replace('export const manifest: Manifest =', 'export const manifest ='));
    const { manifest } = (await import(pathToFileURL(module).href)) as { manifest: { resources: Record<string, { description?: string; source?: { root?: string; query?: string } }> } };
    expect(manifest.resources.docs!.description).toBe(hostile);
    expect(manifest.resources.docs!.source).toEqual({ kind: 'files', root: `docs/${hostile}`, glob: '**/*.md' });
    expect(manifest.resources.item!.source!.query).toContain(hostile.replace(/'/g, "''"));
    const registry = project.files.get('src/generated/registry.ts')!;
    expect(registry).toMatch(/export type Memory = \{\s+sessions: SessionsData;\s+own: unknown;\s+\};/);
    expect(registry).toContain('createDefineTool<Tools, Database, Memory>()');
  });
});
