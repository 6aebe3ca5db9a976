/**
 * `mcpforge check --client <profile>`: what each client profile changes in the tools' schemas or
 * cannot express, names too long with the client's prefix, the client's tool cap and the tokens of
 * tools/list as it sees it. Exit 1 when a listed client would break (names over its limit).
 */
import { CLIENT_PROFILE_NAMES, clientReport, formatClientReport, isClientProfileName, type ClientProfileName } from '../../generators/shared/client-profiles/index.js';
import { loadSpec } from '../../generators/shared/spec/index.js';
import { formatLintIssue, lintSpec } from '../../generators/shared/spec/lint.js';
import { UserError } from '../output.js';
import { specPathOf } from './generate.js';

export interface CheckClientOptions {
  spec: string;
  client: string[];
  clientPrefix?: string;
  verbose?: boolean;
}

export function parseProfiles(values: readonly string[]): ClientProfileName[] {
  const names = values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  if (names.includes('all')) return [...CLIENT_PROFILE_NAMES];
  const unknown = names.filter((n) => !isClientProfileName(n));
  if (unknown.length > 0) throw new UserError(`unknown client profile ${unknown.map((u) => `"${u}"`).join(', ')}: use ${CLIENT_PROFILE_NAMES.join(', ')} or all`);
  return names as ClientProfileName[];
}

export async function checkClientCommand(options: CheckClientOptions): Promise<void> {
  const profiles = parseProfiles(options.client);
  const spec = await loadSpec(specPathOf(options.spec));
  for (const profile of profiles) {
    const report = clientReport(spec, profile, options.clientPrefix === undefined ? {} : { prefix: options.clientPrefix });
    process.stdout.write(`${formatClientReport(report, options.verbose === true)}\n\n`);
  }
  // The lint with these clients' rules: names with their prefixes, tool caps, tokens per tool.
  const lint = lintSpec(spec, { profiles, ...(options.clientPrefix === undefined ? {} : { clientPrefix: options.clientPrefix }) });
  const shown = [...lint.errors, ...lint.warnings].filter((i) => i.rule.startsWith('client-') || i.rule === 'tool-tokens' || i.rule === 'name-length' || i.rule === 'tools-list-tokens');
  for (const issue of options.verbose ? shown : shown.slice(0, 20)) process.stdout.write(`${formatLintIssue(issue)}\n`);
  if (!options.verbose && shown.length > 20) process.stdout.write(`... ${shown.length - 20} more (--verbose lists all)\n`);
  const errors = lint.errors.filter((i) => i.rule.startsWith('client-'));
  if (errors.length > 0) throw new UserError(`${errors.length} problem${errors.length === 1 ? '' : 's'} would break the listed clients (see above): fix them in ${options.spec}`);
}
