import type { RpcContract } from '../contract';

/** An rpc of any service, as an observer sees it: names only. */
export type AnyRpc = Pick<RpcContract<unknown, unknown>, 'service' | 'method' | 'exportName'>;

/**
 * Watches plugin calls for metrics and traces; src/telemetry implements it, so the services
 * never import a metrics or tracing library. Without one, calls go straight to the plugin.
 */
export interface PluginCallObserver {
  /** A plugin call starts: returns its trace context (a child of `parent`), or undefined when tracing is off. */
  started(pluginId: string, rpc: AnyRpc, parent: unknown): unknown;
  /** The call ended after `ms`; `error` is what it failed with, undefined when it answered. */
  ended(pluginId: string, rpc: AnyRpc, ms: number, error: unknown, trace: unknown): void;
  /** A fan-out plugin gave no answer: `not_found`, `not_implemented`, `empty` or `error`. */
  missed(pluginId: string, rpc: AnyRpc, reason: FanOutMiss): void;
}

/** Why a plugin asked in a fan-out gave no answer. */
export type FanOutMiss = 'not_found' | 'not_implemented' | 'empty' | 'error';
