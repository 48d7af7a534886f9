import { status } from '@grpc/grpc-js';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { HttpOutcome } from '../host';
import type { PoolStats } from '../runtime';
import { grpcCodeOf } from '../server';
import type { AnyRpc, FanOutMiss } from '../services';
import { statusName } from './status-name';

/** Sub-millisecond plugin calls are common (field-notes.md), slow HTTP-bound ones take seconds. */
const CALL_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const COMPILE_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** What the gauges read when Prometheus scrapes; never touched on the call path. */
export interface MetricSources {
  /** Contract calls Address is serving (what MaxConcurrentCalls bounds). */
  callsInFlight(): number;
  pool(): PoolStats;
  timersPending(): number;
  schedulesPending(): number;
}

/** The counter and histogram of one (rpc, plugin) or one rpc, bound once: a call only looks them up. */
export interface BoundCall {
  readonly seconds: Histogram.Internal<string>;
  /** Indexed by gRPC status code, bound on the first call that ends with it. */
  readonly byStatus: (Counter.Internal | undefined)[];
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * The sidecar's Prometheus metrics, in a registry of its own (several sidecars in one process,
 * as in the tests, must not share one). Lower layers report through callbacks and observers;
 * only this module knows prom-client.
 */
export class SidecarMetrics {
  readonly registry = new Registry();
  private readonly calls = this.counter('ndphost_calls_total', 'Contract calls served, by rpc and gRPC status', ['rpc', 'status']);
  private readonly callSeconds = this.histogram('ndphost_call_duration_seconds', 'Contract call latency, by rpc', ['rpc'], CALL_BUCKETS);
  private readonly pluginCalls = this.counter('ndphost_plugin_calls_total', 'Plugin calls (one per plugin asked), by plugin, rpc and gRPC status', ['plugin', 'rpc', 'status']);
  private readonly pluginCallSeconds = this.histogram('ndphost_plugin_call_duration_seconds', 'Plugin call latency, by plugin and rpc', ['plugin', 'rpc'], CALL_BUCKETS);
  private readonly misses = this.counter('ndphost_fanout_misses_total', 'MetadataAgent fan-out answers that were no answer, by plugin, rpc and reason', ['plugin', 'rpc', 'reason']);
  private readonly replacements = this.counter('ndphost_worker_replacements_total', 'Workers that crashed or were terminated for overrunning a time limit', []);
  private readonly quarantines = this.counter('ndphost_quarantines_total', 'Times a plugin was taken out of service after repeated failures', ['plugin']);
  private readonly httpRequests = this.counter('ndphost_host_http_requests_total', 'Plugin HTTP requests, by plugin and outcome (status class, or error)', ['plugin', 'outcome']);
  private readonly compileSeconds = this.histogram('ndphost_module_compile_seconds', 'Time to compile and check a plugin module', [], COMPILE_BUCKETS);
  private readonly contractRpcs = new Map<string, BoundCall>();
  private readonly pluginRpcs = new Map<AnyRpc, Map<string, BoundCall>>();
  private sources?: MetricSources;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    const gauge = (name: string, help: string, read: (sources: MetricSources) => number): void => {
      const sources = (): MetricSources | undefined => this.sources;
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          const from = sources();
          if (from) this.set(read(from));
        },
      });
    };
    gauge('ndphost_calls_in_flight', 'Contract calls being served (bounded by MaxConcurrentCalls)', (from) => from.callsInFlight());
    gauge('ndphost_pool_workers', 'Live pool workers', (from) => from.pool().workers);
    gauge('ndphost_pool_workers_busy', 'Pool workers running a call', (from) => from.pool().busy);
    gauge('ndphost_pool_workers_blocked', 'Pool workers waiting on a host call (holding no CPU)', (from) => from.pool().blocked);
    gauge('ndphost_pool_queue_length', 'Calls waiting for a worker (queued, or written behind another call)', (from) => from.pool().queued);
    gauge('ndphost_timers_pending', 'Plugin timers registered and not yet fired', (from) => from.timersPending());
    gauge('ndphost_schedules_pending', 'Plugin schedules registered', (from) => from.schedulesPending());
  }

  /** Where the scrape-time gauges read from, once the sidecar has built it. */
  bindSources(sources: MetricSources): void {
    this.sources = sources;
  }

  /** The bound metrics of one contract rpc (`MetadataAgent/GetArtistBiography`), made at server start. */
  contractRpc(rpc: string): BoundCall {
    let bound = this.contractRpcs.get(rpc);
    if (!bound) {
      const labels = { rpc };
      bound = { seconds: this.callSeconds.labels(labels), byStatus: [], labels };
      this.contractRpcs.set(rpc, bound);
    }
    return bound;
  }

  /** Counts a contract call. */
  contractCallEnded(bound: BoundCall, code: status, ms: number): void {
    bound.seconds.observe(ms / 1000);
    (bound.byStatus[code] ??= this.calls.labels({ ...bound.labels, status: statusName(code) })).inc();
  }

  /** Counts a plugin call; `error` is what it failed with. */
  pluginCallEnded(pluginId: string, rpc: AnyRpc, ms: number, error: unknown): void {
    const bound = this.pluginRpc(pluginId, rpc);
    bound.seconds.observe(ms / 1000);
    const code = error === undefined ? status.OK : grpcCodeOf(error);
    (bound.byStatus[code] ??= this.pluginCalls.labels({ ...bound.labels, status: statusName(code) })).inc();
  }

  fanOutMiss(pluginId: string, rpc: AnyRpc, reason: FanOutMiss): void {
    this.misses.inc({ plugin: pluginId, rpc: rpcLabel(rpc), reason });
  }

  workerReplaced(): void {
    this.replacements.inc();
  }

  quarantined(pluginId: string): void {
    this.quarantines.inc({ plugin: pluginId });
  }

  httpRequest(pluginId: string, outcome: HttpOutcome): void {
    this.httpRequests.inc({ plugin: pluginId, outcome });
  }

  moduleCompiled(seconds: number): void {
    this.compileSeconds.observe(seconds);
  }

  /** Plugins come and go at run time, so their children are bound on a plugin's first call of an rpc. */
  private pluginRpc(pluginId: string, rpc: AnyRpc): BoundCall {
    let byPlugin = this.pluginRpcs.get(rpc);
    if (!byPlugin) this.pluginRpcs.set(rpc, (byPlugin = new Map()));
    let bound = byPlugin.get(pluginId);
    if (!bound) {
      const labels = { plugin: pluginId, rpc: rpcLabel(rpc) };
      bound = { seconds: this.pluginCallSeconds.labels(labels), byStatus: [], labels };
      byPlugin.set(pluginId, bound);
    }
    return bound;
  }

  private counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  private histogram<L extends string>(name: string, help: string, labelNames: readonly L[], buckets: number[]): Histogram<L> {
    return new Histogram({ name, help, labelNames, buckets, registers: [this.registry] });
  }
}

/** `MetadataAgent/GetArtistBiography`: the same label for a contract call and the plugin calls it makes. */
function rpcLabel(rpc: AnyRpc): string {
  return `${rpc.service}/${rpc.method}`;
}

