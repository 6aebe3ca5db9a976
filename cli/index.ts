/** The `mcpforge` command line. Each command lives in cli/commands/<name>.ts. */
import { Command, InvalidArgumentError } from 'commander';
import { newCommand } from './commands/new.js';
import { clientConfigCommand, CLIENTS } from './commands/client-config.js';
import { generateCommand, checkCommand } from './commands/generate.js';
import { UserError } from './output.js';
import { toolkitVersion } from './toolkit.js';
import { EXAMPLE_CHOICES, parseExample, parseTransports } from '../generators/app/options.js';

function validated<T>(parse: (value: string) => T): (value: string) => string {
  return (value) => {
    try {
      parse(value);
      return value;
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
  };
}

export function buildProgram(): Command {
  const program = new Command('mcpforge')
    .description('Generate production-grade MCP servers from JSON Schema.')
    .version(toolkitVersion(), '-v, --version')
    .showHelpAfterError('(run with --help for usage)');

  program
    .command('new')
    .description('scaffold a new MCP server project (dev layout: SQLite, stdio + HTTP), install and build it')
    .argument('<dir>', 'folder to create the project in (must be empty or new)')
    .option('-y, --yes', 'accept the default for every question')
    .option('--name <name>', 'server and package name (default: the folder name)')
    .option('--example <example>', `example tools to start from: ${EXAMPLE_CHOICES.join('|')} (default: all)`, validated(parseExample))
    .option('--spec <file>', 'start from an existing mcpforge.yaml instead of an example')
    .option('--transport <list>', 'transports to offer: stdio,http (default: both)', validated(parseTransports))
    .option('--skip-install', 'write the files only; do not run npm install and build')
    .option('--force', 'write into a non-empty folder, overwriting files with the same names')
    .action(newCommand);

  program
    .command('generate')
    .description('regenerate src/generated/ from mcpforge.yaml and create missing handler files')
    .option('--spec <file>', 'spec file', 'mcpforge.yaml')
    .option('--dry-run', 'print what would be written, write nothing')
    .action(generateCommand);

  program
    .command('check')
    .description('exit 1 when src/generated/ is stale or a handler file is missing (for CI)')
    .option('--spec <file>', 'spec file', 'mcpforge.yaml')
    .action(checkCommand);

  program
    .command('client-config')
    .description('print (or --write) the config that connects a client to this server')
    .requiredOption('--client <client>', `one of ${CLIENTS.join(', ')}`)
    .option('--transport <transport>', 'stdio (the client starts the server) or http', 'stdio')
    .option('--url <url>', 'server URL for --transport http', 'http://127.0.0.1:3000/mcp')
    .option('--write', "merge the entry into the client's config file, keeping other servers")
    .option('--file <file>', 'config file to write instead of the client default')
    .option('--spec <file>', 'spec file', 'mcpforge.yaml')
    .action(clientConfigCommand);

  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (error) {
    const known = error instanceof UserError || (error as { name?: string }).name?.startsWith('Spec');
    const message = typeof (error as { format?: () => string }).format === 'function'
      ? (error as { format: () => string }).format()
      : (error as Error).message;
    process.stderr.write(`\nmcpforge: ${message}\n`);
    if (!known && process.env.MCPFORGE_DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
    return error instanceof UserError ? error.exitCode : 1;
  }
}
