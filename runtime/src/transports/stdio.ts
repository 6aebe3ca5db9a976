/**
 * stdio transport: MCP over stdin/stdout (stdout carries only JSON-RPC; logs go to stderr).
 */
import { type McpServerFactory } from '@modelcontextprotocol/server';
import { serveStdio as sdkServeStdio, StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import type { Logger } from 'pino';
import { createLineGuard, STDIO_MAX_LINE_BYTES } from './stdio-lines.js';

export interface StdioOptions {
  logger?: Logger;
  /** Called once when stdin ends or closes (the client went away): shut down here. */
  onEnd?: () => void;
  /** Streams to serve on instead of the process's stdin/stdout (tests). */
  stdin?: NodeJS.ReadableStream;
  stdout?: NodeJS.WritableStream;
}

export interface StdioHandle {
  close(): Promise<void>;
}

/** Serves MCP over stdin/stdout; stdout carries only JSON-RPC (logs go to stderr). */
export function serveStdio(factory: McpServerFactory, options: StdioOptions = {}): StdioHandle {
  const stdin = (options.stdin ?? process.stdin) as NodeJS.ReadableStream;
  const stdout = (options.stdout ?? process.stdout) as NodeJS.WritableStream;
  // The line guard answers what the SDK would drop in silence (stdio-lines.ts); the SDK's buffer
  // limit sits above the guard's, so an overlong line is refused there and never closes the transport.
  const guard = createLineGuard({
    reply: (message) => stdout.write(`${JSON.stringify(message)}\n`),
    onRefused: (kind, bytes) => options.logger?.warn({ kind, bytes }, 'stdio line refused and answered with a JSON-RPC error'),
  });
  stdin.pipe(guard);
  // pipe() does not forward source errors; the SDK used to listen on stdin itself.
  stdin.on('error', (error: Error) => options.logger?.warn({ err: error }, 'stdio transport error'));
  const transport = new StdioServerTransport(guard as never, stdout as never, { maxBufferSize: STDIO_MAX_LINE_BYTES + 2 });
  const handle = sdkServeStdio(factory, {
    transport,
    onerror: (error) => options.logger?.warn({ err: error }, 'stdio transport error'),
  });
  let ended = false;
  const onEnd = () => {
    if (ended) return;
    ended = true;
    options.onEnd?.();
  };
  stdin.once('end', onEnd);
  stdin.once('close', onEnd);
  return {
    async close() {
      ended = true;
      await handle.close();
      // Release stdin as the SDK does for its own stream, so the process can exit.
      stdin.unpipe(guard);
      if (stdin.listenerCount('data') === 0) stdin.pause();
    },
  };
}

