import { afterEach, describe, expect, it, vi } from 'vitest';
import { addDeadline, PendingDeadline } from './deadlines.js';
import { runUnderDeadline } from './index.js';

/** A call under a deadline whose promise rejects with the error or the timeout (onError rethrows). */
function withTimeout<T>(tool: string, ms: number, controller: Pick<AbortController, 'abort'>, fn: () => Promise<T>, onLate?: (error: unknown) => void): Promise<T> {
  const rethrow = (error: unknown): never => {
    throw error;
  };
  return runUnderDeadline(tool, ms, controller, fn, onLate, (value: T) => value, rethrow) as Promise<T>;
}

class Probe extends PendingDeadline {
  expiredAt: number | undefined;
  constructor(readonly expired: string[], readonly name: string) {
    super();
  }
  expire(): void {
    this.expiredAt = performance.now();
    this.expired.push(this.name);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

afterEach(() => vi.restoreAllMocks());

describe('deadline lists', () => {
  it('expires many calls in deadline order with one timer per timeout length, never before their due time', async () => {
    const spy = vi.spyOn(globalThis, 'setTimeout');
    const expired: string[] = [];
    const calls: Probe[] = [];
    const started = performance.now();
    // A timeout length no other test uses, so its list starts empty here.
    for (let i = 0; i < 200; i++) {
      const call = new Probe(expired, `c${i}`);
      addDeadline(call, 31, started + i * 0.01);
      calls.push(call);
    }
    expect(spy.mock.calls.length).toBe(1);
    await sleep(60);
    expect(expired).toEqual(calls.map((c) => c.name));
    for (const c of calls) expect(c.expiredAt!).toBeGreaterThanOrEqual(c.due);
    // Re-armed for the next due call after each firing (dues spread over 2 ms here) and this test's
    // own sleep: a handful of timers, not one per call.
    expect(spy.mock.calls.length).toBeLessThan(20);
  });

  it('runUnderDeadline sets no timer per call: a hundred pending calls of one length share one', async () => {
    const spy = vi.spyOn(globalThis, 'setTimeout');
    const finishers: Array<() => void> = [];
    const calls = Array.from({ length: 100 }, (_, i) =>
      withTimeout(`t${i}`, 1_003, new AbortController(), () => new Promise<number>((r) => finishers.push(() => r(i)))),
    );
    expect(spy.mock.calls.length).toBeLessThanOrEqual(1);
    for (const finish of finishers) finish();
    expect(await Promise.all(calls)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(spy.mock.calls.length).toBeLessThanOrEqual(1);
  });

  it('does not expire a call that settled, and still expires the ones behind it', async () => {
    const expired: string[] = [];
    const started = performance.now();
    const first = new Probe(expired, 'first');
    const middle = new Probe(expired, 'middle');
    const last = new Probe(expired, 'last');
    addDeadline(first, 23, started);
    addDeadline(middle, 23, started + 1);
    addDeadline(last, 23, started + 2);
    first.settle();
    last.settle();
    middle.settle();
    middle.settle(); // twice: nothing happens
    const later = new Probe(expired, 'later');
    addDeadline(later, 23, performance.now());
    await sleep(45);
    expect(expired).toEqual(['later']);
  });

  it('keeps deadline order when a call started earlier registers later (one tool calling another)', async () => {
    const expired: string[] = [];
    const started = performance.now();
    const inner = new Probe(expired, 'inner');
    const outer = new Probe(expired, 'outer');
    addDeadline(inner, 17, started + 5);
    addDeadline(outer, 17, started);
    await sleep(40);
    expect(expired).toEqual(['outer', 'inner']);
    expect(outer.expiredAt!).toBeGreaterThanOrEqual(outer.due);
  });

  it('a call settling in the same turn as its deadline answers once: with its result, or with the timeout', async () => {
    for (let round = 0; round < 20; round++) {
      const controller = new AbortController();
      let late: unknown;
      let resolve!: (v: string) => void;
      const settled = withTimeout(
        'edge',
        5,
        controller,
        () => new Promise<string>((r) => (resolve = r)),
        (e) => (late = e),
      ).then(
        (v) => ({ v }),
        (e: unknown) => ({ e }),
      );
      // Settled by a timer due at the same time as the deadline: either may run first.
      setTimeout(() => resolve('ok'), 5);
      const outcome = await settled;
      if ('v' in outcome) {
        expect(outcome.v).toBe('ok');
        expect(controller.signal.aborted).toBe(false);
      } else {
        expect((outcome.e as { code?: string }).code).toBe('timeout');
        expect(controller.signal.aborted).toBe(true);
      }
      expect(late).toBeUndefined();
    }
  });

  it('times out calls of different lengths independently, and the list works again after it emptied', async () => {
    const pending = () => new Promise<never>(() => {});
    const short = withTimeout('short', 11, new AbortController(), pending).catch((e: { code?: string }) => ['short', e.code]);
    const long = withTimeout('long', 41, new AbortController(), pending).catch((e: { code?: string }) => ['long', e.code]);
    const quick = withTimeout('quick', 41, new AbortController(), async () => 'done');
    const first = await Promise.race([short, long]);
    expect(first).toEqual(['short', 'timeout']);
    await expect(quick).resolves.toBe('done');
    expect(await long).toEqual(['long', 'timeout']);
    // The 11 ms list is empty now; a new call there still times out.
    const again = await withTimeout('again', 11, new AbortController(), pending).catch((e: { code?: string }) => e.code);
    expect(again).toBe('timeout');
  });
});
