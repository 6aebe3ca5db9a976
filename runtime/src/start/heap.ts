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
 * - `--semi-space-growth-factor=1`: the young generation keeps its initial 1 MiB semi-spaces:
 *   ~8 MiB less peak RSS on top, at no CPU cost beside the flag above (123 µs). Alone it saved no
 *   CPU (163 µs): more scavenges promote more into an old generation V8 lets grow.
 *
 * Both are read by V8 when it next resizes, so `v8.setFlagsFromString` applies them in a running
 * process: `startServer` does it right after reading the configuration, before the runtime and the
 * SDK load (their start-up garbage would otherwise grow the young generation for good).
 * The operator keeps the last word: any heap flag in `NODE_OPTIONS` or on node's command line, or
 * `MCP_V8_HEAP=v8`, leaves V8's own sizing alone.
 */
import { setFlagsFromString } from 'node:v8';

/** The flags `MCP_V8_HEAP=compact` sets (V8 11–13: Node 20, 22, 24 know them). */
export const COMPACT_HEAP_FLAGS: readonly string[] = ['--semi-space-growth-factor=1', '--heap-growing-percent=30'];

/** Node/V8 options that size the heap: when the operator gives any of them, theirs is the sizing. */
const HEAP_OPTIONS = /--(max|min)[-_]semi[-_]space[-_]size|--semi[-_]space[-_]growth[-_]factor|--(max|initial)[-_]old[-_]space[-_]size|--(max|initial)[-_]heap[-_]size|--heap[-_]growing[-_]percent/;

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
