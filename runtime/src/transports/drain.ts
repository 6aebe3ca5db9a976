/**
 * The bounded wait of a graceful close, shared by the HTTP and WebSocket transports: each keeps a
 * set of waiters it calls when its last in-flight request finishes.
 */

/** Resolves true once `waiters` are called (nothing left in flight), false when `timeoutMs` passes first. */
export async function waitForDrain(waiters: Set<() => void>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  let waiter: (() => void) | undefined;
  try {
    return await Promise.race([
      new Promise<boolean>((resolve) => {
        waiter = () => resolve(true);
        waiters.add(waiter);
      }),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    if (waiter) waiters.delete(waiter);
  }
}
