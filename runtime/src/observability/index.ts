/**
 * Logs and metrics.
 *
 * Logs go to stderr (fd 2) because stdout carries JSON-RPC in stdio mode: one stray line there
 * breaks the client. Metrics live in a registry per server (not prom-client's global one), so two
 * servers in one process — tests, tool groups — do not collide.
 */
import { pino, type DestinationStream, type Level, type Logger } from 'pino';
import { Gauge, Registry, collectDefaultMetrics } from './prom.js';
import { registerToolCallMetrics, type CallOutcome } from './tool-call-metrics.js';

export type { Logger } from 'pino';
import { LOG_LEVEL_NAMES } from '../config/settings.js';

export type LogLevel = Level | 'silent';
export const LOG_LEVELS: readonly LogLevel[] = LOG_LEVEL_NAMES;

export interface LoggerOptions {
  level?: LogLevel;
  /** Logger name (the server name). */
  name?: string;
  /** Where to write; defaults to stderr. Tests pass a stream to read the lines back. */
  destination?: DestinationStream;
}

/** Log paths whose values are replaced by `[redacted]`: authorization headers, API keys, tokens, secrets. */
export const REDACT_PATHS = [
  'authorization',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'request.headers.authorization',
  '*.authorization',
  'token',
  '*.token',
  'accessToken',
  '*.accessToken',
  'apiKey',
  '*.apiKey',
  'password',
  '*.password',
  'secret',
  '*.secret',
];

/** The async stderr writer of each logger `createLogger` built itself (closeLogger settles it). */
const stderrWriters = new WeakMap<Logger, DestinationStream>();

/**
 * pino's async stderr writer (sonic-boom) in its buffer mode, each line handed over as a Buffer.
 *
 * Why: in the default text mode, every line logged while a write is in flight measures the whole
 * pending text again (`Buffer.byteLength` of a string built by `+=` copies it flat): at thousands
 * of audit lines a second that copied ~4 KB per line, an eighth of a tool call's allocations
 * (bench/README.md). The buffer mode keeps lengths as numbers; a line becomes bytes once, which
 * writing it needs anyway.
 */
function stderrDestination(): DestinationStream {
  const writer = pino.destination({ dest: 2, sync: false, contentMode: 'buffer' });
  const writeBuffer = writer.write.bind(writer) as unknown as (data: Buffer) => boolean;
  writer.write = ((data: string | Buffer) => writeBuffer(typeof data === 'string' ? Buffer.from(data, 'utf8') : data)) as typeof writer.write;
  return writer;
}

/** A pino logger writing JSON lines to stderr. Call `closeLogger` before exiting. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const destination = options.destination ?? stderrDestination();
  const logger = pino(
    {
      level: options.level ?? 'info',
      ...(options.name ? { name: options.name } : {}),
      // Error objects under `err` keep their stack in the log (never in client responses).
      serializers: { err: pino.stdSerializers.err },
      // Credentials never reach a log line, whoever logs a request or its headers (auth module).
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    },
    destination,
  );
  if (!options.destination) stderrWriters.set(logger, destination);
  return logger;
}

/** Flushes buffered log lines (pino writes to stderr asynchronously). */
export function flushLogger(logger: Logger): void {
  try {
    logger.flush();
  } catch {
    // Flushing a destination that is already closed is not worth failing a shutdown for.
  }
}

/** The parts of pino's async writer (sonic-boom) a shutdown looks at; the underscored ones are its state. */
interface AsyncWriter {
  on(event: 'drain' | 'error', listener: () => void): unknown;
  off(event: 'drain' | 'error', listener: () => void): unknown;
  flushSync?: () => void;
  _writing?: boolean;
  _len?: number;
}

/**
 * The last thing a process does with its logger before `process.exit`: waits up to `timeoutMs` for
 * the async stderr writer to write what it holds, then makes sure exiting can never block on it.
 *
 * Why: pino flushes its async writer synchronously on `exit`, and that flush retries a failed write
 * forever, 100 ms at a time in `Atomics.wait` (sonic-boom 4). When the client has quit and stderr
 * is a pipe nobody reads (EPIPE), a line still in flight at exit left the process in a futex wait
 * for good, deaf to a second SIGTERM because its JavaScript never ran again. After this call the
 * exit-time flush does nothing; a line logged later may be lost, the process never hangs.
 */
export async function closeLogger(logger: Logger, timeoutMs = 1000): Promise<void> {
  flushLogger(logger);
  const writer = stderrWriters.get(logger) as AsyncWriter | undefined;
  if (!writer) return;
  const busy = () => writer._writing !== false || (writer._len ?? 1) > 0;
  if (busy()) {
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        writer.off('drain', done);
        writer.off('error', done);
        resolve();
      };
      // 'drain': everything written; 'error': the reader is gone (pino then drops further lines).
      writer.on('drain', done);
      writer.on('error', done);
      const timer = setTimeout(done, timeoutMs);
    });
  }
  abandonLogger(logger);
}

/** Makes exiting unable to block on the logger's stderr writer, without waiting (a second signal exits now). */
export function abandonLogger(logger: Logger): void {
  const writer = stderrWriters.get(logger) as AsyncWriter | undefined;
  if (writer) writer.flushSync = () => {};
}

export type { CallOutcome } from './tool-call-metrics.js';

export interface Metrics {
  readonly registry: Registry;
  /** Records one tool call: its outcome and how long it took in seconds. */
  observeToolCall(tool: string, outcome: CallOutcome, seconds: number): void;
  /** The Prometheus text exposition of every metric in this registry. */
  metricsText(): Promise<string>;
  /** The `Content-Type` of `metricsText()`. */
  readonly contentType: string;
}

export interface MetricsOptions {
  /** Also collect Node process metrics (memory, event loop lag, GC); default false. */
  processMetrics?: boolean;
  /** Prefix for metric names; default `mcp_`. */
  prefix?: string;
}

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const prefix = options.prefix ?? 'mcp_';
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics(registry);
  const toolCalls = registerToolCallMetrics(registry, prefix);
  return {
    registry,
    contentType: registry.contentType,
    observeToolCall: toolCalls.observe,
    metricsText() {
      return registry.metrics();
    },
  };
}

/**
 * `mcp_database_up`: 1 when the database answers a check at scrape time, 0 otherwise (the
 * dashboard's PostgreSQL health and the DatabaseDown alert). The check runs only when Prometheus
 * scrapes, bounded by the storage's own timeout.
 */
export function registerDatabaseHealth(registry: Registry, check: () => Promise<unknown>): void {
  if (registry.getSingleMetric('mcp_database_up')) return;
  new Gauge({
    name: 'mcp_database_up',
    help: '1 while the database answers a check (run at scrape time), 0 when it does not',
    registers: [registry],
    async collect() {
      try {
        await check();
        this.set(1);
      } catch {
        this.set(0);
      }
    },
  });
}
