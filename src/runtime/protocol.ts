import type { ErrorData } from '../errors';
import type { GuestLimits, GuestOutput } from './guest-context';

/** Messages between the pool (main thread) and a worker. Structured clone carries them. */

/** Run an rpc export with the encoded request. */
export interface RpcJob {
  readonly type: 'rpc';
  readonly id: number;
  readonly hash: string;
  readonly pluginId: string;
  readonly exportName: string;
  readonly input: Uint8Array;
}

/** Call a `<service>_api_version` export. */
export interface VersionJob {
  readonly type: 'version';
  readonly id: number;
  readonly hash: string;
  readonly pluginId: string;
  readonly exportName: string;
}

export type Job = RpcJob | VersionJob;

/** A job before the pool numbers it. */
export type JobRequest = Omit<RpcJob, 'id'> | Omit<VersionJob, 'id'>;

/** Install a compiled module (sent once per worker, never per call), or forget one. */
export type ModuleMessage =
  | { readonly type: 'module'; readonly hash: string; readonly module: WebAssembly.Module }
  | { readonly type: 'drop'; readonly hash: string };

export type ToWorker = Job | ModuleMessage;

export type FromWorker =
  | { readonly id: number; readonly output: Uint8Array; readonly printed?: GuestOutput }
  | { readonly id: number; readonly version: number }
  /** `printed` is set when the error's message does not already carry it (a plugin's own error string). */
  | { readonly id: number; readonly error: ErrorData; readonly printed?: GuestOutput };

/** What a new worker starts with. */
export interface WorkerStart {
  /** Every module loaded so far, by hash. */
  readonly modules: ReadonlyArray<readonly [string, WebAssembly.Module]>;
  /** The buffer of its host channel (host-channel.ts). */
  readonly channel: SharedArrayBuffer;
  /** Host functions provided as `env.<name>`; the index is the function's number on the channel. */
  readonly hostFunctions: readonly string[];
  readonly limits: GuestLimits;
}
