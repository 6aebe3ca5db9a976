/**
 * Deadlines of pending tool calls, kept without a timer per call.
 *
 * Why: `setTimeout` + `clearTimeout` around every asynchronous tool call built a `Timeout` object
 * (and its callback) and linked and unlinked it in Node's timer lists, for a timeout that almost
 * never fires — at thousands of calls a second a measurable share of a call's allocations. Here
 * the calls of one timeout length wait in a list in deadline order (a call started later is due
 * later), and one timer per list is armed for the earliest deadline. A call that settles unlinks
 * itself (O(1)) and leaves the timer alone; when the timer fires it expires every call that is
 * due, then is armed again for the next one. Under steady load the timer fires about once per
 * timeout length, whatever the call rate.
 */

/** One pending call in a deadline list. `expire` runs once, when its deadline passes first. */
export abstract class PendingDeadline {
  /** `performance.now()` at which the call times out. */
  due = 0;
  prev: PendingDeadline | undefined = undefined;
  next: PendingDeadline | undefined = undefined;
  /** The list it waits in; undefined once it settled or expired. */
  list: DeadlineList | undefined = undefined;

  /** Called when the deadline passes before `settle`. */
  abstract expire(): void;

  /** Takes the call out of its list (it settled): its deadline will not fire. */
  settle(): void {
    this.list?.remove(this);
  }
}

/** The pending calls of one timeout length, in deadline order, under one timer. */
class DeadlineList {
  private head: PendingDeadline | undefined = undefined;
  private tail: PendingDeadline | undefined = undefined;
  private timer: ReturnType<typeof setTimeout> | undefined = undefined;
  /** When the armed timer fires (Infinity: none armed). */
  private timerDue = Infinity;
  private readonly fire = (): void => this.expireDue();

  add(call: PendingDeadline, due: number): void {
    call.due = due;
    call.list = this;
    // Almost always the last: deadlines of one length come in start order. A call started before
    // another but registered after it (one tool calling another synchronously) walks back.
    let after = this.tail;
    while (after !== undefined && after.due > due) after = after.prev;
    call.prev = after;
    call.next = after === undefined ? this.head : after.next;
    if (call.next) call.next.prev = call;
    else this.tail = call;
    if (after) after.next = call;
    else this.head = call;
    if (due < this.timerDue) this.arm(due);
  }

  remove(call: PendingDeadline): void {
    if (call.prev) call.prev.next = call.next;
    else this.head = call.next;
    if (call.next) call.next.prev = call.prev;
    else this.tail = call.prev;
    call.prev = call.next = call.list = undefined;
  }

  private arm(due: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerDue = due;
    this.timer = setTimeout(this.fire, Math.max(0, due - performance.now()));
    // A deadline must not keep a finished process alive.
    this.timer.unref?.();
  }

  private expireDue(): void {
    this.timer = undefined;
    this.timerDue = Infinity;
    try {
      // Node may run a timer slightly before `performance.now()` reaches its due time (its loop
      // clock is cached per turn); such a call stays, and the timer is armed again for it.
      const now = performance.now();
      for (let call = this.head; call !== undefined && call.due <= now; call = this.head) {
        this.remove(call);
        call.expire();
      }
    } finally {
      if (this.head !== undefined) this.arm(this.head.due);
    }
  }
}

/** One list per timeout length: each stays in deadline order by appending. */
const lists = new Map<number, DeadlineList>();

/** Registers `call`, due `timeoutMs` after `started` (a `performance.now()` value). */
export function addDeadline(call: PendingDeadline, timeoutMs: number, started: number): void {
  let list = lists.get(timeoutMs);
  if (list === undefined) lists.set(timeoutMs, (list = new DeadlineList()));
  list.add(call, started + timeoutMs);
}
