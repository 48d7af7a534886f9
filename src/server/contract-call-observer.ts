import type { status } from '@grpc/grpc-js';

/**
 * Watches contract calls at the gRPC edge: access log, call metrics, server spans. src/telemetry
 * implements it; the server asks for one {@link RpcWatch} per rpc when it is built, so
 * per-rpc work (labels, names) is done once, not per call.
 */
export interface ContractCallObserver {
  /** `service` is the short name (`MetadataAgent`), `method` the rpc (`GetArtistBiography`). */
  forRpc(service: string, method: string): RpcWatch;
}

/** One rpc's watch. */
export interface RpcWatch {
  /** True when calls are traced: only then does the edge read `traceparent` from the metadata. */
  readonly traced: boolean;
  /** A call arrives: its trace context, continuing the caller's W3C `traceparent`/`tracestate` if sent. */
  started(traceparent: string | undefined, tracestate: string | undefined): unknown;
  /** The call ended with `code` after `ms`; `pluginId` is its `x-plugin`, if any. */
  ended(code: status, pluginId: string | undefined, ms: number, trace: unknown): void;
}
