/**
 * The one error type of ndphost. Raised where the fact is known, naming the plugin, export,
 * field or key; mapped to a gRPC status once in src/server and to an exit code once in src/cli.
 */

/** What went wrong, as the edges need to know it. */
export type ErrorKind =
  /** The plugin answered `plugin:not_found`, or no plugin answered. */
  | 'not_found'
  /** The plugin answered `plugin:not_implemented`, or does not serve the service. */
  | 'not_implemented'
  /** `x-plugin` (or a CLI argument) names no loaded plugin. */
  | 'unknown_plugin'
  /** The plugin returned an error string of its own. */
  | 'plugin_error'
  /** The guest trapped, aborted or exited. */
  | 'trap'
  /** The guest broke the binary interface: bad pointer, length, result type or protobuf. */
  | 'bad_abi'
  /** The caller's deadline passed, or no worker freed up in time: never the plugin's fault. */
  | 'deadline'
  /** The plugin ran for its whole own time limit (CallTimeout, InitTimeout, ...) without finishing. */
  | 'plugin_timeout'
  | 'invalid_argument'
  | 'resource_exhausted'
  /**
   * The caller cancelled the call (or went away): a job not started yet is dropped, not run; an
   * HTTP request a running plugin waits on is abandoned; a fan-out ends there.
   */
  | 'cancelled'
  /** The listener is serving its MaxConcurrentCalls: the call was refused before any plugin saw it. */
  | 'overloaded'
  | 'shutting_down'
  /** The request cannot be carried out in the current state (e.g. a refresh to an invalid version). */
  | 'failed_precondition'
  /** The plugin is quarantined after repeated failures. */
  | 'unavailable'
  | 'internal'
  /** Load-time kinds: they never reach a gRPC caller. */
  | 'bad_manifest'
  | 'bad_module'
  | 'bad_package'
  | 'bad_config';

/** Context a reader needs to act on the error. */
export interface ErrorContext {
  pluginId?: string;
  export?: string;
  field?: string;
  key?: string;
  path?: string;
  cause?: unknown;
}

/** The shape an error takes across the worker boundary (structured clone drops classes). */
export interface ErrorData {
  kind: ErrorKind;
  message: string;
  pluginId?: string;
  export?: string;
}

export class NdpError extends Error {
  override readonly name = 'NdpError';
  readonly pluginId?: string;
  readonly export?: string;
  readonly field?: string;
  readonly key?: string;
  readonly path?: string;

  constructor(
    readonly kind: ErrorKind,
    message: string,
    context: ErrorContext = {},
  ) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.pluginId = context.pluginId;
    this.export = context.export;
    this.field = context.field;
    this.key = context.key;
    this.path = context.path;
  }

  /** Flattens the error for postMessage. */
  toData(): ErrorData {
    return { kind: this.kind, message: this.message, pluginId: this.pluginId, export: this.export };
  }

  /**
   * Rebuilds an error that crossed the worker boundary; the one place that does so. It gets no
   * stack: one would show only the pool's plumbing, and capturing it was a tenth of the sidecar's
   * CPU in a fan-out where plugins answer not_found (issue 10).
   */
  static fromData(data: ErrorData): NdpError {
    return NdpError.withoutStack(data.kind, data.message, { pluginId: data.pluginId, export: data.export });
  }

  /** An error that reports an outcome, not a fault in ndphost (a plugin's own answer): no stack is captured. */
  static withoutStack(kind: ErrorKind, message: string, context: ErrorContext = {}): NdpError {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      return new NdpError(kind, message, context);
    } finally {
      Error.stackTraceLimit = limit;
    }
  }
}

/**
 * The text of whatever was thrown. Not `instanceof Error`: errors from node:fs may come from
 * another realm (a vm, jest), and an object with a message says more than "[object Object]".
 */
export function messageOf(error: unknown): string {
  return typeof error === 'object' && error !== null && 'message' in error ? String(error.message) : String(error);
}

/** True for an NdpError of one of the given kinds. */
export function isKind(error: unknown, ...kinds: ErrorKind[]): error is NdpError {
  return error instanceof NdpError && kinds.includes(error.kind);
}
