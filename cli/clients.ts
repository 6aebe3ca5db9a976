/** Clients `client-config` writes for; apart so the CLI's help names them without loading the command. */
export const CLIENTS = ['claude-desktop', 'claude-code', 'vscode', 'cursor'] as const;
export type ClientName = (typeof CLIENTS)[number];
