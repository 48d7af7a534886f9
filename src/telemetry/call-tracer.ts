import { defaultTextMapGetter, defaultTextMapSetter, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import { ExportResultCode, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace';
import type { Logger } from 'pino';
import type { TracingConfig } from '../config';
import { messageOf, NdpError } from '../errors';
import type { AnyRpc } from '../services';

const EXPORT_TIMEOUT_MS = 5_000;

/**
 * OpenTelemetry spans for contract and plugin calls, exported over OTLP/HTTP (JSON). Nothing is
 * registered globally: the provider, tracer and propagator belong to one sidecar, and a call's
 * span travels as an opaque value (CallContext.trace, CallLimits.trace) rather than through an
 * async-context manager, which would not follow a call into a host call made from a worker.
 */
export class CallTracer {
  private readonly provider: TracerProvider;
  private readonly tracer: Tracer;
  private readonly propagator = new W3CTraceContextPropagator();

  constructor(config: Omit<TracingConfig, 'enabled'>, log: Logger) {
    // A collector that does not answer holds an export, and the last one holds shutdown: 5 s
    // at most (the defaults, 10 s and 30 s, would outlast a drain deadline). The request gives
    // up first, so its failure is reported before the processor stops waiting for it.
    const otlp = new OTLPTraceExporter({ ...(config.endpoint === '' ? {} : { url: config.endpoint }), timeoutMillis: EXPORT_TIMEOUT_MS - 1_000 });
    const exporter = reportingFailures(otlp, config.endpoint, log);
    this.provider = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': config.serviceName }),
      spanProcessors: [new BatchSpanProcessor({ exporter, exportTimeoutMillis: EXPORT_TIMEOUT_MS })],
    });
    this.tracer = this.provider.getTracer('ndphost');
  }

  /** The server span of a contract call, a child of the caller's `traceparent` when it sent one. */
  startCall(service: string, method: string, traceparent: string | undefined, tracestate: string | undefined): Span {
    const carrier: Record<string, string> = {};
    if (traceparent !== undefined) carrier.traceparent = traceparent;
    if (tracestate !== undefined) carrier.tracestate = tracestate;
    const parent = this.propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
    return this.tracer.startSpan(
      `${service}/${method}`,
      { kind: SpanKind.SERVER, attributes: { 'rpc.system': 'grpc', 'rpc.service': service, 'rpc.method': method } },
      parent,
    );
  }

  /** Ends a contract call's span with its gRPC status. */
  endCall(span: Span, code: number, statusName: string, pluginId: string | undefined): void {
    span.setAttribute('rpc.grpc.status_code', code);
    if (pluginId !== undefined) span.setAttribute('ndphost.plugin.id', pluginId);
    if (code !== 0) span.setStatus({ code: SpanStatusCode.ERROR, message: statusName });
    span.end();
  }

  /** A plugin call's span: a child of the contract call's (`parent`), or a root for host-started calls (timers). */
  startPluginCall(pluginId: string, rpc: AnyRpc, parent: unknown): Span {
    const context = isSpan(parent) ? trace.setSpan(ROOT_CONTEXT, parent) : ROOT_CONTEXT;
    return this.tracer.startSpan(
      `plugin ${pluginId} ${rpc.exportName}`,
      { kind: SpanKind.INTERNAL, attributes: { 'ndphost.plugin.id': pluginId, 'ndphost.plugin.export': rpc.exportName, 'rpc.service': rpc.service, 'rpc.method': rpc.method } },
      context,
    );
  }

  /** Ends a plugin call's span; a failure records its kind and message. */
  endPluginCall(span: Span, error: unknown): void {
    if (error !== undefined) {
      if (error instanceof NdpError) span.setAttribute('ndphost.error.kind', error.kind);
      span.setStatus({ code: SpanStatusCode.ERROR, message: messageOf(error) });
    }
    span.end();
  }

  /** The W3C `traceparent` (and `tracestate`) headers that make a request a child of the span `trace`. */
  headersOf(span: unknown): Record<string, string> {
    const headers: Record<string, string> = {};
    if (isSpan(span)) this.propagator.inject(trace.setSpan(ROOT_CONTEXT, span), headers, defaultTextMapSetter);
    return headers;
  }

  /** Exports the spans still buffered, then stops. */
  shutdown(): Promise<void> {
    return this.provider.shutdown();
  }
}

/**
 * The exporter, telling the operator when spans start being lost and when export works again:
 * OpenTelemetry reports failures only to its global diagnostic logger, silent by default and
 * shared by every sidecar in the process. One line per change, not one per failed batch.
 */
function reportingFailures(exporter: SpanExporter, endpoint: string, log: Logger): SpanExporter {
  let failing = false;
  return {
    export(spans, done) {
      exporter.export(spans, (result) => {
        const failed = result.code !== ExportResultCode.SUCCESS;
        if (failed && !failing) log.warn({ endpoint, reason: result.error?.message }, 'spans could not be exported; dropping them until the collector answers');
        if (!failed && failing) log.info({ endpoint }, 'spans are exported again');
        failing = failed;
        done(result);
      });
    },
    shutdown: () => exporter.shutdown(),
    forceFlush: async () => exporter.forceFlush?.(),
  };
}

/** The trace values the services hand back are the spans this class made; anything else is no trace. */
export function isSpan(value: unknown): value is Span {
  return typeof value === 'object' && value !== null && typeof (value as Span).spanContext === 'function';
}
