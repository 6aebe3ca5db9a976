/**
 * The official clients for the tasks extension: an SDK `Client` (2026-07-28) plus the extension's
 * own requester session (`@modelcontextprotocol/ext-tasks/client`). The SDK client cannot decode a
 * `CreateTaskResult`, so the extension asks its host for a raw request path (`rawDispatch`): over
 * HTTP one POST per request, over a connected transport (stdio) the same channel as the client.
 */
import type { Client, Transport } from '@modelcontextprotocol/client';
import { createTaskSessionFromClient, type RawClientDispatch, type TaskEnabledSession, type WithTasksOptions } from '@modelcontextprotocol/ext-tasks/client';

export const TASKS_PROTOCOL = '2026-07-28';
const CLIENT_INFO = { name: 'mcpforge-tasks-test', version: '1.0.0' };

type Message = { jsonrpc?: string; id?: string | number; method?: string; params?: Record<string, unknown>; result?: unknown; error?: { code: number; message: string; data?: unknown } };

const toResponse = (reply: Message) =>
  reply.error ? { kind: 'error' as const, error: reply.error as never } : { kind: 'result' as const, result: (reply.result ?? {}) as never };

/** One POST per request to the MCP endpoint (JSON or event-stream answer). */
export function httpDispatch(url: URL | string, headers: Record<string, string> = {}): RawClientDispatch {
  let n = 0;
  return async (request) => {
    const message = { jsonrpc: '2.0', id: `raw-${++n}`, ...(request as Message) } as Message;
    const name = message.method === 'tools/call' ? message.params?.name : message.params?.taskId;
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': TASKS_PROTOCOL,
        'mcp-method': message.method ?? '',
        ...(typeof name === 'string' ? { 'mcp-name': name } : {}),
        ...headers,
      },
      body: JSON.stringify(message),
    });
    const text = await res.text();
    const candidates = (res.headers.get('content-type') ?? '').includes('text/event-stream')
      ? text
          .split('\n')
          .filter((line) => line.startsWith('data:'))
          .map((line) => JSON.parse(line.slice(5)) as Message)
      : [JSON.parse(text) as Message];
    const reply = candidates.find((m) => m.id === message.id && ('result' in m || 'error' in m));
    if (!reply) throw new Error(`no JSON-RPC answer to ${message.method} (HTTP ${res.status}): ${text.slice(0, 300)}`);
    return toResponse(reply);
  };
}

/** Requests on the client's own connected transport (stdio): answers to our ids are taken out of the stream. */
export function transportDispatch(transport: Transport): RawClientDispatch {
  const pending = new Map<string, (reply: Message) => void>();
  const forward = transport.onmessage;
  transport.onmessage = ((message: Message, extra?: unknown) => {
    const done = typeof message.id === 'string' ? pending.get(message.id) : undefined;
    if (done && ('result' in message || 'error' in message)) {
      pending.delete(message.id as string);
      done(message);
      return;
    }
    (forward as ((m: unknown, e?: unknown) => void) | undefined)?.(message, extra);
  }) as never;
  let n = 0;
  return async (request) => {
    const id = `raw-${++n}`;
    const answered = new Promise<Message>((resolve) => pending.set(id, resolve));
    await transport.send({ jsonrpc: '2.0', ...(request as object), id } as never);
    return toResponse(await answered);
  };
}

/** The extension's session over a connected 2026-07-28 SDK client (`onInputRequest`: answers a task's `inputRequests`). */
export function taskSession(client: Client, rawDispatch: RawClientDispatch, endpointId = 'mcpforge-test', extra: Pick<WithTasksOptions, 'onInputRequest'> = {}): TaskEnabledSession {
  return createTaskSessionFromClient(client, {
    ...extra,
    endpointId,
    rawDispatch,
    v2RequestFraming: { protocolVersion: TASKS_PROTOCOL, clientInfo: CLIENT_INFO, clientCapabilities: {} },
  });
}
