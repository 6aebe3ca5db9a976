/**
 * `auth.mode: custom`: the project's own `src/auth.ts` decides who is calling.
 *
 * The user writes one typed hook, `(request) => identity | reject(...)`, with `defineAuthenticator`;
 * `mcpforge generate` adds a lazy loader for it to `src/generated/handlers.ts`, and `runServer`
 * turns it into an `Authenticator` (the `auth` module's seam) that runs before any MCP handling.
 * The identity it returns is `ctx.auth` in handlers, and goes through scopes, rate limits and
 * audit exactly like the built-in modes.
 */
import type { IncomingMessage } from 'node:http';
import type { Authenticator } from '../auth/types.js';
import type { AuthIdentity } from '../server/contract.js';

/** Who the caller is, as the hook reports it. */
export interface CustomIdentity {
  /** Stable id of the caller (user id, service name); shown in logs and audit. */
  subject: string;
  /** Scopes the caller holds; tools, resources and prompts with `scopes:` in the spec need them. */
  scopes?: readonly string[];
  /** Roles the caller holds (names under the spec's `auth.roles`); their scopes add to `scopes`. */
  roles?: readonly string[];
  /** Optional: the client application or credential name. */
  clientId?: string;
}

/** A refusal: 401 (who are you?) or 403 (known, not allowed), with a message safe to show the client. */
export interface CustomRejection {
  reject: { status: 401 | 403; message: string };
}

export type CustomAuthResult = CustomIdentity | CustomRejection;

/** The hook in `src/auth.ts`. It gets the raw Node request (headers, `socket` for TLS details). */
export type AuthHook = (request: IncomingMessage) => CustomAuthResult | Promise<CustomAuthResult>;

/**
 * Types a project's hook; `export default defineAuthenticator(...)` in `src/auth.ts`.
 *
 * @example
 * ```ts
 * export default defineAuthenticator(async (request) => {
 *   const user = await lookUpSession(request.headers.cookie);
 *   return user ? { subject: user.id, scopes: user.scopes } : reject('log in first');
 * });
 * ```
 */
export function defineAuthenticator(hook: AuthHook): AuthHook {
  return hook;
}

/** A refusal for `defineAuthenticator` hooks (default 401). */
export function reject(message: string, status: 401 | 403 = 401): CustomRejection {
  return { reject: { status, message } };
}

const isStringArray = (value: unknown): value is string[] => Array.isArray(value) && value.every((s) => typeof s === 'string' && s.length > 0);

/**
 * The hook as an `Authenticator`. A malformed answer (no subject, scopes not strings) is a bug in
 * `src/auth.ts`: it is thrown, so the request fails with 500 and the log names the file, instead of
 * letting a half-formed identity through.
 */
export function authenticatorFromHook(hook: AuthHook, name = 'src/auth.ts'): Authenticator {
  return async (req) => {
    const result = (await hook(req)) as unknown;
    if (result && typeof result === 'object' && 'reject' in result) {
      const { status, message } = (result as CustomRejection).reject ?? ({} as CustomRejection['reject']);
      if ((status !== 401 && status !== 403) || typeof message !== 'string') {
        throw new Error(`${name}: a rejection must be reject(message, 401 | 403), got ${JSON.stringify(result)}`);
      }
      return { ok: false, rejection: { status, description: message, presented: status === 403 } };
    }
    const identity = result as Partial<CustomIdentity> | null;
    if (!identity || typeof identity.subject !== 'string' || identity.subject === '' || (identity.scopes !== undefined && !isStringArray(identity.scopes)) || (identity.roles !== undefined && !isStringArray(identity.roles))) {
      throw new Error(`${name}: the authenticator must return { subject: string, scopes?: string[], roles?: string[] } or reject(message); got ${JSON.stringify(result)}`);
    }
    const out: AuthIdentity = {
      subject: identity.subject,
      scopes: [...(identity.scopes ?? [])],
      ...(identity.roles === undefined ? {} : { roles: [...identity.roles] }),
      anonymous: false,
      method: 'custom',
      ...(typeof identity.clientId === 'string' ? { clientId: identity.clientId } : {}),
    };
    return { ok: true, identity: out };
  };
}

/**
 * The authenticator of `auth.mode: custom`, loaded from the generated loader; undefined for other
 * modes. Throws with the next step when the spec says custom but the project lacks the hook.
 */
export async function customAuthenticatorFor(
  manifest: { auth?: { mode: string } },
  modules: { authenticator?: () => Promise<{ default: unknown }> },
): Promise<Authenticator | undefined> {
  if (manifest.auth?.mode !== 'custom') return undefined;
  if (!modules.authenticator) {
    throw new Error('auth.mode is custom but src/generated/handlers.ts has no authenticator loader: run `mcpforge generate` (it creates src/auth.ts if missing)');
  }
  const hook = (await modules.authenticator()).default;
  if (typeof hook !== 'function') {
    throw new Error('src/auth.ts must `export default defineAuthenticator(async (request) => ...)`; its default export is not a function');
  }
  return authenticatorFromHook(hook as AuthHook);
}
