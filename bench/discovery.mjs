// Progressive discovery on the GitHub REST API import (issue 16): the size of tools/list as written
// and with `discovery: progressive`, and search quality — top-1 and top-5 recall of search_tools
// (runtime/src/discovery, BM25 by MiniSearch) on the labelled queries in discovery-queries.json.
// Needs `npm run build` (reads dist/ and runtime/dist/). Usage: node bench/discovery.mjs [--misses]
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const load = (p) => import(pathToFileURL(join(ROOT, p)).href);
const { parseOpenApi, planOpenApiImport } = await load('dist/generators/openapi/index.js');
const { loadSpec } = await load('dist/generators/shared/spec/index.js');
const { createToolSearch, DISCOVERY_TOOLS } = await load('runtime/dist/discovery/index.js');

const require = createRequire(join(ROOT, 'package.json'));
const file = join(dirname(require.resolve('@octokit/openapi/package.json')), 'generated', 'api.github.com.json');
const doc = parseOpenApi(file, readFileSync(file, 'utf8'));
const plan = planOpenApiImport({
  doc,
  specText: 'name: github\nversion: 0.1.0\ntools: {}\n',
  readProjectFile: () => undefined,
  listProjectFiles: () => [],
  clientSource: readFileSync(join(ROOT, 'templates/openapi/client.ts'), 'utf8'),
  options: { name: 'github' },
});
const base = '/virtual/github';
const spec = await loadSpec(`${base}/mcpforge.yaml`, { files: new Map([[`${base}/mcpforge.yaml`, plan.specText], ...[...plan.files].map(([f, t]) => [`${base}/${f}`, t])]) });
const tools = spec.tools.map((t) => ({ name: t.name, ...(t.title ? { title: t.title } : {}), description: t.description, inputSchema: t.input.schema }));

// tools/list as the SDK serves it (input schemas only; output schemas add more): characters / 4.
const size = (list) => {
  const json = JSON.stringify({ tools: list });
  return { bytes: Buffer.byteLength(json), tokens: Math.ceil(json.length / 4) };
};
const direct = size(tools);
const progressive = size(Object.entries(DISCOVERY_TOOLS).map(([name, t]) => ({ name, description: t.description, inputSchema: t.inputSchema })));
const n = (v) => v.toLocaleString('en-US');
console.log(`GitHub REST API import: ${n(tools.length)} tools`);
console.log(`tools/list, direct:      ${n(direct.bytes)} bytes, about ${n(direct.tokens)} tokens`);
console.log(`tools/list, progressive: ${n(progressive.bytes)} bytes, about ${n(progressive.tokens)} tokens (target <= 5,000)`);

const search = createToolSearch(tools);
const { queries } = JSON.parse(readFileSync(join(ROOT, 'bench/discovery-queries.json'), 'utf8'));
const names = new Set(tools.map((t) => t.name));
let top1 = 0;
let top5 = 0;
const misses = [];
const started = performance.now();
for (const { query, expected } of queries) {
  for (const e of expected) if (!names.has(e)) throw new Error(`discovery-queries.json: "${e}" is not a tool of the import`);
  const hits = search.search(query, { limit: 5 }).map((h) => h.name);
  if (expected.includes(hits[0])) top1++;
  if (hits.some((h) => expected.includes(h))) top5++;
  else misses.push(`${query} → ${hits.join(', ')} (expected ${expected.join(' or ')})`);
}
const perQuery = (performance.now() - started) / queries.length;
console.log(`search_tools on ${queries.length} labelled queries: top-1 recall ${((top1 / queries.length) * 100).toFixed(1)}%, top-5 recall ${((top5 / queries.length) * 100).toFixed(1)}% (${perQuery.toFixed(2)} ms per query)`);
if (process.argv.includes('--misses')) for (const m of misses) console.log(`  miss: ${m}`);
