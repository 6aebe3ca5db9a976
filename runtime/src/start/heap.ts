/**
 * V8 heap sizing of a served HTTP server (`MCP_V8_HEAP`, docs/deployment.md "Memory").
 *
 * Why: under load a generated server's live heap is ~25 MiB, yet with V8's defaults its RSS peaks
 * at 140–200 MiB — garbage not yet collected (bench/README.md, "Peak RSS"): the young generation
 * grows to 2 × 16 MiB semi-spaces, and the old generation is let grow to up to 4× its live data
 * before a full collection. Capping them with `--max-semi-space-size` / `--max-old-space-size`
 * bounds the RSS but cost 16–26% of the throughput (full collections near the cap). Two other
 * flags bound it with no hard limit, and cost less CPU than V8's own sizing:
 *
 * - `--heap-growing-percent=30`: a full collection once the old generation holds 30% more than it
 *   kept after the last one (V8: 1.1× to 4× by its own heuristics), with no hard limit to hit.
 *   This is most of the gain: less memory touched (fewer pages faulted in and given back), and the
 *   server's CPU per call went down with it (API key, c=32: 153 → 124 µs, bench/flags-ab.mjs).
 * - `--semi-space-growth-factor=1`, then a young generation that grows to 2 MiB semi-spaces and no
 *   further (`governYoungGeneration` below): ~8 MiB less peak RSS than V8's own young generation.
 *   Its initial 1 MiB semi-spaces alone cost ~8% of the CPU per call (a scavenge every ~55 calls,
 *   ~0.2 ms each: 6% of the main thread); 2 MiB halves that, and the peak RSS stayed the same.
 * - `--no-allocation-site-pretenuring`: with a young generation of 2–8 MiB, V8's per-allocation-site
 *   decision to allocate straight into the old generation kept flipping at the benchmark's load
 *   (each flip recompiles the code allocating there): 70 µs per call against 35 without it.
 *
 * V8 reads these when it next resizes or collects, so `v8.setFlagsFromString` applies them in a
 * running process (`--max-semi-space-size` is read only while the heap is set up, hence the
 * governor). `startServer` sets the flags right after reading the configuration, before the runtime
 * and the SDK load, and starts the governor once the server serves: the start-up garbage, kept
 * alive in long synchronous stretches, would otherwise grow the young generation past the cap.
 * The operator keeps the last word: any heap flag in `NODE_OPTIONS` or on node's command line, or
 * `MCP_V8_HEAP=v8`, leaves V8's own sizing alone.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

/** The flags `MCP_V8_HEAP=compact` sets (V8 11–13: Node 20, 22, 24 know them). */
export const COMPACT_HEAP_FLAGS: readonly string[] = ['--semi-space-growth-factor=1', '--heap-growing-percent=30', '--no-allocation-site-pretenuring'];

/** The semi-space size the compact sizing lets the young generation grow to (V8 starts at 1 MiB). */
export const YOUNG_SEMI_SPACE_CAP_BYTES = 2 * 1024 * 1024;

/** Node/V8 options that size the heap: when the operator gives any of them, theirs is the sizing. */
const HEAP_OPTIONS =
  /--(max|min)[-_]semi[-_]space[-_]size|--semi[-_]space[-_]growth[-_]factor|--(max|initial)[-_]old[-_]space[-_]size|--(max|initial)[-_]heap[-_]size|--heap[-_]growing[-_]percent|--(no[-_])?allocation[-_]site[-_]pretenuring/;

export interface HeapSettings {
  /** `MCP_V8_HEAP`: unset = `compact` for HTTP servers (WebSocket included), V8's sizing for stdio. */
  setting: 'compact' | 'v8' | undefined;
  transport: 'stdio' | 'http';
  /** `process.execArgv` */
  execArgv: readonly string[];
  /** `process.env.NODE_OPTIONS` */
  nodeOptions: string | undefined;
}

/** The flags to set for these settings: none when the operator chose the heap's sizing. */
export function heapFlagsFor(settings: HeapSettings): readonly string[] {
  const compact = settings.setting ?? (settings.transport === 'stdio' ? 'v8' : 'compact');
  if (compact !== 'compact') return [];
  if (settings.execArgv.some((arg) => HEAP_OPTIONS.test(arg)) || HEAP_OPTIONS.test(settings.nodeOptions ?? '')) return [];
  return COMPACT_HEAP_FLAGS;
}

/** Sets the flags `heapFlagsFor` chooses for this process; returns them (for the start-up log). */
export function applyHeapSettings(settings: Omit<HeapSettings, 'execArgv' | 'nodeOptions'>): readonly string[] {
  // What node itself read at start: its own command line and environment, not `options.env`.
  const flags = heapFlagsFor({ ...settings, execArgv: process.execArgv, nodeOptions: process.env.NODE_OPTIONS });
  for (const flag of flags) setFlagsFromString(flag);
  return flags;
}

/**
 * The growth factor that keeps the young generation at `capBytes` semi-spaces: 2 (one doubling)
 * while a semi-space holds less, 1 (no growth) once it holds that much. 10% slack: V8 reports a
 * semi-space's usable bytes, a little under its size.
 */
export function semiSpaceGrowthFactorFor(semiSpaceBytes: number, capBytes: number): 1 | 2 {
  return semiSpaceBytes < capBytes * 0.9 ? 2 : 1;
}

/**
 * Lets the young generation grow to `capBytes` semi-spaces and no further. V8 grows it (by the
 * growth factor) at a scavenge that finds enough survivors, and shrinks it back when allocation
 * slows down; only its maximum is fixed at start. So after every collection (a `gc` performance
 * entry) this sets the factor for the size V8 left: no timer, nothing to do while the server idles.
 * The entries arrive between event-loop turns: a single synchronous stretch that keeps several MiB
 * alive can take the young generation past the cap, until V8 shrinks it once the load stops.
 * One governor per process (a second call keeps the first); returns a function that stops it.
 */
export function governYoungGeneration(capBytes: number = YOUNG_SEMI_SPACE_CAP_BYTES): () => void {
  if (stopGoverning) return stopGoverning;
  let factor: 1 | 2 = 1;
  const govern = () => {
    const next = semiSpaceGrowthFactorFor(semiSpaceBytes(), capBytes);
    if (next === factor) return;
    factor = next;
    setFlagsFromString(`--semi-space-growth-factor=${next}`);
  };
  const observer = new PerformanceObserver(govern);
  observer.observe({ entryTypes: ['gc'] });
  govern();
  stopGoverning = () => {
    observer.disconnect();
    stopGoverning = undefined;
  };
  return stopGoverning;
}

let stopGoverning: (() => void) | undefined;

/** The usable bytes of the young generation's current semi-space. */
function semiSpaceBytes(): number {
  const space = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
  return space ? space.space_used_size + space.space_available_size : 0;
}
