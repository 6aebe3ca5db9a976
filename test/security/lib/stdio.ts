/**
 * A raw stdio JSON-RPC driver: writes whatever bytes a test wants to the child's stdin (valid
 * messages, garbage, half lines) and collects every line the child prints on stdout, parsed when it
 * is JSON. No SDK client in between, so malformed input reaches the server as sent.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';

export interface JsonRpcReply {
  jsonrpc?: unknown;
  id?: unknown;
  result?: Record<string, unknown> & { content?: Array<{ type: string; text?: string }>; isError?: boolean; structuredContent?: unknown };
  error?: { code: number; message: string; data?: unknown };
  method?: string;
  params?: unknown;
}

export const PROTOCOL_2025 = '2025-11-25';

export class StdioDriver {
  /** Every stdout line, in order; `json` is undefined when the line is not JSON (which is itself a bug). */
  readonly lines: Array<{ raw: string; json: JsonRpcReply | undefined }> = [];
  private buffer = '';
  private stderrText = '';
  private waiters: Array<() => void> = [];
  private nextId = 1_000_000;
  readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      this.buffer += chunk;
      let newline: number;
      while ((newline = this.buffer.indexOf('\n')) >= 0) {
        const raw = this.buffer.slice(0, newline).replace(/\r$/, '');
        this.buffer = this.buffer.slice(newline + 1);
        let json: JsonRpcReply | undefined;
        try {
          json = JSON.parse(raw) as JsonRpcReply;
        } catch {
          json = undefined;
        }
        this.lines.push({ raw, json });
      }
      for (const wake of this.waiters.splice(0)) wake();
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      this.stderrText += chunk;
      for (const wake of this.waiters.splice(0)) wake();
    });
    // A write after the child died must not crash the test process; the test sees `alive()` false.
    child.stdin.on('error', () => {});
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  stderr(): string {
    return this.stderrText;
  }

  /** Writes raw text (a newline is NOT added). */
  write(text: string | Buffer): void {
    this.child.stdin.write(text);
  }

  /** Writes one message as a line. */
  send(message: unknown): void {
    this.write(`${JSON.stringify(message)}\n`);
  }

  /** Resolves with the first line matching `predicate` seen so far or later; rejects after `timeoutMs`. */
  async waitFor(predicate: (line: JsonRpcReply) => boolean, timeoutMs = 15_000, what = 'a matching reply'): Promise<JsonRpcReply> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.find((line) => line.json !== undefined && predicate(line.json));
      if (found) return found.json!;
      if (this.child.exitCode !== null || this.child.signalCode !== null) throw new Error(`stdio server exited (${this.child.exitCode ?? this.child.signalCode}) while waiting for ${what}:\n${this.stderrText}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} within ${timeoutMs} ms; stdout lines: ${this.lines.map((l) => l.raw.slice(0, 200)).join('\n')}\nstderr:\n${this.stderrText.slice(-2000)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 500));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits until stderr contains `text` (a log line). */
  async waitForStderr(pattern: RegExp, timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.stderrText);
      if (match) return match[0];
      if (Date.now() > deadline) throw new Error(`stderr never matched ${pattern}:\n${this.stderrText.slice(-2000)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Sends a request with a fresh id (or the given one) and waits for the reply with that id. */
  async request(method: string, params?: unknown, id: string | number = this.nextId++, timeoutMs?: number): Promise<JsonRpcReply> {
    this.send({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) });
    return this.waitFor((reply) => reply.id === id && (reply.result !== undefined || reply.error !== undefined), timeoutMs, `reply to ${method} #${String(id)}`);
  }

  /** The 2025-11-25 handshake: initialize, then notifications/initialized. */
  async initialize(): Promise<JsonRpcReply> {
    const reply = await this.request('initialize', { protocolVersion: PROTOCOL_2025, capabilities: {}, clientInfo: { name: 'security-suite', version: '1.0.0' } });
    this.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    return reply;
  }

  /** tools/call; resolves with the JSON-RPC reply (result or error). */
  callTool(name: string, args: unknown, id?: string | number): Promise<JsonRpcReply> {
    return this.request('tools/call', { name, arguments: args }, id);
  }

  /** Replies seen for `id` (there must be at most one). */
  repliesFor(id: unknown): JsonRpcReply[] {
    return this.lines.filter((line) => line.json?.id === id && line.json?.method === undefined).map((line) => line.json!);
  }

  alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Ends stdin (the server's cue to shut down), SIGKILL after `graceMs`. */
  async stop(graceMs = 5_000): Promise<number | null> {
    if (!this.alive()) return this.child.exitCode;
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}
