import { describe, expect, it } from 'vitest';
import { pino, type DestinationStream } from 'pino';
import { createLogger } from '../observability/index.js';
import type { AuditRecord } from './index.js';
import { createAuditLog } from './index.js';
import { auditLineFields, auditLineWriter } from './line.js';

/** A logger as servers make it, writing to an array, with a fixed clock (both sides must print the same time). */
function capture(options: { level?: 'info' | 'warn' } = {}) {
  const lines: string[] = [];
  const destination: DestinationStream = { write: (s: string) => void lines.push(s) };
  const logger = createLogger({ name: 'svc', destination, ...(options.level ? { level: options.level } : {}) });
  (logger as unknown as Record<symbol, unknown>)[pino.symbols.timeSym] = () => ',"time":1700000000000';
  return { logger, lines };
}

const records: AuditRecord[] = [
  { kind: 'tool', name: 'add', subject: 'key:bench', roles: ['reader', 'writer'], outcome: 'ok', durationMs: 0.123456, requestId: '7d4c1f0e-3b3a-4c5e-9f0a-1b2c3d4e5f60', arguments: { a: 2, b: 3 } },
  { kind: 'tool', name: 'add', subject: 'anonymous', outcome: 'error', durationMs: 12, requestId: 'r2', errorCode: 'rate_limited', arguments: { text: 'quote " backslash \\ tab \t café ☕ \ud800', nested: [1, null, { x: true }] } },
  { kind: 'tool', name: 'add', subject: 'a', roles: [], outcome: 'invalid', durationMs: Number.NaN, requestId: 'r3', errorCode: 'invalid_arguments' },
  { kind: 'resource', name: 'notes://1', subject: 'user "quoted"', outcome: 'ok', durationMs: 1, requestId: 'r4', arguments: { uri: 'notes://1' } },
  { kind: 'prompt', name: 'greet', subject: 'café', outcome: 'denied', durationMs: 0, requestId: 'r5', arguments: 'not an object' },
  { kind: 'oauth', name: 'token', subject: 'client\nnewline', outcome: 'ok', durationMs: 2.5, requestId: 'r6' },
  { kind: 'tool', name: 'x'.repeat(150), subject: 's', outcome: 'timeout', durationMs: 60000, requestId: 'r7', arguments: { big: 10n as unknown as number } },
];

describe('audit lines without pino', () => {
  it('writes the bytes pino writes for every record, and writes itself the plain ones', async () => {
    for (const record of records) {
      const fast = capture();
      const slow = capture();
      const writer = auditLineWriter(fast.logger.child({ audit: true }, { redact: { paths: [] } }));
      expect(writer, 'a server logger is plain enough').toBeDefined();
      const durationMs = Math.round(record.durationMs * 1000) / 1000;
      const took = writer!.write(record, durationMs);
      // pino's own line for the same record (the audit log with no writer of its own).
      const child = slow.logger.child({ audit: true }, { redact: { paths: [] } });
      try {
        child.info(auditLineFields(record, durationMs), 'audit');
      } catch {
        // (a BigInt argument: pino writes its own fallback; the writer must have left it to pino)
      }
      if (took) expect(fast.lines, record.requestId).toEqual(slow.lines);
      else expect(fast.lines, record.requestId).toEqual([]);
    }
  });

  it('takes the common records itself (else the test above proves nothing) and leaves escaped strings and odd values to pino', () => {
    const { logger } = capture();
    const writer = auditLineWriter(logger.child({ audit: true }, { redact: { paths: [] } }))!;
    const took = records.map((r) => writer.write(r, 1));
    expect(took).toEqual([true, true, true, false, false, false, false]);
  });

  it('leaves the line to pino for a logger pino must format itself, and writes nothing when info is off', () => {
    const { logger } = capture();
    expect(auditLineWriter(logger.child({ audit: true }, { msgPrefix: '[x] ' }))).toBeUndefined();
    const mixed = pino({ mixin: () => ({ extra: 1 }) }, { write: () => {} });
    expect(auditLineWriter(mixed)).toBeUndefined();
    const formatted = pino({ formatters: { log: (o: Record<string, unknown>) => o } }, { write: () => {} });
    expect(auditLineWriter(formatted)).toBeUndefined();
    const serialized = pino({ serializers: { subject: (v: unknown) => v } }, { write: () => {} });
    expect(auditLineWriter(serialized)).toBeUndefined();
    const quiet = capture({ level: 'warn' });
    expect(auditLineWriter(quiet.logger.child({ audit: true }, { redact: { paths: [] } }))!.write(records[0]!, 1)).toBe(true);
    expect(quiet.lines).toEqual([]);
  });

  it('an audit log writes the same lines through either route', () => {
    const fast = capture();
    const audit = createAuditLog({ logger: fast.logger });
    for (const r of records.slice(0, 4)) audit.record(r);
    expect(fast.lines).toHaveLength(4);
    for (const line of fast.lines) expect(JSON.parse(line)).toMatchObject({ level: 30, time: 1700000000000, name: 'svc', audit: true, msg: 'audit' });
  });
});
