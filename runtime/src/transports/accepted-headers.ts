/**
 * Host/Origin validation (DNS-rebinding protection) that remembers the header values it accepted.
 *
 * Why: the SDK's validators parse the header with `new URL()` on every request, ~1–2% of a fast
 * path call's CPU and allocations, for the one or two Host values a deployment ever sees. A
 * verdict depends only on the header's text and the allowlist, which is fixed when the listener
 * starts, so an accepted value is accepted again without the parse. Refusals are never remembered
 * (the validator writes the 403), and the memory is bounded: past `MAX_REMEMBERED` distinct
 * values (`localhost:<any port>` are all accepted) every further value is validated as before.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export type HeaderValidator = (req: IncomingMessage, res: ServerResponse) => boolean;

export const MAX_REMEMBERED = 64;

/** `validate`, skipped for a value of header `name` it already accepted. */
export function rememberAccepted(validate: HeaderValidator, name: 'host' | 'origin'): HeaderValidator {
  const accepted = new Set<string>();
  return (req, res) => {
    const value = req.headers[name];
    if (typeof value === 'string' && accepted.has(value)) return true;
    if (!validate(req, res)) return false;
    if (typeof value === 'string' && accepted.size < MAX_REMEMBERED) accepted.add(value);
    return true;
  };
}
