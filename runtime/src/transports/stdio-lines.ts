/**
 * The line guard in front of the SDK's stdio transport: every stdin line is checked before the SDK
 * sees it, so a client never waits forever on a message the SDK would drop in silence.
 *
 * - not JSON (or not UTF-8 JSON): `-32700` with `id: null` (JSON-RPC 2.0 §5.1);
 * - JSON but not a JSON-RPC 2.0 message: `-32600`, with the request's `id` when it is a string or
 *   an integer, else `id: null`; a JSON value that looks like a notification (no `id`) or a
 *   response (`result`/`error`) is passed on unanswered (answering either could start a loop
 *   between two peers), and the SDK logs and drops it as before;
 * - a batch (a JSON array): `-32600` for each element carrying an id, one `id: null` error when
 *   none does. MCP messages on stdio are individual messages (JSON-RPC batching left MCP in
 *   2025-06-18; the 2025-11-25 stdio transport carries "individual JSON-RPC requests,
 *   notifications, or responses"), and the SDK never executed stdio batches;
 * - a line longer than `maxLineBytes` (the SDK's own 10 MiB buffer limit): the SDK would close the
 *   transport and the process exits; here the line is skipped without being buffered, answered
 *   with `-32000` (with its id when the top level of the line's beginning names one), and the
 *   server keeps serving.
 *
 * Valid lines go on unchanged, one line per chunk, so the SDK's read buffer never holds more than
 * one line.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { envelopeAnswers, jsonRpcError as error, usableId } from '../core/jsonrpc.js';

/** The SDK's stdio read buffer limit (10 MiB); a longer line is refused here instead. */
export const STDIO_MAX_LINE_BYTES = 10 * 1024 * 1024;
/** How much of an overlong line is kept to find its id. */
const ID_SCAN_BYTES = 64 * 1024;

export type StdioRefusal = 'parse_error' | 'invalid_request' | 'batch' | 'too_large';

export interface LineGuardOptions {
  /** Writes one answer (a JSON-RPC error response) to the client. */
  reply: (message: Record<string, unknown>) => void;
  maxLineBytes?: number;
  /** Told about every refused line (for the log; the line itself is not passed on). */
  onRefused?: (kind: StdioRefusal, bytes: number) => void;
}

type Id = string | number | null;

/** The answers for one parsed line (core/jsonrpc.ts): the one envelope check of stdio and WebSocket. */
export function answersFor(message: unknown): Array<Record<string, unknown>> | undefined {
  return envelopeAnswers(message, STDIO_UNIT);
}

const STDIO_UNIT = { transport: 'stdio', unit: 'line', batches: 'JSON-RPC batches are not accepted over stdio (MCP sends one message per line since 2025-06-18); send each request on its own line' } as const;

/**
 * The `id` of a JSON object's top level, read from the start of a line (an overlong line is not
 * parsed whole). Undefined when the prefix does not name one before it ends.
 */
export function topLevelId(prefix: string): Id | undefined {
  let depth = 0;
  let i = prefix.search(/\S/);
  if (i === -1 || prefix[i] !== '{') return undefined;
  let expectKey = false;
  const n = prefix.length;
  while (i < n) {
    const c = prefix[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < n && prefix[j] !== '"') j += prefix[j] === '\\' ? 2 : 1;
      if (j >= n) return undefined;
      const raw = prefix.slice(i, j + 1);
      i = j + 1;
      if (depth === 1 && expectKey) {
        expectKey = false;
        let key: unknown;
        try {
          key = JSON.parse(raw);
        } catch {
          return undefined;
        }
        if (key !== 'id') continue;
        // A string ends at its quote; a number only where something follows it (it may be cut).
        const value = /^\s*:\s*(?:("(?:[^"\\]|\\.)*")|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)\s*[,}])/.exec(prefix.slice(i));
        if (!value) return null;
        return usableId(JSON.parse(value[1] ?? value[2]!) as unknown);
      }
      continue;
    }
    if (c === '{' || c === '[') {
      depth++;
      expectKey = c === '{' && depth === 1;
    } else if (c === '}' || c === ']') depth--;
    else if (c === ',' && depth === 1) expectKey = true;
    i++;
  }
  return undefined;
}

/**
 * A stream between stdin and the SDK transport: bytes in, one valid line (with its newline) per
 * chunk out; refused lines are answered through `reply` and never reach the SDK.
 */
export function createLineGuard(options: LineGuardOptions): Transform {
  const max = options.maxLineBytes ?? STDIO_MAX_LINE_BYTES;
  let parts: Buffer[] = [];
  let size = 0;
  let overflow = false;
  let head = '';

  const refuse = (kind: StdioRefusal, bytes: number, answers: Array<Record<string, unknown>>) => {
    options.onRefused?.(kind, bytes);
    for (const answer of answers) options.reply(answer);
  };

  function endLine(stream: Transform): void {
    if (overflow) {
      const id = topLevelId(head) ?? null;
      refuse('too_large', size, [error(id, -32000, `Message too large: the line is ${size} bytes, over the ${max}-byte limit of one stdio message; send less per request (e.g. page through data or pass a file path)`)]);
    } else {
      const line = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
      const text = line.toString('utf8').replace(/\r$/, '');
      if (text.trim() !== '') {
        let parsed: unknown;
        let ok = true;
        try {
          parsed = JSON.parse(text);
        } catch {
          ok = false;
        }
        const answers = ok ? answersFor(parsed) : [error(null, -32700, 'Parse error: the line is not valid JSON')];
        if (answers) refuse(!ok ? 'parse_error' : Array.isArray(parsed) ? 'batch' : 'invalid_request', size, answers);
        else stream.push(Buffer.concat([line, Buffer.from('\n')]));
      }
    }
    parts = [];
    size = 0;
    overflow = false;
    head = '';
  }

  return new Transform({
    readableObjectMode: true,
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      let start = 0;
      while (start < chunk.length) {
        const newline = chunk.indexOf(0x0a, start);
        const piece = chunk.subarray(start, newline === -1 ? chunk.length : newline);
        if (!overflow && size + piece.length > max) {
          // Keep only the beginning (to find the id); the rest is counted and dropped.
          overflow = true;
          head = Buffer.concat([...parts, piece]).subarray(0, ID_SCAN_BYTES).toString('utf8');
          parts = [];
        }
        if (!overflow) parts.push(piece);
        size += piece.length;
        if (newline === -1) break;
        endLine(this);
        start = newline + 1;
      }
      callback();
    },
    // A last line without a newline is dropped, as the SDK does (a message ends with its newline).
    flush(callback: TransformCallback) {
      callback();
    },
  });
}
