/** Progress lines for long steps: on stderr, so stdout stays clean for scripts. */
export interface Step {
  done(detail?: string): void;
  fail(): void;
}

export function step(title: string): Step {
  const started = Date.now();
  process.stderr.write(`• ${title}…\n`);
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
  return {
    done: (detail) => process.stderr.write(`  ✓ ${title}${detail ? ` (${detail})` : ''} in ${elapsed()}\n`),
    fail: () => process.stderr.write(`  ✗ ${title} failed after ${elapsed()}\n`),
  };
}

/** An error whose message is meant for the user as is (no stack trace). */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'UserError';
  }
}
