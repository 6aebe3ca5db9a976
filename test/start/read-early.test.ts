/**
 * The early reader (runtime/src/start): lines it answers are answered, and from the first line it
 * does not, every byte reaches the runtime's stream unchanged and in order — across chunk
 * boundaries, before and after the hand-over, and when stdin ends first.
 */
import { PassThrough, type Readable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { clientReading, readEarly } from '../../runtime/src/start/index.js';
import type { EarlyListing } from '../../runtime/src/start/early-list.js';

/** Answers lines that say "list <n>" with "listed <n>"; anything else is the runtime's. */
const listing: EarlyListing = {
  answer: (line) => (/^list \d+$/.test(line) ? `listed ${line.slice(5)}` : undefined),
};

function collect(stream: Readable): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    stream.on('end', () => resolve(text));
    stream.on('error', reject);
  });
}

describe('readEarly', () => {
  it('answers what it can, line by line across chunks, and hands everything from the first other line over in order', async () => {
    const stdin = new PassThrough();
    const answers: string[] = [];
    const reader = readEarly(stdin, listing, (line) => answers.push(line));
    stdin.write('list 1\nli');
    stdin.write('st 2\n');
    await reader.firstLine;
    // The first line the listing leaves alone: it, and every later line (even one it could answer), are the runtime's.
    stdin.write('call 3\nlist 4\npartial ');
    await new Promise((r) => setImmediate(r));
    expect(answers).toEqual(['listed 1', 'listed 2']);
    const feed = reader.handOver();
    const received = collect(feed);
    stdin.write('line 5\n');
    stdin.end('list 6\n');
    expect(await received).toBe('call 3\nlist 4\npartial line 5\nlist 6\n');
    expect(answers).toEqual(['listed 1', 'listed 2']);
  });

  it('keeps answering until the hand-over when every line is its own; afterwards the runtime gets the rest', async () => {
    const stdin = new PassThrough();
    const answers: string[] = [];
    const reader = readEarly(stdin, listing, (line) => answers.push(line));
    stdin.write('list 1\nlist 2\nlis');
    await reader.firstLine;
    await new Promise((r) => setImmediate(r));
    const feed = reader.handOver();
    const received = collect(feed);
    stdin.end('t 3\ncall 4\n');
    // The line cut at the hand-over is the runtime's (whole), as is everything after.
    expect(await received).toBe('list 3\ncall 4\n');
    expect(answers).toEqual(['listed 1', 'listed 2']);
  });

  it('ends the runtime’s stream when stdin ended before the hand-over, after what it had not answered', async () => {
    const stdin = new PassThrough();
    const reader = readEarly(stdin, listing, () => {});
    stdin.end('list 1\ncall 2\nno newline');
    await reader.firstLine;
    await new Promise((r) => setImmediate(r));
    expect(await collect(reader.handOver())).toBe('call 2\nno newline');
  });

  it('passes an overlong first line on unparsed (the runtime’s line guard answers it)', async () => {
    const stdin = new PassThrough();
    const answers: string[] = [];
    const reader = readEarly(stdin, listing, (line) => answers.push(line));
    const big = Buffer.alloc(1024 * 1024 + 10, 0x61);
    stdin.write(big);
    await reader.firstLine;
    const feed = reader.handOver();
    const received = collect(feed);
    stdin.end('\nlist 1\n');
    const text = await received;
    expect(text.length).toBe(big.length + 8);
    expect(text.endsWith('a\nlist 1\n')).toBe(true);
    expect(answers).toEqual([]);
  });

  it('counts what it answered, and says when the runtime is needed: at the first line it does not answer', async () => {
    const stdin = new PassThrough();
    const reader = readEarly(stdin, listing, () => {});
    let needed = false;
    void reader.runtimeNeeded.then(() => (needed = true));
    stdin.write('list 1\nlist 22\n');
    await reader.firstLine;
    await new Promise((r) => setImmediate(r));
    expect(reader.answeredLength).toBe('listed 1\n'.length + 'listed 22\n'.length);
    expect(needed).toBe(false);
    stdin.write('call 3\n');
    await reader.runtimeNeeded;
    expect(reader.answeredLength).toBe(19);
  });

  it('says the runtime is needed when stdin ends', async () => {
    const stdin = new PassThrough();
    const reader = readEarly(stdin, listing, () => {});
    stdin.end('list 1\n');
    await reader.runtimeNeeded;
    expect(reader.answeredLength).toBe(9);
  });

  it('resolves firstLine when nothing arrives (the runtime then loads anyway)', async () => {
    const stdin = new PassThrough();
    const reader = readEarly(stdin, listing, () => {});
    await reader.firstLine;
    const feed = reader.handOver();
    const received = collect(feed);
    stdin.end('list 1\n');
    expect(await received).toBe('list 1\n');
  });
});

describe('clientReading (the runtime waits while the client reads a large early answer)', () => {
  const settled = async (promise: Promise<void>) => {
    let done = false;
    void promise.then(() => (done = true));
    await vi.advanceTimersByTimeAsync(0);
    return () => done;
  };

  it('does not wait after small answers', async () => {
    vi.useFakeTimers();
    try {
      const done = await settled(clientReading({ answeredLength: 64 * 1024 - 1, runtimeNeeded: new Promise(() => {}) }));
      expect(done()).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it('waits 40 µs per KiB answered, 50 ms at most', async () => {
    vi.useFakeTimers();
    try {
      const done = await settled(clientReading({ answeredLength: 270 * 1024, runtimeNeeded: new Promise(() => {}) }));
      await vi.advanceTimersByTimeAsync(10);
      expect(done()).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(done()).toBe(true);
      const capped = await settled(clientReading({ answeredLength: 100 * 1024 * 1024, runtimeNeeded: new Promise(() => {}) }));
      await vi.advanceTimersByTimeAsync(49);
      expect(capped()).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(capped()).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it('stops waiting as soon as a line is for the runtime (or stdin ended)', async () => {
    vi.useFakeTimers();
    try {
      let need!: () => void;
      const done = await settled(clientReading({ answeredLength: 1024 * 1024, runtimeNeeded: new Promise((resolve) => (need = resolve)) }));
      expect(done()).toBe(false);
      need();
      await vi.advanceTimersByTimeAsync(0);
      expect(done()).toBe(true);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
