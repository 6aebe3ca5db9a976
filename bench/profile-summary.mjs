// Summarises a V8 .cpuprofile (node --cpu-prof): self time per package/file and the top functions.
// Usage: node bench/profile-summary.mjs <file.cpuprofile> [topN]
import { readFileSync } from 'node:fs';

const [file, topArg = '25'] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/profile-summary.mjs <file.cpuprofile> [topN]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
const deltas = profile.timeDeltas;
for (let i = 0; i < profile.samples.length; i++) self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + (deltas[i] ?? 0));
const total = [...self.values()].reduce((a, b) => a + b, 0);

function bucket(url) {
  if (!url) return '(native/vm)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) return url;
  const rt = url.indexOf('/runtime/dist/');
  if (rt >= 0) return `runtime/${url.slice(rt + 14)}`;
  return url.replace(/^file:\/\//, '').split('/').slice(-3).join('/');
}
const packages = new Map();
const functions = new Map();
for (const [id, us] of self) {
  const n = byId.get(id);
  const cf = n.callFrame;
  const b = bucket(cf.url);
  packages.set(b, (packages.get(b) ?? 0) + us);
  const key = `${cf.functionName || '(anonymous)'} ${bucket(cf.url)}:${cf.lineNumber + 1}`;
  functions.set(key, (functions.get(key) ?? 0) + us);
}
const pct = (us) => `${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(1).padStart(7)} ms`;
console.log(`total sampled ${(total / 1000).toFixed(1)} ms`);
console.log('\nself time by package/file');
for (const [k, v] of [...packages].sort((a, b) => b[1] - a[1]).slice(0, Number(topArg))) console.log(`${pct(v)}  ${k}`);
console.log('\ntop functions (self)');
for (const [k, v] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, Number(topArg))) console.log(`${pct(v)}  ${k}`);
