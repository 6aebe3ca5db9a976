#!/usr/bin/env node
// The README's first command: scaffold the `all` example, build it, start it over stdio and HTTP,
// and show real tool calls made with the official MCP client.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const project = process.argv[2] ? resolve(process.argv[2]) : join(root, '.demo', 'my-server');

function run(command, args, cwd) {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd, stdio: 'inherit' });
    child.on('exit', (code) => (code === 0 ? done() : fail(new Error(`${command} ${args.join(' ')} exited with ${code}`))));
  });
}

function show(title, result) {
  const text = result.structuredContent ? JSON.stringify(result.structuredContent, null, 2) : result.content.map((c) => c.text).join('\n');
  console.log(`\n→ ${title}${result.isError ? '  (isError)' : ''}\n${text}`);
}

// The demo folder is ours (.demo/ is git-ignored): start from scratch every run.
rmSync(project, { recursive: true, force: true });
await run(process.execPath, [join(root, 'bin', 'mcpforge.js'), 'new', project, '--yes', '--name', 'my-server'], root);

console.log('\n=== stdio: node dist/server.js');
const stdio = new Client({ name: 'mcpforge-demo', version: '1.0.0' });
await stdio.connect(new StdioClientTransport({ command: process.execPath, args: ['dist/server.js'], cwd: project, stderr: 'ignore' }));
const { tools } = await stdio.listTools();
console.log(`tools/list: ${tools.map((tool) => tool.name).join(', ')}`);
show('create_note { title: "Try mcpforge", tags: ["demo"] }', await stdio.callTool({ name: 'create_note', arguments: { title: 'Try mcpforge', body: 'Generated from JSON Schema.', tags: ['demo'] } }));
show('create_note { title: "" }  (invalid input)', await stdio.callTool({ name: 'create_note', arguments: { title: '' } }));
show('read_file { path: "ideas.txt" }', await stdio.callTool({ name: 'read_file', arguments: { path: 'ideas.txt' } }));
show('read_file { path: "../package.json" }  (sandbox escape)', await stdio.callTool({ name: 'read_file', arguments: { path: '../package.json' } }));
await stdio.close();

console.log('\n=== Streamable HTTP: node dist/server.js --transport http --port 0');
const server = spawn(process.execPath, ['dist/server.js', '--transport', 'http', '--port', '0'], { cwd: project, stdio: ['ignore', 'ignore', 'pipe'] });
const url = await new Promise((done, fail) => {
  let buffered = '';
  const timer = setTimeout(() => fail(new Error(`the HTTP server did not report "listening on" within 20 s:\n${buffered}`)), 20_000);
  server.stderr.on('data', (chunk) => {
    buffered += chunk;
    const match = /listening on (http:\/\/\S+)/.exec(buffered);
    if (match) {
      clearTimeout(timer);
      done(match[1]);
    }
  });
  server.on('exit', (code) => fail(new Error(`the HTTP server exited with ${code}:\n${buffered}`)));
});
console.log(`listening on ${url}`);
const http = new Client({ name: 'mcpforge-demo', version: '1.0.0' });
await http.connect(new StreamableHTTPClientTransport(new URL(url)));
show('search_notes { query: "mcpforge" }  (the note written over stdio, from SQLite)', await http.callTool({ name: 'search_notes', arguments: { query: 'mcpforge' } }));
await http.close();
server.kill('SIGTERM');
await new Promise((done) => server.on('exit', done));
console.log(`\nDone. The project is in ${project}; see its README.md to connect Claude Desktop, VS Code or the Inspector.`);
