/**
 * prom-client's metric classes, loaded without prom-client's index.
 *
 * Why: the index also loads the default process metrics — whose CPU counter requires
 * `@opentelemetry/api` for exemplars —, the Pushgateway (HTTP clients) and the cluster aggregator.
 * That was ~9.5 MiB of RSS at start (`prom-client` imported alone: +12.8 MiB over bare node, these
 * four classes: +3.2 MiB) in every server, most of which never collects process metrics; the peak
 * RSS target under load is 100 MiB (bench/README.md, "Peak RSS"). The files are the ones the
 * index itself re-exports (prom-client has no `exports` map), so a metric made here is the same
 * class as one made through `prom-client`, and a registry mixes both. `collectDefaultMetrics`
 * loads the whole package when a server asks for process metrics.
 */
import { createRequire } from 'node:module';
import type * as PromClient from 'prom-client';

const requireCjs = createRequire(import.meta.url);

/** prom-client's own file for `name`, or its index should a later version move or hide the file. */
function load<K extends 'Registry' | 'Counter' | 'Gauge' | 'Histogram'>(name: K): (typeof PromClient)[K] {
  try {
    return requireCjs(`prom-client/lib/${name.toLowerCase()}`) as (typeof PromClient)[K];
  } catch {
    return (requireCjs('prom-client') as typeof PromClient)[name];
  }
}

export const Registry = load('Registry');
export const Counter = load('Counter');
export const Gauge = load('Gauge');
export const Histogram = load('Histogram');
export type Registry = PromClient.Registry;
export type Counter<T extends string = string> = PromClient.Counter<T>;
export type Gauge<T extends string = string> = PromClient.Gauge<T>;
export type Histogram<T extends string = string> = PromClient.Histogram<T>;

/** Node process metrics (memory, event loop lag, GC) into `registry`: loads all of prom-client. */
export function collectDefaultMetrics(registry: Registry): void {
  (requireCjs('prom-client') as typeof PromClient).collectDefaultMetrics({ register: registry });
}
