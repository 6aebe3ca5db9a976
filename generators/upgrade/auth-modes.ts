/**
 * The auth modes a project can switch to. Apart from auth.ts (which loads the YAML editor) because
 * the CLI builds its `--auth` option from this on every start, `generate` included.
 */
export const AUTH_MODES = ['none', 'apiKey', 'jwt', 'oauth', 'oauth-proxy', 'mtls', 'custom'] as const;
export type AuthModeChoice = (typeof AUTH_MODES)[number];

export function parseAuthMode(value: string): AuthModeChoice {
  if ((AUTH_MODES as readonly string[]).includes(value)) return value as AuthModeChoice;
  throw new Error(`--auth ${value}: unknown auth mode. Choose one of: ${AUTH_MODES.join(', ')}.`);
}
