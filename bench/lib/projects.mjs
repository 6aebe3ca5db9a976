// Generated servers for the benchmarks: `mcpforge new --spec` on a spec with an `add` tool and
// (N-1) synthetic tools, real handlers written over the stubs, built by the project's build script
// against the local runtime (node_modules is a link to the repository's, where @mcpforge/runtime is
// the workspace).
// A project is rebuilt only when its spec or the generator changed (stamp file).
import { execFileSync, execSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { BENCH_DIR, REPO_ROOT, log } from './util.mjs';

export const WORK_DIR = join(BENCH_DIR, '.work');

export const ADD_INPUT = {
  type: 'object',
  properties: { a: { type: 'number' }, b: { type: 'number' } },
  required: ['a', 'b'],
  additionalProperties: false,
};

/**
 * The benchmark spec: `add` plus (tools − 1) synthetic tools. `auth: 'apiKey'` turns API-key
 * authentication on (the issue's "auth, audit, logs and metrics on" contender).
 */
export function benchSpec(tools, { auth } = {}) {
  const spec = {
    name: `bench-${tools}${auth ? `-${auth.toLowerCase()}` : ''}`,
    ...(auth ? { auth: { mode: auth } } : {}),
    version: '1.0.0',
    description: `mcpforge benchmark server with ${tools} tools`,
    transports: ['stdio', 'http'],
    // The benchmarks measure a server listing every tool (cold start to a full tools/list, throughput
    // per size): above 60 tools the default would be progressive discovery.
    discovery: { mode: 'direct' },
    tools: { add: { description: 'Add two numbers', input: ADD_INPUT } },
  };
  for (let i = 1; i < tools; i++) {
    spec.tools[`tool_${i}`] = {
      description: `Synthetic tool ${i}`,
      input: {
        type: 'object',
        properties: { x: { type: 'string', maxLength: 64 }, n: { type: 'integer', minimum: 0 }, tags: { type: 'array', items: { type: 'string' } } },
        required: ['x'],
        additionalProperties: false,
      },
    };
  }
  return spec;
}

const ADD_HANDLER = `import { defineTool } from '../generated/registry.js';

export default defineTool('add', async (input) => String(input.a + input.b));
`;
const toolHandler = (name) => `import { defineTool } from '../generated/registry.js';

export default defineTool('${name}', async (input) => \`\${input.x}:\${input.n ?? 0}\`);
`;
// The same server with input validation off: every validator is replaced by one that accepts all.
// Started as src/server.ts starts (startServer: the same heap sizing), so the twin differs only in validation.
const SERVER_NO_VALIDATION = `import type { ServerModules } from '@mcpforge/runtime';
import { startServer } from '@mcpforge/runtime/start';
import { modules } from './generated/handlers.js';
import { manifest } from './generated/manifest.js';

const acceptAll = async () => ({ default: () => true });
const tools: ServerModules['tools'] = {};
for (const [key, mod] of Object.entries(modules.tools)) tools[key] = { ...mod, validateInput: acceptAll };
await startServer({ manifest, modules: { ...modules, tools }, projectRoot: new URL('..', import.meta.url) });
`;

function generatorFingerprint() {
  const hash = createHash('sha256');
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      // Contents, not mtimes: a rebuild that changes nothing keeps the projects (tsc of 1,000 tools is slow).
      else hash.update(`${path}\n`).update(readFileSync(path));
    }
  };
  for (const dir of ['dist/generators', 'dist/cli', 'templates']) if (existsSync(join(REPO_ROOT, dir))) walk(join(REPO_ROOT, dir));
  return hash.digest('hex');
}

/** Builds the toolkit and the runtime when their compiled output is missing. */
export function ensureToolkitBuilt() {
  if (existsSync(join(REPO_ROOT, 'dist/cli')) && existsSync(join(REPO_ROOT, 'runtime/dist/bundle/index.js'))) return;
  log('building the toolkit (npm run build)');
  execFileSync('npm', ['run', 'build'], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** The API key of a project prepared with `auth: 'apiKey'` (created with `mcpforge keys create`). */
export function benchApiKey(dir) {
  return readFileSync(join(dir, '.bench-key'), 'utf8').trim();
}

/** Its database: a file, so that the key created by the CLI is there when the server starts. */
export function benchDatabaseUrl(dir) {
  return `sqlite:${join(dir, 'bench.db')}`;
}

/** Returns the folder of a built benchmark project with `tools` tools (`auth`: see `benchSpec`). */
export function prepareProject(tools, { auth } = {}) {
  ensureToolkitBuilt();
  const dir = join(WORK_DIR, `tools-${tools}${auth ? `-${auth.toLowerCase()}` : ''}`);
  const spec = benchSpec(tools, { auth });
  const stamp = createHash('sha256').update(JSON.stringify(spec)).update(generatorFingerprint()).update(ADD_HANDLER + SERVER_NO_VALIDATION).digest('hex');
  const stampFile = join(dir, '.bench-stamp');
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp && existsSync(join(dir, 'dist/server.js'))) return dir;

  log(`generating a ${tools}-tool project in ${dir}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(WORK_DIR, { recursive: true });
  const specFile = join(WORK_DIR, `spec-${tools}.json`);
  writeFileSync(specFile, JSON.stringify(spec, null, 1));
  execFileSync(process.execPath, [join(REPO_ROOT, 'bin/mcpforge.js'), 'new', dir, '--yes', '--spec', specFile, '--skip-install', '--force'], {
    cwd: WORK_DIR,
    stdio: 'pipe',
    env: { ...process.env, CI: 'true' },
    maxBuffer: 64 * 1024 * 1024,
  });
  writeFileSync(join(dir, 'src/tools/add.ts'), ADD_HANDLER);
  for (let i = 1; i < tools; i++) writeFileSync(join(dir, `src/tools/tool_${i}.ts`), toolHandler(`tool_${i}`));
  writeFileSync(join(dir, 'src/server-novalidate.ts'), SERVER_NO_VALIDATION);
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  // The project's own `build` script (tsc, then the copy of the validators' .js into dist/), as
  // `npm run build` runs it: a shell with node_modules/.bin first on PATH.
  log(`building the ${tools}-tool project (its build script)`);
  const { scripts } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  execSync(scripts.build, { cwd: dir, stdio: 'pipe', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, PATH: `${join(dir, 'node_modules/.bin')}${delimiter}${process.env.PATH}` } });
  if (auth === 'apiKey') {
    const out = execFileSync(process.execPath, [join(REPO_ROOT, 'bin/mcpforge.js'), 'keys', 'create', '--name', 'bench', '--json', '--database-url', benchDatabaseUrl(dir)], { cwd: dir, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
    writeFileSync(join(dir, '.bench-key'), JSON.parse(out).key);
  }
  writeFileSync(stampFile, stamp);
  return dir;
}
