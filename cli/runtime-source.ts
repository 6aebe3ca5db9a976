/**
 * Where a new project gets @mcpforge/runtime and mcpforge from: the npm registry by a semver range
 * when a compatible version is published there, else the tarballs `new` copies into vendor/ (the
 * offline fallback). The lookup is one `npm view` per package with a short timeout, so an offline
 * machine or a slow registry costs seconds and never fails `new`.
 */
import { UserError } from './output.js';

export const RUNTIME_SOURCES = ['auto', 'registry', 'vendor'] as const;
export type RuntimeSourceChoice = (typeof RUNTIME_SOURCES)[number];

/** What a lookup on the registry found for `name@range`. */
export type Lookup = { found: true; version: string } | { found: false; why: 'not-published' | 'unreachable' };

export interface Decision {
  source: 'registry' | 'vendor';
  /** One sentence for the project README and the CLI output: why this source. */
  reason: string;
}

/** The flag's value, else `MCPFORGE_RUNTIME_SOURCE` (for CI scripts and test runs that must not ask the registry), else auto. */
export function parseRuntimeSource(value: string | undefined, env: Readonly<Record<string, string | undefined>> = process.env): RuntimeSourceChoice {
  const choice = value ?? (env.MCPFORGE_RUNTIME_SOURCE || 'auto');
  if (!(RUNTIME_SOURCES as readonly string[]).includes(choice)) {
    throw new UserError(`--runtime-source ${choice}: choose auto (registry when published, else vendor), registry or vendor.`);
  }
  return choice as RuntimeSourceChoice;
}

/** The pure part: the flag wins; `auto` takes the registry only when it has a compatible version. */
export function decideSource(name: string, range: string, choice: RuntimeSourceChoice, lookup: Lookup | undefined): Decision {
  if (choice === 'registry') return { source: 'registry', reason: `--runtime-source registry: ${name}@${range} from the registry` };
  if (choice === 'vendor') return { source: 'vendor', reason: `--runtime-source vendor: ${name} from the tarball in vendor/` };
  if (lookup?.found) return { source: 'registry', reason: `the registry has ${name}@${lookup.version}, which matches ${range}` };
  const why =
    lookup?.why === 'unreachable'
      ? `the registry could not be reached to look up ${name}@${range}`
      : `the registry has no ${name} matching ${range}`;
  return { source: 'vendor', reason: `${why}, so ${name} comes from the tarball in vendor/` };
}

/** How long `npm view` may take before the registry counts as unreachable. */
export const LOOKUP_TIMEOUT_MS = 8_000;

/**
 * `npm view <name>@<range> version --json`: npm's own config (registry, proxy, auth, --offline via
 * npm_config_offline) applies. A 404 or an empty answer is "not published"; anything else that
 * fails (no network, timeout, a broken npm) is "unreachable". Never throws.
 */
export async function lookUp(name: string, range: string, timeoutMs = LOOKUP_TIMEOUT_MS): Promise<Lookup> {
  // Loaded here: the CLI parses --runtime-source on every start, `generate` included.
  const { execa } = await import('execa');
  const result = await execa('npm', ['view', `${name}@${range}`, 'version', '--json', '--fetch-retries=0', `--fetch-timeout=${timeoutMs}`], {
    reject: false,
    timeout: timeoutMs,
    stdin: 'ignore',
  }).catch(() => undefined);
  if (!result) return { found: false, why: 'unreachable' };
  const output = `${result.stdout ?? ''}\n${result.stderr ?? ''}`;
  if (result.exitCode !== 0 || result.timedOut) {
    return { found: false, why: !result.timedOut && /\bE404\b|404 Not Found|is not in this registry|could not be found/i.test(output) ? 'not-published' : 'unreachable' };
  }
  let versions: unknown;
  try {
    versions = result.stdout.trim() === '' ? [] : JSON.parse(result.stdout);
  } catch {
    return { found: false, why: 'unreachable' };
  }
  // One matching version prints a string, several an array (oldest first).
  const list = (Array.isArray(versions) ? versions : [versions]).filter((v): v is string => typeof v === 'string');
  const newest = list.at(-1);
  return newest ? { found: true, version: newest } : { found: false, why: 'not-published' };
}
