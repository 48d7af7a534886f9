import type { Span } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { Config } from '../config';
import { messageOf } from '../errors';
import type { HttpOutcome } from '../host';
import type { ContractCallObserver, RpcWatch } from '../server';
import type { PluginCallObserver } from '../services';
import type { CallTracer } from './call-tracer';
import { startMetricsServer, type MetricsServer } from './metrics-server';
import type { MetricSources, SidecarMetrics } from './sidecar-metrics';
import { statusName } from './status-name';

/**
 * Metrics, traces and the access log of one sidecar, and the hooks that feed them. Each part is
 * built only when configured; a hook or observer left undefined costs the call path nothing.
 *
 * @example
 *   const telemetry = createTelemetry(config, log);
 *   // ...pass telemetry.hooks.* to the lower layers, telemetry.contractCalls to the server...
 *   await telemetry.start(sources);
 *   await telemetry.close();
 */
export interface Telemetry {
  /** For the server: access log, call metrics and server spans. */
  readonly contractCalls?: ContractCallObserver;
  /** For the services: plugin call metrics and spans, fan-out misses. */
  readonly pluginCalls?: PluginCallObserver;
  /** Callbacks for the runtime, plugins and host services; each is absent when nothing listens. */
  readonly hooks: {
    readonly onWorkerLost?: () => void;
    readonly onQuarantine?: (pluginId: string) => void;
    readonly onHttpRequest?: (pluginId: string, outcome: HttpOutcome) => void;
    readonly traceHeaders?: (trace: unknown) => Readonly<Record<string, string>>;
    readonly onCompiled?: (pluginId: string, seconds: number) => void;
  };
  /** The metrics listener's port, once started, when MetricsAddress is set. */
  readonly metricsPort: number | undefined;
  /** Starts the metrics listener, reading the gauges from `sources` at each scrape. */
  start(sources: MetricSources): Promise<void>;
  /** Stops the listener and exports the spans still buffered. */
  close(): Promise<void>;
}

export function createTelemetry(config: Pick<Config, 'metricsAddress' | 'tracing'>, log: Logger): Telemetry {
  // Required only when configured: prom-client and OpenTelemetry's SDK are a third of the modules
  // a sidecar would load at start-up (~45 ms and ~5 MB, issue 10), for features off by default.
  const metrics: SidecarMetrics | undefined = config.metricsAddress === '' ? undefined : new (require('./sidecar-metrics') as typeof import('./sidecar-metrics')).SidecarMetrics();
  const tracer: CallTracer | undefined = config.tracing.enabled ? new (require('./call-tracer') as typeof import('./call-tracer')).CallTracer(config.tracing, log) : undefined;
  // Decided once: the access log is written at debug, and a level above it skips it entirely.
  const accessLog = log.isLevelEnabled('debug');
  let server: MetricsServer | undefined;
  return {
    contractCalls: metrics || tracer || accessLog ? { forRpc: (service, method) => rpcWatch(service, method) } : undefined,
    pluginCalls: metrics || tracer ? pluginCallObserver() : undefined,
    hooks: {
      onWorkerLost: metrics && (() => metrics.workerReplaced()),
      onQuarantine: metrics && ((pluginId) => metrics.quarantined(pluginId)),
      onHttpRequest: metrics && ((pluginId, outcome) => metrics.httpRequest(pluginId, outcome)),
      traceHeaders: tracer && ((trace) => tracer.headersOf(trace)),
      onCompiled: metrics && ((_pluginId, seconds) => metrics.moduleCompiled(seconds)),
    },
    get metricsPort() {
      return server?.port;
    },
    async start(sources) {
      if (!metrics) return;
      metrics.bindSources(sources);
      server = await startMetricsServer(config.metricsAddress, metrics.registry, log);
    },
    async close() {
      // An unreachable collector loses the last spans; it must not fail the shutdown.
      const exported = tracer?.shutdown().catch((error: unknown) => log.warn({ endpoint: config.tracing.endpoint, reason: messageOf(error) }, 'could not export the last spans'));
      await Promise.all([server?.close(), exported]);
    },
  };

  function rpcWatch(service: string, method: string): RpcWatch {
    const rpc = `${service}/${method}`;
    const bound = metrics?.contractRpc(rpc);
    return {
      traced: tracer !== undefined,
      started: (traceparent, tracestate) => tracer?.startCall(service, method, traceparent, tracestate),
      ended(code, pluginId, ms, trace) {
        if (bound) metrics?.contractCallEnded(bound, code, ms);
        if (trace !== undefined) tracer?.endCall(trace as Span, code, statusName(code), pluginId);
        if (accessLog) log.debug({ plugin: pluginId, service, rpc: method, status: statusName(code), ms: Math.round(ms * 1000) / 1000 }, 'call');
      },
    };
  }

  function pluginCallObserver(): PluginCallObserver {
    return {
      started: (pluginId, rpc, parent) => tracer?.startPluginCall(pluginId, rpc, parent),
      ended(pluginId, rpc, ms, error, trace) {
        metrics?.pluginCallEnded(pluginId, rpc, ms, error);
        if (trace !== undefined) tracer?.endPluginCall(trace as Span, error);
      },
      missed(pluginId, rpc, reason) {
        metrics?.fanOutMiss(pluginId, rpc, reason);
      },
    };
  }
}

