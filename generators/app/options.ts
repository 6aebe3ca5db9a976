/**
 * One definition per option of `mcpforge new` drives the CLI flag, the interactive prompt and the
 * answer saved in .mcpforge/answers.json (so they can never drift apart).
 */
export const EXAMPLES = ['notes', 'weather', 'files'] as const;
export type ExampleName = (typeof EXAMPLES)[number];
export const EXAMPLE_CHOICES = ['all', ...EXAMPLES, 'none'] as const;
export type ExampleChoice = (typeof EXAMPLE_CHOICES)[number];
export const TRANSPORTS = ['stdio', 'http', 'websocket'] as const;
export type Transport = (typeof TRANSPORTS)[number];
/** What a project offers unless told otherwise (websocket is a custom, non-standard MCP transport: opt-in). */
export const DEFAULT_TRANSPORTS: readonly Transport[] = ['stdio', 'http'];
/** dev: SQLite, no services. production: `dev` + what `mcpforge upgrade --to production` adds. */
export const LAYOUTS = ['dev', 'production'] as const;
export type Layout = (typeof LAYOUTS)[number];
export { AUTH_MODES, parseAuthMode, type AuthModeChoice } from '../upgrade/auth-modes.js';
import { AUTH_MODES, parseAuthMode, type AuthModeChoice } from '../upgrade/auth-modes.js';

export interface NewAnswers {
  /** npm package name of the server; also its MCP server name. */
  name: string;
  example: ExampleChoice;
  transports: Transport[];
  /** dev (default), or production: the dev project with the upgrade to production applied. */
  layout: Layout;
  /** Start from this spec file instead of an example. */
  spec?: string;
  /** HTTP authentication (`auth.mode` in the spec); default none. */
  auth?: AuthModeChoice;
}

const NAME_PATTERN = /^(?:@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/;

export function validateName(name: string): string | true {
  if (name.length === 0 || name.length > 214) return 'must be 1 to 214 characters';
  if (!NAME_PATTERN.test(name)) return 'use lower-case letters, digits, "-", "." and "_" (an npm package name), e.g. weather-server';
  return true;
}

export function parseExample(value: string): ExampleChoice {
  if ((EXAMPLE_CHOICES as readonly string[]).includes(value)) return value as ExampleChoice;
  throw new Error(`--example ${value}: unknown example. Choose one of: ${EXAMPLE_CHOICES.join(', ')}.`);
}

export function parseTransports(value: string): Transport[] {
  const parts = value.split(',').map((part) => part.trim()).filter(Boolean);
  const unknown = parts.filter((part) => !(TRANSPORTS as readonly string[]).includes(part));
  if (parts.length === 0 || unknown.length > 0) {
    throw new Error(`--transport ${value}: use a comma-separated list of ${TRANSPORTS.join(', ')} (e.g. stdio,http).`);
  }
  return [...new Set(parts)] as Transport[];
}

export function parseLayout(value: string): Layout {
  if ((LAYOUTS as readonly string[]).includes(value)) return value as Layout;
  throw new Error(`--layout ${value}: unknown layout. Choose one of: ${LAYOUTS.join(', ')}.`);
}

export interface OptionDefinition {
  key: 'name' | 'example' | 'transports' | 'layout' | 'auth';
  flag: string;
  description: string;
  /** Checks a flag's value (throws a message naming the flag); the CLI rejects bad values up front. */
  parse?: (value: string) => unknown;
  prompt: { type: 'input' | 'select' | 'checkbox'; message: string; choices?: readonly string[] };
}

export const NEW_OPTIONS: readonly OptionDefinition[] = [
  {
    key: 'name',
    flag: '--name <name>',
    description: 'server and package name (default: the folder name)',
    prompt: { type: 'input', message: 'Server name (an npm package name)' },
  },
  {
    key: 'example',
    flag: '--example <example>',
    description: `example tools to start from: ${EXAMPLE_CHOICES.join('|')} (default: all)`,
    parse: parseExample,
    prompt: { type: 'select', message: 'Start from which example tools?', choices: EXAMPLE_CHOICES },
  },
  {
    key: 'transports',
    flag: '--transport <list>',
    description: 'transports the server offers: stdio,http,websocket (default: stdio,http; websocket is a custom, non-standard transport served on the HTTP listener at /ws)',
    parse: parseTransports,
    prompt: { type: 'checkbox', message: 'Transports', choices: TRANSPORTS },
  },
  {
    key: 'layout',
    flag: '--layout <layout>',
    description: `project layout: ${LAYOUTS.join('|')} (default: dev; production = dev + \`mcpforge upgrade --to production\`)`,
    parse: parseLayout,
    prompt: { type: 'select', message: 'Layout (dev: SQLite only; production: adds PostgreSQL, Redis, Docker, compose, Kubernetes)', choices: LAYOUTS },
  },
  {
    key: 'auth',
    flag: '--auth <mode>',
    description: `HTTP authentication: ${AUTH_MODES.join('|')} (default: none; stdio always trusts the local user)`,
    parse: parseAuthMode,
    prompt: { type: 'select', message: 'HTTP authentication (apiKey: keys in the database; jwt: bearer JWTs; oauth: MCP authorization resource server; oauth-proxy: also the authorization server, sign-in at GitHub/Google/Entra/Auth0/Keycloak; mtls: client certificates; custom: your src/auth.ts)', choices: AUTH_MODES },
  },
];

/** The options a non-interactive run still lacks (none with --yes). */
export function missingOptions(given: { yes?: boolean; name?: string; example?: string; spec?: string; transport?: string; layout?: string; auth?: string }): OptionDefinition[] {
  if (given.yes) return [];
  const missing = NEW_OPTIONS.filter((option) => {
    if (option.key === 'name') return given.name === undefined;
    if (option.key === 'example') return given.example === undefined && given.spec === undefined;
    if (option.key === 'layout') return given.layout === undefined;
    if (option.key === 'auth') return false;
    return given.transport === undefined;
  });
  // Auth has a safe default (none): it is asked along with other questions, and never on its own
  // makes a scripted run (all other flags given) stop for a terminal.
  const auth = NEW_OPTIONS.find((option) => option.key === 'auth')!;
  return missing.length > 0 && given.auth === undefined ? [...missing, auth] : missing;
}

export function noTerminalMessage(missing: readonly OptionDefinition[]): string {
  const flags = missing.map((option) => option.flag.split(' ')[0]).join(', ');
  return `No terminal to ask questions on. Pass ${flags}, or --yes to accept the defaults.`;
}
