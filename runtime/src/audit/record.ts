/** What one audit record holds: shared by the audit log (index.ts) and its line writer (line.ts). */

export type AuditOutcome = 'ok' | 'error' | 'invalid' | 'denied' | 'rate_limited' | 'timeout';
/** `oauth`: the OAuth proxy's endpoints (authorize, token, register, revoke, consent). */
export type AuditKind = 'tool' | 'resource' | 'prompt' | 'oauth';

export interface AuditRecord {
  kind: AuditKind;
  /** Tool, resource or prompt name. */
  name: string;
  /** `ctx.auth.subject` (`anonymous` without auth). */
  subject: string;
  /** `ctx.auth.roles`: on the log line when the caller holds any (not a column of the audit table). */
  roles?: readonly string[];
  outcome: AuditOutcome;
  durationMs: number;
  requestId: string;
  /** Already redacted (see `createRedactor`). */
  arguments?: unknown;
  /** The error code of a failed call (`rate_limited`, `path_outside_sandbox`, ...). */
  errorCode?: string;
}
