/** The `mcpforge` command line. Each command lives in cli/commands/<name>.ts. */
import { Command, InvalidArgumentError } from 'commander';
import { CLIENTS } from './clients.js';
import { UserError } from './output.js';
import { toolkitVersion } from './toolkit.js';
import { NEW_OPTIONS } from '../generators/app/options.js';
import { parseRuntimeSource } from './runtime-source.js';

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

  const create = program
    .command('new')
    .description('scaffold a new MCP server project (dev layout: SQLite, stdio + HTTP; or --layout production), install and build it')
    .argument('<dir>', 'folder to create the project in (must be empty or new)')
    .option('-y, --yes', 'accept the default for every question')
    .option('--spec <file>', 'start from an existing mcpforge.yaml instead of an example')
    .option('--skip-install', 'write the files only; do not run npm install and build')
    .option('--force', 'write into a non-empty folder, overwriting files with the same names')
    .option(
      '--runtime-source <source>',
      'how the project depends on @mcpforge/runtime and mcpforge: auto (a ^range when the registry has a compatible version, else tarballs in vendor/), registry or vendor (default: MCPFORGE_RUNTIME_SOURCE, else auto)',
      validated((value: string) => parseRuntimeSource(value)),
    )
    // Commands load lazily: `generate` on an unchanged project must not pay for Yeoman's import.
    .action(async (dir: string, options: object) => (await import('./commands/new.js')).newCommand(dir, options));
  // The flags that are also questions come from the one definition that drives the prompt and the saved answer.
  for (const option of NEW_OPTIONS) {
    if (option.parse) create.option(option.flag, option.description, validated(option.parse));
    else create.option(option.flag, option.description);
  }

  program
    .command('generate')
    .description('regenerate src/generated/ from mcpforge.yaml, create missing handler files, update handler type imports')
    .option('--spec <file>', 'spec file', 'mcpforge.yaml')
    .option('--dry-run', 'print what would be created, updated, removed and left alone; write nothing')
    .option('--no-cache', 'ignore .mcpforge/cache.json and regenerate every entry')
    .option('--allow-remote-refs', 'fetch http(s) schemas and $refs')
    .action(async (options: { spec: string }) => (await import('./commands/generate.js')).generateCommand(options));

  program
    .command('check')
    .description('exit 1 when src/generated/ is not exactly what generate would write or a handler does not match (for CI)')
    .option('--spec <file>', 'spec file', 'mcpforge.yaml')
    .option('--no-cache', 'ignore .mcpforge/cache.json and compare with a full regeneration')
    .option('--client <profile...>', 'instead: report what a client profile changes or cannot express (claude, openai-strict, gemini, vscode, cursor, full, or all)')
    .option('--client-prefix <prefix>', "with --client: the prefix the client puts before tool names ({server} = server name), e.g. 'mcp__{server}__'")
    .option('--verbose', 'with --client: list every change')
    .action(async (options: { spec: string; client?: string[]; clientPrefix?: string; verbose?: boolean }) =>
      options.client
        ? (await import('./commands/check-client.js')).checkClientCommand({ ...options, client: options.client })
        : (await import('./commands/generate.js')).checkCommand(options),
    );

  program
    .command('dev')
    .description('watch the spec, schemas/ and src/; regenerate, rebuild and restart the server over HTTP on every change (one status line per cycle)')
    .option('--spec <file>', 'spec file', 'mcpforge.yaml')
    .option('--port <n>', 'HTTP port of the server (0: any free port, kept across restarts)', '3000')
    .option('--host <host>', 'bind address of the server', '127.0.0.1')
    .option('--debounce <ms>', 'quiet time after the last change before a cycle starts', '200')
    .action(async (options: { spec: string; port: string; host: string; debounce: string }) => (await import('./commands/dev.js')).devCommand(options));

  const add = program.command('add').description('add a tool, resource or prompt to the spec and generate');
  const addAction = (kind: 'tool' | 'resource' | 'prompt') => async (name: string, options: { spec: string }) =>
    (await import('./commands/add.js')).addCommand(kind, name, options);
  const common = (command: Command) =>
    command
      .option('--spec <file>', 'spec file', 'mcpforge.yaml')
      .option('--description <text>', 'description (shown to clients and models)')
      .option('--title <text>', 'human-readable title')
      .option('-y, --yes', 'accept the default for every question')
      .option('--dry-run', 'print what would be created, updated and left alone; write nothing');
  common(add.command('tool').argument('<name>', 'tool name (A-Z a-z 0-9 _ . -)'))
    .description('add a tool: its input (and optional output) JSON Schema, a handler stub in src/tools/')
    .option('--input <file>', 'input JSON Schema file (default: a new schemas/<name>.input.json)')
    .option('--output <file>', 'output JSON Schema file (structuredContent); default: text results')
    .action(addAction('tool'));
  common(add.command('resource').argument('<name>', 'resource name'))
    .description('add a resource: a static URI or an RFC 6570 template, a handler stub in src/resources/')
    .option('--uri <uri>', 'URI or template, e.g. notes://{id}')
    .option('--schema <file>', 'JSON Schema of the data the resource returns')
    .option('--mime-type <type>', 'MIME type of the contents')
    .action(addAction('resource'));
  common(add.command('prompt').argument('<name>', 'prompt name'))
    .description('add a prompt: optional string arguments, a handler stub in src/prompts/')
    .option('--arguments <file>', 'JSON Schema of the arguments (an object of string properties)')
    .action(addAction('prompt'));

  program
    .command('client-config')
    .description('print (or --write) the config that connects a client to this server: absolute node path for stdio; Authorization header for apiKey/jwt over http')
    .requiredOption('--client <client>', `one of ${CLIENTS.join(', ')}`)
    .option('--transport <transport>', 'stdio (the client starts the server) or http', 'stdio')
    .option('--url <url>', 'server URL for --transport http', 'http://127.0.0.1:3000/mcp')
    .option('--write', "merge the entry into the client's config file, keeping other servers")
    .option('--file <file>', 'config file to write instead of the client default')
    .option('--spec <file>', 'spec file', 'mcpforge.yaml')
    .option('--token-env <var>', 'apiKey/jwt over http: environment variable holding the credential (default <NAME>_API_KEY or <NAME>_TOKEN)')
    .option('--token <value>', 'apiKey/jwt over http: write this credential into the config in clear (default: a reference to --token-env or a prompt)')
    .action(async (options: Parameters<typeof import('./commands/client-config.js').clientConfigCommand>[0]) => (await import('./commands/client-config.js')).clientConfigCommand(options));

  const importer = program.command('import').description('add tools from existing descriptions: OpenAPI 3.x or JSON Schema files');
  importer
    .command('openapi')
    .description('one tool per operation of an OpenAPI 3.0/3.1 description (YAML or JSON), with handlers that call the API')
    .argument('<file>', 'the OpenAPI description')
    .option('--spec <file>', 'spec file', 'mcpforge.yaml')
    .option('--include-tags <tags>', 'only operations with one of these tags (comma-separated)')
    .option('--include-ops <ids>', 'only these operations (operationIds or tool names, comma-separated)')
    .option('--exclude-ops <ids>', 'skip these operations (operationIds or tool names, comma-separated)')
    .option('--base-url <url>', 'default upstream base URL (default: servers[0] of the description)')
    .option('--max-tools <n>', 'refuse to import more tools than this')
    .option('--output-schema-limit <kib>', 'largest output schema kept, in KiB as tools/list advertises it, with its definitions; bigger responses come back as JSON text (0: none, all: every one; default 3)')
    .option('--description-budget <chars>', 'characters per parameter and property description, in whole sentences, after links and "For more information" pointers are dropped (0: as written; default 160)')
    .option('--output-validation <mode>', 'upstream responses that do not match their schema: warn (default; the data as text with a note, logged and counted) or strict (a tool error naming the status and first mismatch)')
    .option('--name <name>', 'short name of the API: schema folder, config module, env prefix (default: from info.title)')
    .option('--token-budget <n>', 'warn when tools/list costs more tokens than this (default 25000)')
    .option('--strict', 'treat lint warnings as errors (nothing is written)')
    .option('--no-generate', 'only edit the spec and write schemas and handlers; run `mcpforge generate` later')
    .action(async (...args: unknown[]) => ((await import('./commands/import.js')).importOpenApiCommand as (...a: unknown[]) => Promise<void>)(...args));
  importer
    .command('schema')
    .description('each JSON Schema file (draft-07 or 2020-12) becomes a tool input (or a resource schema)')
    .argument('<files...>', 'schema files or globs (schemas/*.json)')
    .option('--as <kind>', 'tool or resource', 'tool')
    .option('--spec <file>', 'spec file', 'mcpforge.yaml')
    .option('--token-budget <n>', 'warn when tools/list costs more tokens than this (default 25000)')
    .option('--strict', 'treat lint warnings as errors (nothing is written)')
    .option('--no-generate', 'only edit the spec; run `mcpforge generate` later')
    .action(async (...args: unknown[]) => ((await import('./commands/import.js')).importSchemaCommand as (...a: unknown[]) => Promise<void>)(...args));

  program
    .command('upgrade')
    .description('turn this dev project into the production layout (PostgreSQL, Redis, Docker, compose, Kubernetes), and/or switch its auth mode')
    .option('--to <layout>', 'target layout: production')
    .option('--auth <mode>', 'set auth.mode (none|apiKey|jwt|oauth), document its variables in .env.example, regenerate')
    .option('--dry-run', 'print every file it would create or change and every dependency it would add')
    .option('--migrate-data', 'copy the dev SQLite data into PostgreSQL (DATABASE_URL or --database-url), verified')
    .option('--database-url <url>', 'PostgreSQL URL for --migrate-data (default: $DATABASE_URL)')
    .option('--from <url>', 'SQLite database to copy (default: sqlite:data/<name>.db)')
    .option('--replicas <n>', 'app replicas in compose.yaml and the Deployment', '3')
    .option('--tls <mode>', 'HTTPS in front: terminate (nginx/ingress holds the certificate) or passthrough (replicas terminate TLS, for end-to-end mTLS)')
    .option('--force', 'run on a dirty git tree, replace edited deployment files, copy into non-empty tables')
    .option('--dir <dir>', 'project folder (default: the current folder)')
    // Loaded lazily like every command: start-up stays small (a no-op `generate` must be < 1 s).
    .action(async (...args: unknown[]) => ((await import('./commands/upgrade.js')).upgradeCommand as (...a: unknown[]) => Promise<void>)(...args));

  const keys = program.command('keys').description('manage the API keys of this project (auth.mode: apiKey), in its database');
  const keyOptions = (command: Command) =>
    command
      .option('--spec <file>', 'spec file', 'mcpforge.yaml')
      .option('--database-url <url>', "the project's database (default: $DATABASE_URL, else sqlite:data/<name>.db)")
      .option('--json', 'print JSON');
  keyOptions(keys.command('create'))
    .description('create a key and print it once (only its SHA-256 hash is stored)')
    .requiredOption('--name <name>', 'a unique name for the key (the caller is apikey:<name>)')
    .option('--scopes <list>', 'scopes the key grants, comma-separated (e.g. notes:read,notes:write)')
    .option('--role <name>', 'a role of auth.roles in mcpforge.yaml the key holds (repeat for several)', (value: string, previous: string[] = []) => [...previous, value])
    .action(async (options: { name: string; scopes?: string; role?: string[] }) => (await import('./commands/keys.js')).keysCreateCommand(options));
  keyOptions(keys.command('list'))
    .description('list keys: id, name, state, created, scopes, roles (never the keys)')
    .action(async (options: object) => (await import('./commands/keys.js')).keysListCommand(options));
  keyOptions(keys.command('revoke').argument('<key>', 'id or name of the key'))
    .description('revoke a key: the server refuses it from the next request')
    .action(async (key: string, options: object) => (await import('./commands/keys.js')).keysRevokeCommand(key, options));

  program
    .command('gateway')
    .description('serve one MCP endpoint over the tool-group servers registered in a service registry (docs/deployment.md)')
    .option('--registry <url>', 'etcd://host:2379 or k8s://<namespace>/<app>?groups=a,b (default: $MCP_REGISTRY)')
    .option('--service <names>', 'the servers to front: a spec name or a comma-separated list, e.g. weather,notes,files (default: every registered service)')
    .option('--names <mode>', 'a tool/prompt/resource name served by two services: refuse (stop with an error) or prefix (serve every name as <service>__<name>)', 'refuse')
    .option('--port <n>', 'listen port (default: $MCP_PORT, else 3000)')
    .option('--host <h>', 'bind address (default: $MCP_HOST, else 127.0.0.1)')
    .option('--auth <mode>', 'caller authentication at the gateway: none, jwt, apiKey, oauth (settings: the MCP_* auth variables of the runtime)', 'none')
    .option('--min-groups <n>', 'wait at start until this many groups are registered', '1')
    .addHelpText('after', '\nThe identity of each caller is forwarded to the group servers signed with $MCP_GATEWAY_IDENTITY_KEY (32+ characters, the same on the group servers).')
    .action(async (options: { registry?: string; service?: string; names: string; port?: string; host?: string; auth: string; minGroups: string }) => (await import('./commands/gateway.js')).gatewayCommand(options));

  program
    .command('dev-cert')
    .description('make a local CA, a server certificate and client certificates (PEM) for trying HTTPS and mutual TLS')
    .option('--out <dir>', 'folder for the PEM files', '.certs')
    .option('--hosts <list>', 'names and IPs of the server certificate, comma-separated', 'localhost,127.0.0.1,::1')
    .option('--client <name...>', 'a client certificate with this CN (repeatable)')
    .action(async (options: { out: string; hosts: string; client?: string[] }) => (await import('./commands/dev-cert.js')).devCertCommand(options));

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
