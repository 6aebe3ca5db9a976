import { existsSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { execa } from 'execa';
import type { AppGeneratorOptions } from '../../generators/app/index.js';
import { missingOptions, noTerminalMessage } from '../../generators/app/options.js';
import { loadSpec } from '../../generators/shared/spec/index.js';
import { step, UserError } from '../output.js';
import { projectDependencies, type ProjectDependencies } from '../project-dependencies.js';
import { parseRuntimeSource } from '../runtime-source.js';
import { toolkitRoot } from '../toolkit.js';
import { runGenerator } from '../yeoman.js';

export interface NewCommandOptions {
  yes?: boolean;
  name?: string;
  example?: string;
  spec?: string;
  transport?: string;
  layout?: string;
  auth?: string;
  skipInstall?: boolean;
  force?: boolean;
  /** auto (registry when it has a compatible version, else vendor), registry or vendor. */
  runtimeSource?: string;
}

export async function newCommand(dir: string, options: NewCommandOptions): Promise<void> {
  const target = resolve(dir);
  if (existsSync(target)) {
    if (!statSync(target).isDirectory()) throw new UserError(`${dir} exists and is not a folder. Choose another path.`);
    const entries = readdirSync(target).filter((entry) => entry !== '.git');
    if (entries.length > 0 && !options.force) {
      throw new UserError(
        `${dir} is not empty (${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}). Choose an empty or new folder, or pass --force to write over files in it.`,
      );
    }
  }
  // Fail before Yeoman starts (and before the target folder exists) on what can be known up front.
  const missing = missingOptions(options);
  if (missing.length > 0 && !process.stdin.isTTY) throw new UserError(noTerminalMessage(missing));
  if (options.spec) await loadSpec(resolve(options.spec));
  const runtimeSource = parseRuntimeSource(options.runtimeSource);
  const toolkit = toolkitRoot();
  const existedBefore = existsSync(target);

  const plan = step('Writing the project');
  let result: AppGeneratorOptions['result'];
  let dependencies: ProjectDependencies;
  try {
    dependencies = await projectDependencies(toolkit, runtimeSource);
    const { runtime, cli } = dependencies;
    const finished = await runGenerator<AppGeneratorOptions>('app', target, {
      yes: options.yes,
      name: options.name,
      example: options.example,
      spec: options.spec ? resolve(options.spec) : undefined,
      transport: options.transport,
      layout: options.layout,
      auth: options.auth,
      force: options.force,
      planContext: { toolkitRoot: toolkit, runtime, cli },
    });
    result = finished.result;
  } catch (error) {
    plan.fail();
    // Yeoman creates the destination folder early; a failed run must not leave it behind.
    if (!existedBefore && existsSync(target) && readdirSync(target).length === 0) rmdirSync(target);
    throw error;
  }
  if (!result) throw new Error('the app generator finished without a result');
  plan.done(`${result.files.length} files`);
  // Which source was used is also written into the project README ("Where mcpforge comes from").
  process.stderr.write(`  @mcpforge/runtime ${dependencies.runtime.spec}: ${dependencies.runtime.reason}\n`);
  for (const warning of result.warnings) process.stderr.write(`  ! ${warning}\n`);

  const shown = relative(process.cwd(), target) || '.';
  if (options.skipInstall) {
    process.stderr.write(`\nSkipped install and build. Next:\n  cd ${shown}\n  npm install\n  npm run build\n`);
    return;
  }
  await runStep('Installing dependencies (npm install)', 'npm', ['install', '--no-audit', '--no-fund'], target);
  await runStep('Building (npm run build)', 'npm', ['run', 'build'], target);
  printNextSteps(result.answers.name, target, shown);
  if (result.answers.layout === 'production') printDeploySteps(shown);
}

async function runStep(title: string, command: string, args: string[], cwd: string): Promise<void> {
  const progress = step(title);
  try {
    await execa(command, args, { cwd, all: true });
    progress.done();
  } catch (error) {
    progress.fail();
    const output = (error as { all?: string }).all ?? String(error);
    throw new UserError(`${title} failed in ${cwd}:\n${output.split('\n').slice(-30).join('\n')}\nFix the problem above, then run \`${command} ${args.join(' ')}\` in that folder.`);
  }
}

function printNextSteps(name: string, target: string, shown: string): void {
  const server = `${target}/dist/server.js`;
  process.stdout.write(`
Created ${name} in ${shown}.

Run it:
  cd ${shown}
  npm start                # stdio
  npm run start:http       # Streamable HTTP on http://127.0.0.1:3000/mcp
  npm test

Claude Desktop (claude_desktop_config.json):
  { "mcpServers": { "${name}": { "command": "node", "args": ["${server}"] } } }

VS Code (.vscode/mcp.json):
  { "servers": { "${name}": { "type": "stdio", "command": "node", "args": ["${server}"] } } }

MCP Inspector:
  npx @modelcontextprotocol/inspector node ${server}
`);
}

function printDeploySteps(shown: string): void {
  process.stdout.write(`
Production layout (PostgreSQL, Redis, Docker, compose, Kubernetes): see "Deploy" in ${shown}/README.md.
  docker compose up -d --build            # app replicas behind nginx on http://localhost:8080/mcp
  kubectl apply -f deploy/k8s/            # after building and pushing the image
Without DATABASE_URL the server still runs on SQLite, as in the dev layout.
`);
}
