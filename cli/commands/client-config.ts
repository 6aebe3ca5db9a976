/**
 * `mcpforge client-config`: the snippet that connects a client to this server, printed or merged
 * into the client's config file (other servers in that file are kept as they are).
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { UserError } from '../output.js';

export const CLIENTS = ['claude-desktop', 'claude-code', 'vscode', 'cursor'] as const;
export type ClientName = (typeof CLIENTS)[number];

export interface ClientConfigOptions {
  client: string;
  transport?: string;
  url?: string;
  write?: boolean;
  file?: string;
  spec: string;
}

interface ServerEntry {
  [key: string]: unknown;
}

interface ClientShape {
  /** Where the client reads its config; relative paths are inside the project. */
  file(projectDir: string): string;
  /** The top-level key holding servers by name. */
  key: 'mcpServers' | 'servers';
  stdio(command: string, args: string[]): ServerEntry;
  http(url: string): ServerEntry;
}

function claudeDesktopFile(): string {
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Claude', 'claude_desktop_config.json');
  if (process.platform === 'win32') return join(process.env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Claude', 'claude_desktop_config.json');
  return join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'Claude', 'claude_desktop_config.json');
}

const SHAPES: Record<ClientName, ClientShape> = {
  'claude-desktop': {
    file: claudeDesktopFile,
    key: 'mcpServers',
    stdio: (command, args) => ({ command, args }),
    // Claude Desktop's config file starts local processes only: bridge to HTTP with mcp-remote.
    http: (url) => ({ command: 'npx', args: ['-y', 'mcp-remote', url] }),
  },
  'claude-code': {
    file: (projectDir) => join(projectDir, '.mcp.json'),
    key: 'mcpServers',
    stdio: (command, args) => ({ type: 'stdio', command, args }),
    http: (url) => ({ type: 'http', url }),
  },
  vscode: {
    file: (projectDir) => join(projectDir, '.vscode', 'mcp.json'),
    key: 'servers',
    stdio: (command, args) => ({ type: 'stdio', command, args }),
    http: (url) => ({ type: 'http', url }),
  },
  cursor: {
    file: (projectDir) => join(projectDir, '.cursor', 'mcp.json'),
    key: 'mcpServers',
    stdio: (command, args) => ({ command, args }),
    http: (url) => ({ url }),
  },
};

function readJsonObject(file: string): Record<string, unknown> {
  if (!existsSync(file)) return {};
  const text = readFileSync(file, 'utf8');
  if (text.trim() === '') return {};
  try {
    const value = JSON.parse(text) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through to the message below
  }
  throw new UserError(`${file} is not a JSON object (comments are not supported). Fix or move it, then run again; nothing was written.`);
}

export function buildEntry(options: { client: ClientName; transport: 'stdio' | 'http'; projectDir: string; url: string }): ServerEntry {
  const shape = SHAPES[options.client];
  return options.transport === 'http' ? shape.http(options.url) : shape.stdio('node', [join(options.projectDir, 'dist', 'server.js')]);
}

export function mergeEntry(existing: Record<string, unknown>, key: string, name: string, entry: ServerEntry): Record<string, unknown> {
  const servers = existing[key];
  if (servers !== undefined && (typeof servers !== 'object' || servers === null || Array.isArray(servers))) {
    throw new UserError(`"${key}" in the client config is not an object; fix it by hand first. Nothing was written.`);
  }
  return { ...existing, [key]: { ...(servers as Record<string, unknown> | undefined), [name]: entry } };
}

export async function clientConfigCommand(options: ClientConfigOptions): Promise<void> {
  if (!(CLIENTS as readonly string[]).includes(options.client)) {
    throw new UserError(`--client ${options.client}: choose one of ${CLIENTS.join(', ')}.`);
  }
  const client = options.client as ClientName;
  const transport = options.transport ?? 'stdio';
  if (transport !== 'stdio' && transport !== 'http') throw new UserError(`--transport ${transport}: use stdio or http.`);
  const specPath = resolve(options.spec);
  if (!existsSync(specPath)) {
    throw new UserError(`${options.spec} not found in ${process.cwd()}. Run this in a project made by \`mcpforge new\`, or pass --spec <file>.`);
  }
  const projectDir = dirname(specPath);
  const name = (parse(readFileSync(specPath, 'utf8')) as { name?: string } | null)?.name;
  if (!name) throw new UserError(`${options.spec} has no "name": add one (it names the server in client configs).`);
  const entry = buildEntry({ client, transport, projectDir, url: options.url ?? 'http://127.0.0.1:3000/mcp' });
  const shape = SHAPES[client];
  if (!options.write) {
    process.stdout.write(`${JSON.stringify({ [shape.key]: { [name]: entry } }, null, 2)}\n`);
    process.stderr.write(`(add this to ${shape.file(projectDir)}, or run again with --write)\n`);
    return;
  }
  const file = options.file ? resolve(options.file) : shape.file(projectDir);
  const merged = mergeEntry(readJsonObject(file), shape.key, name, entry);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(merged, null, 2)}\n`);
  process.stdout.write(`wrote server "${name}" (${transport}) into ${file}\n`);
}
