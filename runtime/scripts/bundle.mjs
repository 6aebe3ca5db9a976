#!/usr/bin/env node
// Bundles tsc's output (dist/) into dist/bundle/: one file per export subpath plus shared chunks,
// which is what package.json's `exports` load. Types stay tsc's (dist/**/*.d.ts).
//
// Why: a generated server's cold start was mostly module loading — resolving, opening and compiling
// ~500 files, 263 of them kysely's ESM build (bench/README.md, "Cold start"). Bundled, the runtime
// and kysely are a few dozen files (153 ES modules load instead of 458): −25% CPU to the first
// tools/list (bench/coldstart-ab.mjs).
//
// Code splitting over every subpath at once keeps each module in exactly one chunk: a class
// imported through `@mcpforge/runtime` and through `@mcpforge/runtime/errors` is the same class.
// Only kysely and lru-cache are inlined (pure ESM, on the start path, used by the runtime's own
// code); everything else stays external — the SDK and zod (a project or test that imports them
// gets the runtime's copy), CommonJS packages (pino starts worker files by path), native drivers and the
// optional peers (pg, ioredis, etcd3, OpenTelemetry, Sentry), which are loaded only when used.
// A project's own `import { sql } from 'kysely'` works against the runtime's copy (kysely's query
// nodes are plain objects); dialect checks do not rely on `instanceof` (storage/shared.ts).
import { readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const INLINED = new Set(['kysely', 'lru-cache']);
const BUNDLE_DIR = 'dist/bundle/';

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const input = {};
for (const [subpath, target] of Object.entries(pkg.exports)) {
  const bundled = target.default;
  if (!bundled.startsWith(`./${BUNDLE_DIR}`)) throw new Error(`package.json exports["${subpath}"].default must point into ${BUNDLE_DIR} (got ${bundled})`);
  const name = bundled.slice(`./${BUNDLE_DIR}`.length).replace(/\.js$/, '');
  // tsc's file for the same subpath: dist/<name>.js
  input[name] = join(root, 'dist', `${name}.js`);
}
// The runtime as the standalone start entry loads it (below): not an export, a stable file name.
input['server/run'] = join(root, 'dist/server/run.js');
// A bare id while bundling (a relative external would be rewritten against tsc's dist/), written back as the path.
const RUN_ENTRY = '@mcpforge/runtime/internal-run';

// Comments are left out of the bundle (the annotations and legal notices kept): V8 holds every
// loaded module's source text for as long as the server runs, and the runtime's comments were
// ~22% of it (~0.25 MiB of a 1,000-tool server's live heap, bench/README.md "Peak RSS", round
// eight `h-rss2`). tsc's dist/ beside keeps them, and the source maps point there.
const COMMENTS = { legal: true, annotation: true, jsdoc: false };

const packageOf = (id) => (id.startsWith('@') ? id.split('/').slice(0, 2).join('/') : id.split('/')[0]);
// Built beside, then swapped in: tests that read the bundle while the runtime is rebuilt see the
// old files or the new ones, for no longer than a rename without any.
const staging = join(root, `dist/bundle.${process.pid}.tmp`);
rmSync(staging, { recursive: true, force: true });
await build({
  input,
  platform: 'node',
  external: (id) => !id.startsWith('.') && !id.startsWith('/') && !INLINED.has(packageOf(id)),
  output: {
    dir: staging,
    format: 'esm',
    entryFileNames: '[name].js',
    chunkFileNames: 'chunks/[name]-[hash].js',
    sourcemap: true,
    // Maps to tsc's files beside (dist/**/*.js, themselves mapped to src/): no second copy of the sources.
    sourcemapExcludeSources: true,
    comments: COMMENTS,
  },
  logLevel: 'warn',
});
// The start entry once more, on its own: one file instead of nine modules (configuration reader,
// errors, client profiles, tool selection…), which is what a cold start loads before its first
// answer — each module is a resolve, a read and a compile: 23 → 15 ms CPU to import it on the
// 2-core bench machine. It holds its own copies of those modules (nothing it exports is exported
// by another subpath, and it hands the runtime only plain values and streams); the runtime
// itself, loaded after the first answer, is the shared bundle's, through a stable entry
// (server/run.js) the main build emits for it.
await build({
  input: { 'start/index': join(root, 'dist/start/index.js') },
  platform: 'node',
  external: (id) => id === RUN_ENTRY || (!id.startsWith('.') && !id.startsWith('/') && !INLINED.has(packageOf(id))),
  plugins: [
    {
      name: 'shared-runtime',
      resolveId: (source) => (source === '../server/run.js' ? { id: RUN_ENTRY, external: true } : undefined),
    },
  ],
  output: { dir: staging, format: 'esm', entryFileNames: '[name].js', paths: { [RUN_ENTRY]: '../server/run.js' }, sourcemap: true, sourcemapExcludeSources: true, comments: COMMENTS },
  logLevel: 'warn',
});
rmSync(join(root, BUNDLE_DIR), { recursive: true, force: true });
renameSync(staging, join(root, BUNDLE_DIR));
