/**
 * The runtime as projects load it: package.json's `exports` point into dist/bundle/ (built by
 * runtime/scripts/bundle.mjs, for cold start), with tsc's declarations beside tsc's files. Needs
 * `npm run build`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TOOLKIT_ROOT } from '../helpers/toolkit.js';

const RUNTIME = join(TOOLKIT_ROOT, 'runtime');
const pkg = JSON.parse(readFileSync(join(RUNTIME, 'package.json'), 'utf8')) as { main: string; exports: Record<string, { types: string; default: string }> };
const load = (subpath: string) => import(pathToFileURL(join(RUNTIME, pkg.exports[subpath]!.default)).href) as Promise<Record<string, unknown>>;

/** Every JavaScript file of the runtime's bundle. */
function bundleFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(dir, entry.name));
      else if (entry.name.endsWith('.js')) files.push(join(dir, entry.name));
    }
  };
  walk(join(RUNTIME, 'dist/bundle'));
  return files;
}

describe('the bundled runtime', () => {
  it('has a bundled file and tsc declarations for every subpath export', () => {
    expect(pkg.main).toBe(pkg.exports['.']!.default);
    for (const [subpath, target] of Object.entries(pkg.exports)) {
      expect(target.default, subpath).toMatch(/^\.\/dist\/bundle\//);
      expect(existsSync(join(RUNTIME, target.default)), target.default).toBe(true);
      expect(existsSync(join(RUNTIME, target.types)), target.types).toBe(true);
    }
  });

  it('holds each module once: a name two subpaths both export is the same value', async () => {
    const seen = new Map<string, { subpath: string; value: unknown }>();
    let shared = 0;
    for (const subpath of Object.keys(pkg.exports)) {
      for (const [name, value] of Object.entries(await load(subpath))) {
        const first = seen.get(name);
        if (!first) {
          seen.set(name, { subpath, value });
          continue;
        }
        shared++;
        expect(value, `${name} from ${first.subpath} and ${subpath}`).toBe(first.value);
      }
    }
    expect(shared).toBeGreaterThanOrEqual(4); // the errors module, also re-exported by the root
    const { ToolError } = await load('./errors');
    expect(new (ToolError as new (message: string) => Error)('x')).toBeInstanceOf((await load('.')).ToolError as never);
  });

  it('inlines kysely (its 260-odd files were a third of the cold start) and leaves the SDK, drivers and optional peers external', () => {
    const files = bundleFiles();
    const imported = new Set<string>();
    for (const file of files) {
      // Import statements, dynamic imports (not the examples in kysely's doc comments) and
      // CommonJS requires (prom-client's metric classes: observability/prom.ts).
      for (const m of readFileSync(file, 'utf8').matchAll(/^(?:import|export)\b[^;]*?from\s*"([^".][^"]*)"|\bimport\("([^".][^"]*)"\)|\brequire\w*\(["`]([^".`$][^"`$]*)/gm)) {
        const id = (m[1] ?? m[2] ?? m[3])!;
        imported.add(id.startsWith('@') ? id.split('/').slice(0, 2).join('/') : id.split('/')[0]!);
      }
    }
    expect(imported.has('kysely')).toBe(false);
    expect(imported.has('lru-cache')).toBe(false);
    for (const external of ['@modelcontextprotocol/server', 'better-sqlite3', 'pino', 'prom-client']) expect(imported, external).toContain(external);
  });

  it('leaves the comments out (V8 keeps the source of every loaded module for as long as the server runs)', () => {
    const files = bundleFiles();
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      // Doc comments and `//` lines of the sources; the bundler's own markers (`// dist/<module>.js`) and
      // `/* @__PURE__ */` annotations stay.
      expect(text, file).not.toMatch(/\/\*\*/);
      expect(text.match(/^\s*\/\/(?! dist\/| \.\.\/node_modules\/| \\0rolldown\/|# sourceMappingURL).*$/m)?.[0], file).toBeUndefined();
    }
  });

  it('builds the start entry as one file: only Node built-ins before the first answer, the shared runtime after it', () => {
    const start = readFileSync(join(RUNTIME, 'dist/bundle/start/index.js'), 'utf8');
    const statics = [...start.matchAll(/^import\b[^;]*?from\s*"([^"]+)"/gm)].map((m) => m[1]!);
    expect(statics.length).toBeGreaterThan(0);
    for (const id of statics) expect(id, 'a static import of the start entry').toMatch(/^node:/);
    // The runtime, loaded after the first answer: the shared bundle's entry (its chunks, its classes).
    const dynamic = [...start.matchAll(/\bimport\("([^"]+)"\)/g)].map((m) => m[1]!);
    expect(dynamic).toContain('../server/run.js');
    expect(readFileSync(join(RUNTIME, 'dist/bundle/server/run.js'), 'utf8')).toMatch(/\brunServer\b/);
  });
});
