/**
 * `mcpforge client-config`: the entry that connects an app to this server, printed or merged into
 * the app's config file (other servers, keys and comments in that file are kept as they are).
 *
 * Each app gets the credential of an apiKey/jwt project the way it supports one, so no secret is
 * written in clear unless `--token` asks for it: VS Code prompts once (`${input:...}`, stored by
 * VS Code) or reads `${env:...}`; Cursor reads `${env:...}`; Claude Code expands `${VAR}`; Claude
 * Desktop starts mcp-remote, which sends `--header` values and expands `${VAR}` from the `env` it
 * is given (Claude Desktop passes `env` literally, so that value is a placeholder to replace).
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { applyEdits, modify, parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { parse } from 'yaml';
import { UserError } from '../output.js';

import { CLIENTS, type ClientName } from '../clients.js';

export { CLIENTS, type ClientName };

export interface ClientConfigOptions {
  client: string;
  transport?: string;
  url?: string;
  write?: boolean;
  file?: string;
  spec: string;
  /** Environment variable holding the credential (default <NAME>_API_KEY or <NAME>_TOKEN). */
  tokenEnv?: string;
  /** The credential itself, written in clear: only when the user passes it. */
  token?: string;
}

export interface ServerEntry {
  [key: string]: unknown;
}

/** A VS Code `inputs` entry the server entry refers to with `${input:<id>}`. */
export interface PromptInput {
  type: 'promptString';
  id: string;
  description: string;
  password: true;
}

/** How the entry authenticates over HTTP (apiKey and jwt projects); undefined: no header. */
export interface Credential {
  /** What the credential is, for descriptions: "API key" or "JWT". */
  kind: string;
  /** The environment variable that holds it. */
  env: string;
  /** Set: the credential in clear (the user asked with --token). */
  value?: string;
  /** VS Code: read `${env:...}` instead of prompting (the user named --token-env). */
  fromEnv: boolean;
}

export interface BuiltEntry {
  entry: ServerEntry;
  /** VS Code inputs the entry needs (merged into the file's `inputs`). */
  inputs: PromptInput[];
  /** What the user must still do or know (printed on stderr). */
  notes: string[];
}

interface ClientShape {
  /** Where the client reads its config; relative paths are inside the project. */
  file(projectDir: string): string;
  /** The top-level key holding servers by name. */
  key: 'mcpServers' | 'servers';
  stdio(command: string, args: string[]): ServerEntry;
  http(url: string, name: string, credential: Credential | undefined): BuiltEntry;
}

function claudeDesktopFile(): string {
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Claude', 'claude_desktop_config.json');
  if (process.platform === 'win32') return join(process.env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Claude', 'claude_desktop_config.json');
  return join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'Claude', 'claude_desktop_config.json');
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** npx next to the running node (GUI apps often start without the shell's PATH), else `npx`. */
function npxCommand(): string {
  const beside = join(dirname(process.execPath), process.platform === 'win32' ? 'npx.cmd' : 'npx');
  return existsSync(beside) ? beside : 'npx';
}

const bearer = (credential: Credential, reference: string) => `Bearer ${credential.value ?? reference}`;
const inputId = (name: string) => `${name}-token`;

const SHAPES: Record<ClientName, ClientShape> = {
  'claude-desktop': {
    file: claudeDesktopFile,
    key: 'mcpServers',
    stdio: (command, args) => ({ command, args }),
    // Claude Desktop's config file starts local processes only: bridge to HTTP with mcp-remote.
    http: (url, _name, credential) => {
      const args = ['-y', 'mcp-remote', url];
      const notes: string[] = [];
      const parsed = new URL(url);
      if (parsed.protocol === 'http:' && !LOOPBACK.has(parsed.hostname)) {
        // mcp-remote refuses plain http to another host unless told; say what that exposes.
        args.push('--allow-http');
        notes.push(`${url} is plain http to another host: mcp-remote runs with --allow-http, so requests${credential ? ' and the credential' : ''} travel unencrypted; serve https to avoid it.`);
      }
      if (!credential) return { entry: { command: npxCommand(), args }, inputs: [], notes };
      // No space inside the argument (some apps split arguments on spaces): the value is in env.
      args.push('--header', 'Authorization:${MCP_AUTHORIZATION}');
      const placeholder = `<the ${credential.kind}: the value of ${credential.env}>`;
      if (!credential.value) {
        notes.push(`Claude Desktop passes "env" values as they are: replace ${placeholder} in MCP_AUTHORIZATION with the ${credential.kind}, or run again with --token <value> to have it written.`);
      }
      return { entry: { command: npxCommand(), args, env: { MCP_AUTHORIZATION: bearer(credential, placeholder) } }, inputs: [], notes };
    },
  },
  'claude-code': {
    file: (projectDir) => join(projectDir, '.mcp.json'),
    key: 'mcpServers',
    stdio: (command, args) => ({ type: 'stdio', command, args }),
    // Claude Code expands ${VAR} in .mcp.json from its environment.
    http: (url, _name, credential) => ({
      entry: { type: 'http', url, ...(credential ? { headers: { Authorization: bearer(credential, `\${${credential.env}}`) } } : {}) },
      inputs: [],
      notes: credential && !credential.value ? [`set ${credential.env} to the ${credential.kind} in the environment Claude Code starts from.`] : [],
    }),
  },
  vscode: {
    file: (projectDir) => join(projectDir, '.vscode', 'mcp.json'),
    key: 'servers',
    stdio: (command, args) => ({ type: 'stdio', command, args }),
    // VS Code: ${input:id} prompts once and keeps the answer in its secret storage; ${env:VAR} reads the environment.
    http: (url, name, credential) => {
      if (!credential) return { entry: { type: 'http', url }, inputs: [], notes: [] };
      if (credential.value || credential.fromEnv) {
        return {
          entry: { type: 'http', url, headers: { Authorization: bearer(credential, `\${env:${credential.env}}`) } },
          inputs: [],
          notes: credential.value ? [] : [`set ${credential.env} to the ${credential.kind} in the environment VS Code starts from.`],
        };
      }
      const input: PromptInput = { type: 'promptString', id: inputId(name), description: `${credential.kind} for the ${name} MCP server`, password: true };
      return { entry: { type: 'http', url, headers: { Authorization: `Bearer \${input:${input.id}}` } }, inputs: [input], notes: [] };
    },
  },
  cursor: {
    file: (projectDir) => join(projectDir, '.cursor', 'mcp.json'),
    key: 'mcpServers',
    stdio: (command, args) => ({ command, args }),
    // Cursor interpolates ${env:VAR} in mcp.json.
    http: (url, _name, credential) => ({
      entry: { url, ...(credential ? { headers: { Authorization: bearer(credential, `\${env:${credential.env}}`) } } : {}) },
      inputs: [],
      notes: credential && !credential.value ? [`set ${credential.env} to the ${credential.kind} in the environment Cursor starts from.`] : [],
    }),
  },
};

/** The environment-variable form of a server name: `my-server` → `MY_SERVER`. */
export function envName(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]+/g, '_').replace(/^_+|_+$/g, '') || 'MCP';
}

/** The credential an HTTP entry carries for the project's auth mode, or undefined. */
export function credentialFor(mode: string | undefined, name: string, options: { tokenEnv?: string; token?: string }): Credential | undefined {
  if (mode !== 'apiKey' && mode !== 'jwt') return undefined;
  const kind = mode === 'apiKey' ? 'API key' : 'JWT';
  const env = options.tokenEnv ?? `${envName(name)}_${mode === 'apiKey' ? 'API_KEY' : 'TOKEN'}`;
  return { kind, env, fromEnv: options.tokenEnv !== undefined, ...(options.token ? { value: options.token } : {}) };
}

export function buildEntry(options: { client: ClientName; transport: 'stdio' | 'http'; projectDir: string; url: string; name: string; credential?: Credential; node?: string }): BuiltEntry {
  const shape = SHAPES[options.client];
  if (options.transport === 'http') return shape.http(options.url, options.name, options.credential);
  // The absolute node: desktop apps often start without the shell's PATH (nvm, Homebrew, Volta).
  return { entry: shape.stdio(options.node ?? process.execPath, [join(options.projectDir, 'dist', 'server.js')]), inputs: [], notes: [] };
}

/** Where a JSONC text fails to parse, as "line L, column C: what", or undefined when it parses. */
function jsoncProblem(text: string): string | undefined {
  const errors: ParseError[] = [];
  parseJsonc(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length === 0) return undefined;
  const { offset, error } = errors[0]!;
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${before.at(-1)!.length + 1}: ${printParseErrorCode(error)}`;
}

/**
 * Sets `key.name` to `entry` (and adds VS Code `inputs` not there yet) in a JSON or JSONC text,
 * editing only those places: comments, formatting and every other key stay as they are.
 */
export function mergeEntryText(text: string, file: string, key: string, name: string, built: Pick<BuiltEntry, 'entry' | 'inputs'>): string {
  const source = text.trim() === '' ? '{}\n' : text;
  const problem = jsoncProblem(source);
  if (problem) throw new UserError(`${file} is not valid JSON or JSONC (${problem}). Fix or move it, then run again; nothing was written.`);
  const doc = parseJsonc(source, [], { allowTrailingComma: true }) as unknown;
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new UserError(`${file} is not a JSON object. Fix or move it, then run again; nothing was written.`);
  const servers = (doc as Record<string, unknown>)[key];
  if (servers !== undefined && (typeof servers !== 'object' || servers === null || Array.isArray(servers))) {
    throw new UserError(`"${key}" in ${file} is not an object; fix it by hand first. Nothing was written.`);
  }
  const indent = /\n(\t| +)"/.exec(source)?.[1];
  const formattingOptions = { insertSpaces: indent !== '\t', tabSize: indent && indent !== '\t' ? indent.length : 2, eol: source.includes('\r\n') ? '\r\n' : '\n' };
  let out = applyEdits(source, modify(source, [key, name], built.entry, { formattingOptions }));
  if (built.inputs.length > 0) {
    const existing = (doc as Record<string, unknown>).inputs;
    if (existing !== undefined && !Array.isArray(existing)) throw new UserError(`"inputs" in ${file} is not an array; fix it by hand first. Nothing was written.`);
    const ids = new Set((existing ?? []).map((i) => (i as { id?: unknown })?.id));
    for (const input of built.inputs.filter((i) => !ids.has(i.id))) {
      // -1: append to the array (created when missing).
      out = applyEdits(out, modify(out, ['inputs', -1], input, { formattingOptions, isArrayInsertion: true }));
    }
  }
  return out.endsWith('\n') ? out : `${out}\n`;
}

export async function clientConfigCommand(options: ClientConfigOptions): Promise<void> {
  if (!(CLIENTS as readonly string[]).includes(options.client)) {
    throw new UserError(`--client ${options.client}: choose one of ${CLIENTS.join(', ')}.`);
  }
  const client = options.client as ClientName;
  const transport = options.transport ?? 'stdio';
  if (transport !== 'stdio' && transport !== 'http') throw new UserError(`--transport ${transport}: use stdio or http.`);
  const url = options.url ?? 'http://127.0.0.1:3000/mcp';
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    throw new UserError(`--url ${url}: give the server's http:// or https:// URL, for example http://127.0.0.1:3000/mcp.`);
  }
  if (options.tokenEnv !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(options.tokenEnv)) {
    throw new UserError(`--token-env ${options.tokenEnv}: give an environment variable name (letters, digits, _), for example NOTES_API_KEY.`);
  }
  const specPath = resolve(options.spec);
  if (!existsSync(specPath)) {
    throw new UserError(`${options.spec} not found in ${process.cwd()}. Run this in a project made by \`mcpforge new\`, or pass --spec <file>.`);
  }
  const projectDir = dirname(specPath);
  const spec = parse(readFileSync(specPath, 'utf8')) as { name?: string; auth?: { mode?: string } } | null;
  const name = spec?.name;
  if (!name) throw new UserError(`${options.spec} has no "name": add one (it names the server in client configs).`);
  const mode = spec?.auth?.mode;
  const credential = transport === 'http' ? credentialFor(mode, name, options) : undefined;
  const built = buildEntry({ client, transport, projectDir, url, name, ...(credential ? { credential } : {}) });
  if (transport === 'http' && (mode === 'oauth' || mode === 'oauth-proxy' || mode === 'custom' || mode === 'mtls')) {
    const how = {
      oauth: 'the app discovers the authorization server from the 401 and signs in (no header to configure)',
      'oauth-proxy': 'the app discovers this server as its authorization server from the 401, registers and signs the user in (no header to configure)',
      custom: "add the header your src/auth.ts expects to the entry by hand",
      mtls: 'configure the client certificate in the app (or a TLS-terminating proxy)',
    }[mode];
    built.notes.push(`auth.mode is ${mode}: ${how}.`);
  }
  if (credential?.value) built.notes.push(`the ${credential.kind} is written in clear (--token): keep this file out of version control.`);
  const shape = SHAPES[client];
  const notes = () => {
    for (const note of built.notes) process.stderr.write(`note: ${note}\n`);
  };
  if (!options.write) {
    const printed = { ...(built.inputs.length > 0 ? { inputs: built.inputs } : {}), [shape.key]: { [name]: built.entry } };
    process.stdout.write(`${JSON.stringify(printed, null, 2)}\n`);
    notes();
    process.stderr.write(`(add this to ${shape.file(projectDir)}, or run again with --write)\n`);
    return;
  }
  const file = options.file ? resolve(options.file) : shape.file(projectDir);
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const merged = mergeEntryText(text, file, shape.key, name, built);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, merged);
  process.stdout.write(`wrote server "${name}" (${transport}) into ${file}\n`);
  notes();
}
