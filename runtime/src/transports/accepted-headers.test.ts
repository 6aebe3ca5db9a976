import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { hostHeaderValidation, originValidation } from '@modelcontextprotocol/node';
import { localhostAllowedHostnames, localhostAllowedOrigins } from '@modelcontextprotocol/server';
import { MAX_REMEMBERED, rememberAccepted, type HeaderValidator } from './accepted-headers.js';

function request(headers: Record<string, string>): IncomingMessage {
  return { headers } as unknown as IncomingMessage;
}
function response(): ServerResponse & { status?: number } {
  const res = { writeHead: (status: number) => ((res.status = status), res), end: () => res } as unknown as ServerResponse & { status?: number };
  return res;
}
/** The SDK's validator, counting how often it really runs. */
function counted(validate: HeaderValidator): HeaderValidator & { calls: number } {
  const wrapped = ((req, res) => {
    wrapped.calls++;
    return validate(req, res);
  }) as HeaderValidator & { calls: number };
  wrapped.calls = 0;
  return wrapped;
}

describe('rememberAccepted', () => {
  it('validates an accepted Host once, and every refused one each time (403 each time)', () => {
    const sdk = counted(hostHeaderValidation(localhostAllowedHostnames()));
    const validate = rememberAccepted(sdk, 'host');
    expect(validate(request({ host: '127.0.0.1:3000' }), response())).toBe(true);
    expect(validate(request({ host: '127.0.0.1:3000' }), response())).toBe(true);
    expect(sdk.calls).toBe(1);
    for (let i = 0; i < 2; i++) {
      const res = response();
      expect(validate(request({ host: 'evil.example' }), res)).toBe(false);
      expect(res.status).toBe(403);
    }
    expect(sdk.calls).toBe(3);
    // A missing Host is never taken for an accepted one.
    expect(validate(request({}), response())).toBe(false);
  });

  it(`remembers at most ${MAX_REMEMBERED} values; past that each is validated as before`, () => {
    const sdk = counted(hostHeaderValidation(localhostAllowedHostnames()));
    const validate = rememberAccepted(sdk, 'host');
    for (let port = 1; port <= MAX_REMEMBERED + 10; port++) expect(validate(request({ host: `localhost:${port}` }), response())).toBe(true);
    const before = sdk.calls;
    expect(validate(request({ host: 'localhost:1' }), response())).toBe(true);
    expect(validate(request({ host: `localhost:${MAX_REMEMBERED + 5}` }), response())).toBe(true);
    expect(sdk.calls).toBe(before + 1);
    expect(validate(request({ host: 'evil.example:1' }), response())).toBe(false);
  });

  it('requests without an Origin are validated each time, a foreign Origin is refused after an accepted one', () => {
    const sdk = counted(originValidation(localhostAllowedOrigins()));
    const validate = rememberAccepted(sdk, 'origin');
    expect(validate(request({}), response())).toBe(true);
    expect(validate(request({ origin: 'http://localhost:5173' }), response())).toBe(true);
    expect(validate(request({ origin: 'http://localhost:5173' }), response())).toBe(true);
    expect(validate(request({ origin: 'https://evil.example' }), response())).toBe(false);
    expect(sdk.calls).toBe(3);
  });
});
