/**
 * stdio transport: MCP over stdin/stdout (stdout carries only JSON-RPC; logs go to stderr).
 */
import { type McpServerFactory } from '@modelcontextprotocol/server';
import { serveStdio as sdkServeStdio, StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import type { Logger } from 'pino';

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
  const transport = new StdioServerTransport(stdin as never, stdout as never);
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
    },
  };
}

