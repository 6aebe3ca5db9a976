/**
 * `startServer`: a generated project's entry point (`src/server.ts`), `runServer` with a fast cold
 * start over stdio.
 *
 * It reads the configuration and, when the server is served over stdio, starts reading stdin at
 * once: a modern `tools/list` is answered from the manifest (early-list.ts) while the runtime and
 * the SDK load; the first line it does not answer, and everything after it, goes to the runtime in
 * order, through the same stdio transport (line guard and all) as when `runServer` reads stdin
 * itself. Nothing here imports the SDK: that is the point (bench/README.md, "Cold start").
 *
 * Served the usual way instead (`runServer` reads stdin itself): HTTP, `--help`, a configuration
 * error (`runServer` reports it), `MCP_FAST_PATH=off`, tracing on (the list would miss its span),
 * progressive discovery, the gateway's live surface, and streams given in `options.stdio`.
 * One difference remains: a server whose start fails after the config is read (a database it
 * cannot open) may have answered a `tools/list` before it exits 1.
 *
 * Whatever the transport, it first sets the V8 heap sizing the configuration asks for (heap.ts:
 * compact for HTTP by default), before anything heavy loads.
 */
import { PassThrough, type Readable } from 'node:stream';
import { loadConfig, type RuntimeConfig } from '../config/index.js';
import { discoveryModeOf } from '../discovery/names.js';
import type { RunningServer, RunServerOptions } from '../server/run.js';
import { configSourcesOf } from '../server/config-sources.js';
import type { ServerModules } from '../server/contract.js';
import { manifestWithTools, selectTools } from '../server/toolsets.js';
import { createEarlyListing, type EarlyListing } from './early-list.js';
import { applyHeapSettings, governYoungGeneration } from './heap.js';
import { precomputedListingOf } from './precomputed.js';

// For the generator (codegen/emit-manifest.ts), which precomputes a large manifest's listing.
export { PRECOMPUTED_LISTING, PRECOMPUTED_LISTING_FORMAT, precomputeListing, type PrecomputedListing } from './precomputed.js';

export interface StartServerOptions extends Omit<RunServerOptions, 'modules'> {
  /**
   * The handler map, or a function that loads it: `() => import('./generated/handlers.js').then((m) => m.modules)`
   * loads it after the first list is answered (for 1,000 tools its module alone costs more than
   * answering the list).
   */
  modules: ServerModules | (() => Promise<ServerModules>);
}

/** How long stdin is watched for a first line before the runtime loads anyway (a client normally writes at once). */
const FIRST_LINE_WAIT_MS = 20;
/**
 * After early answers this long, the runtime waits a moment before it loads: the client is then
 * reading and parsing the answer (~10 ns a character for JSON.parse), and on a busy two-core machine
 * the runtime's loading (~300 ms of CPU, on several threads) took the CPU it needed: a 270 KB
 * listing (1,000 tools) was parsed by its client 3.4 ms later in the median, 7.5 ms at the upper
 * quartile (bench/README.md, "Cold start", round seven). A line the runtime must answer, or
 * stdin's end, ends the wait at once, so a client that calls a tool right away is not kept waiting.
 */
const LARGE_ANSWER_LENGTH = 64 * 1024;
/** The wait per KiB answered (about four times what the client's read and parse take here), and its cap. */
const CLIENT_READ_MS_PER_KIB = 0.04;
const CLIENT_READ_MAX_MS = 50;
/** A first line longer than this is not parsed here: the runtime's line guard handles it. */
const EARLY_LINE_MAX_BYTES = 1024 * 1024;

/**
 * @example
 * ```ts
 * // src/server.ts
 * import { startServer } from '@mcpforge/runtime/start';
 * import { manifest } from './generated/manifest.js';
 * const modules = () => import('./generated/handlers.js').then((m) => m.modules);
 * await startServer({ manifest, modules, projectRoot: new URL('..', import.meta.url) });
 * ```
 */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const config = startConfig(options);
  // Before the runtime and the SDK load: their start-up garbage would size the young generation.
  const heapFlags = config ? applyHeapSettings({ setting: config.v8Heap, transport: config.transport }) : [];
  const serving = (running: RunningServer) => {
    if (heapFlags.length > 0) governYoungGeneration();
    return running;
  };
  const listing = config && earlyListingForConfig(options, config);
  const loadModules = async () => (typeof options.modules === 'function' ? await options.modules() : options.modules);
  if (!listing) {
    const [{ runServer }, modules] = await Promise.all([import('../server/run.js'), loadModules()]);
    return serving(await runServer({ ...options, modules }));
  }
  // Until the runtime's stdio transport listens on stdout, a client gone away (EPIPE) must not
  // crash the process: its stdin ends too, and that shuts the server down as always.
  const gone = () => {};
  process.stdout.on('error', gone);
  try {
    const early = readEarly(process.stdin, listing, (line) => process.stdout.write(`${line}\n`));
    await early.firstLine;
    await clientReading(early);
    const [{ runServer }, modules] = await Promise.all([import('../server/run.js'), loadModules()]);
    return serving(await runServer({ ...options, modules, stdio: { stdin: early.handOver() } }));
  } finally {
    process.stdout.off('error', gone);
  }
}

/** The early listing when this start may answer one (see the module comment), else undefined. */
export function earlyListingFor(options: Omit<StartServerOptions, 'modules'>): EarlyListing | undefined {
  const config = startConfig(options);
  return config && earlyListingForConfig(options, config);
}

/** The configuration as `runServer` will read it, or undefined for `--help` or a problem (`runServer` reports it). */
function startConfig(options: Omit<StartServerOptions, 'modules'>): RuntimeConfig | undefined {
  const env = options.env ?? process.env;
  try {
    const loaded = loadConfig(configSourcesOf(options.manifest, { argv: options.argv, env, projectRoot: options.projectRoot }));
    return loaded.help ? undefined : loaded.config;
  } catch {
    // runServer reads the same configuration again and reports what is wrong.
    return undefined;
  }
}

function earlyListingForConfig(options: Omit<StartServerOptions, 'modules'>, config: RuntimeConfig): EarlyListing | undefined {
  if (options.stdio || options.liveSurface) return undefined;
  if (config.transport !== 'stdio' || !config.fastPath || config.telemetry.otlpEndpoint !== undefined) return undefined;
  const { group, toolsets, tools } = config;
  let manifest = options.manifest;
  // Without a selection every tool is served: the tools need not be read (a large manifest's stay unparsed, precomputed.ts).
  if (group !== undefined || toolsets || tools) {
    const selection = selectTools(manifest, { ...(group === undefined ? {} : { group }), ...(toolsets ? { toolsets } : {}), ...(tools ? { tools } : {}) });
    if (selection.problems.length > 0) return undefined;
    if (selection.names !== undefined) manifest = manifestWithTools(manifest, selection.names);
  }
  const precomputed = precomputedListingOf(manifest);
  const toolCount = precomputed ? precomputed.tools : Object.keys(manifest.tools).length;
  const progressive = discoveryModeOf(config.discovery, manifest.discovery?.mode, toolCount) === 'progressive';
  return createEarlyListing(
    {
      manifest,
      ...(config.clientProfile === undefined ? {} : { clientProfile: config.clientProfile }),
      ...(config.maxOutputTokens === undefined ? {} : { maxOutputTokens: config.maxOutputTokens }),
      ...(precomputed ? { precomputed } : {}),
    },
    progressive,
  );
}

/** Lets the client read a large early answer before the runtime's loading competes for the CPU (LARGE_ANSWER_LENGTH). */
export async function clientReading(early: Pick<EarlyReader, 'answeredLength' | 'runtimeNeeded'>): Promise<void> {
  if (early.answeredLength < LARGE_ANSWER_LENGTH) return;
  const ms = Math.min(CLIENT_READ_MAX_MS, Math.ceil((early.answeredLength / 1024) * CLIENT_READ_MS_PER_KIB));
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([early.runtimeNeeded, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

export interface EarlyReader {
  /** Resolves once the first line has been seen (answered or not), stdin has ended, or the wait is over. */
  firstLine: Promise<void>;
  /** Resolves once a line must go to the runtime (or stdin has ended): nothing is left to answer early. */
  runtimeNeeded: Promise<void>;
  /** The length of the answers written so far, newlines included (characters: JSON, nearly all ASCII). */
  readonly answeredLength: number;
  /** Stops answering; returns the stream the runtime reads from: every line not answered, then the rest of stdin. */
  handOver(): Readable;
}

/**
 * Reads stdin line by line, answering what `listing` answers, until the first line it does not
 * (or until the hand-over): from then on every byte goes to the runtime, in order.
 */
export function readEarly(stdin: NodeJS.ReadableStream, listing: EarlyListing, write: (line: string) => void): EarlyReader {
  const feed = new PassThrough();
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let passing = false;
  let ended = false;
  let handedOver = false;
  let answeredLength = 0;
  let seen!: () => void;
  const firstLine = new Promise<void>((resolve) => (seen = resolve));
  const timer = setTimeout(seen, FIRST_LINE_WAIT_MS);
  let needed!: () => void;
  const runtimeNeeded = new Promise<void>((resolve) => (needed = resolve));

  const pass = () => {
    passing = true;
    needed();
    if (pending.length > 0) feed.write(Buffer.concat(pending));
    pending = [];
    pendingBytes = 0;
  };

  const onData = (chunk: Buffer | string) => {
    const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (passing) {
      feed.write(data);
      return;
    }
    let start = 0;
    let newline: number;
    while ((newline = data.indexOf(0x0a, start)) !== -1) {
      const piece = data.subarray(start, newline);
      const line = pending.length === 0 ? piece : Buffer.concat([...pending, piece]);
      pending = [];
      pendingBytes = 0;
      seen();
      const answer = listing.answer(line.toString('utf8'));
      if (answer === undefined) {
        // The first line the runtime must answer: it and everything after it go there, in order.
        pending = [data.subarray(start)];
        pass();
        return;
      }
      write(answer);
      answeredLength += answer.length + 1;
      start = newline + 1;
    }
    if (start < data.length) {
      pending.push(data.subarray(start));
      pendingBytes += data.length - start;
      if (pendingBytes > EARLY_LINE_MAX_BYTES) {
        seen();
        pass();
      }
    }
  };
  const onEnd = () => {
    ended = true;
    seen();
    needed();
  };
  stdin.on('data', onData);
  stdin.once('end', onEnd);
  // Forwarded once the runtime's stdio transport listens on the feed (it logs them as its own
  // stdin's); before that there is nobody to tell, and the read ends with the error.
  stdin.on('error', (error: Error) => {
    if (handedOver) feed.emit('error', error);
  });

  return {
    firstLine: firstLine.then(() => clearTimeout(timer)),
    runtimeNeeded,
    get answeredLength() {
      return answeredLength;
    },
    handOver() {
      if (handedOver) return feed;
      handedOver = true;
      stdin.removeListener('data', onData);
      stdin.removeListener('end', onEnd);
      pass();
      if (ended) feed.end();
      else stdin.pipe(feed);
      return feed;
    },
  };
}
