import type { Logger } from 'pino';
import type { RpcTable, WireMessage } from '../contract';
import type { Plugin } from '../plugins';
import type { CallLimits, Caller } from '../runtime';
import type { PluginCallObserver } from './call-observer';

/** What a service needs to know about one incoming call; the server builds it from grpc-js. */
export interface CallContext {
  /** The `x-plugin` metadata: send the call to this plugin only. */
  readonly pluginId?: string;
  /** The caller's deadline in epoch ms (Infinity when it set none). */
  readonly deadline: number;
  /** The contract call's trace context, opaque to the services; absent when tracing is off. */
  readonly trace?: unknown;
  /** The incoming call, whose plugin calls are not started once it is cancelled; absent for calls the host starts. */
  readonly caller?: Caller;
}

/** The registry as the services see it. */
export interface PluginDirectory {
  get(id: string): Plugin | undefined;
  /** Resolves once a load or reload of the plugin under way has finished. */
  settled(id: string): Promise<void>;
  forService(service: Plugin['manifest']['services'][number]): readonly Plugin[];
}

export interface ServiceDeps {
  readonly plugins: PluginDirectory;
  /** Each plugin call's own time limit once a worker runs it; the caller's deadline bounds the whole call. */
  readonly callTimeoutMs: number;
  /** The same for OnTimerCallback, which may do more work. */
  readonly timerCallbackTimeoutMs: number;
  readonly log: Logger;
  /** Watches every plugin call (metrics, traces), when telemetry is on. */
  readonly observer?: PluginCallObserver;
}

export type Handler<Req, Res> = (request: Req, context: CallContext) => Promise<Res>;

/** A contract rpc's handler: the caller's request and the answer, each with the bytes it is sent as. */
export type ForwardingHandler<Req, Res> = Handler<WireMessage<Req>, WireMessage<Res>>;

type RequestOf<R> = R extends { request(message: infer Req): unknown } ? Req : never;
type ResponseOf<R> = R extends { decodeResponse(bytes: Uint8Array): infer Res } ? Res : never;

/** One handler per rpc, keyed like the ts-proto service definition. */
export type ServiceHandlers<T> = { readonly [K in keyof T]: ForwardingHandler<RequestOf<T[K]>, ResponseOf<T[K]>> };

/** The limits of each plugin call an incoming call makes: the caller's deadline, and the plugin's own time limit. */
export function limitsOf(context: CallContext, timeoutMs: number): CallLimits {
  return { deadline: context.deadline, timeoutMs, trace: context.trace, caller: context.caller };
}

/** Builds a handler for every rpc of a service with one routing rule. */
export function handlersFor<D>(table: RpcTable<D>, makeHandler: (rpc: RpcTable<D>[keyof D]) => Handler<never, unknown>): ServiceHandlers<RpcTable<D>> {
  const entries = Object.entries(table).map(([key, rpc]) => [key, makeHandler(rpc as RpcTable<D>[keyof D])]);
  return Object.fromEntries(entries) as ServiceHandlers<RpcTable<D>>;
}
