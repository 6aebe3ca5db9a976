/**
 * `src/auth.ts` for `auth.mode: custom`: created once by `generate` (or `new --auth custom`) and
 * never overwritten, like handler stubs. It is a working example (a shared-secret header) so the
 * server runs at once, with the places to change marked.
 */
export const AUTH_HOOK_PATH = 'src/auth.ts';

export function emitAuthStub(): string {
  return `import { timingSafeEqual } from 'node:crypto';
import { defineAuthenticator, reject } from '@mcpforge/runtime/custom-auth';

/**
 * Decides who is calling, before any MCP handling (auth.mode: custom in mcpforge.yaml).
 * Return \`{ subject, scopes }\` to let the request in (it becomes ctx.auth in handlers, the caller
 * in the audit log, and the key of per-caller rate limits), or \`reject(message, 401 | 403)\`.
 * This example accepts one shared secret from the environment; replace it with your own check
 * (a session cookie, a header signed by your gateway, a call to your identity service, ...).
 */
export default defineAuthenticator(async (request) => {
  const expected = process.env.DEMO_AUTH_SECRET;
  const given = request.headers['x-demo-auth'];
  if (!expected || typeof given !== 'string') return reject('send the X-Demo-Auth header');
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  // Constant-time comparison: the answer time must not reveal how much of the secret matched.
  if (a.length !== b.length || !timingSafeEqual(a, b)) return reject('unknown X-Demo-Auth secret');
  return { subject: 'demo-user', scopes: [] };
});
`;
}
