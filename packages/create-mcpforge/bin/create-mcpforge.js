#!/usr/bin/env node
// `npm create mcpforge@latest <folder> -- [flags]` runs this: it is `mcpforge new <folder> [flags]`
// with the mcpforge this package depends on (same version), so the two can never disagree.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

// npm removes the `--` of `npm create mcpforge my-server -- --yes`; a direct call may keep it.
const args = process.argv.slice(2).filter((arg, i, all) => arg !== '--' || all.indexOf('--') !== i);
const usage = `Usage: npm create mcpforge@latest <folder> [-- flags of mcpforge new]
  e.g. npm create mcpforge@latest my-server -- --yes --example notes
Flags after -- go to \`mcpforge new\` (npm keeps the ones before it); \`mcpforge new --help\` lists them.
`;
if (args.length === 0) {
  process.stderr.write(`Name the folder to create.\n${usage}`);
  process.exit(1);
}
if (args[0] === '--help' || args[0] === '-h') {
  process.stdout.write(usage);
  process.exit(0);
}
const cli = join(dirname(createRequire(import.meta.url).resolve('mcpforge/package.json')), 'bin', 'mcpforge.js');
const result = spawnSync(process.execPath, [cli, 'new', ...args], { stdio: 'inherit' });
if (result.error) {
  process.stderr.write(`Could not start mcpforge (${cli}): ${result.error.message}\nReinstall with npm create mcpforge@latest.\n`);
}
process.exitCode = result.status ?? 1;
