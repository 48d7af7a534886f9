import type { MessagePort } from 'node:worker_threads';
import type { ErrorData } from '../errors';
import type { GuestLimits, GuestOutput } from './guest-context';
import type { InstancePolicy } from './instance-source';

/** What the pool (main thread) and a worker tell each other. */

/** Run an rpc export with the encoded request. */
export interface RpcJob {
  readonly type: 'rpc';
  readonly hash: string;
  readonly pluginId: string;
  readonly exportName: string;
  readonly input: Uint8Array;
}

/** Call a `<service>_api_version` export. */
export interface VersionJob {
  readonly type: 'version';
  readonly hash: string;
  readonly pluginId: string;
  readonly exportName: string;
}

/** A job as the sandbox asks for it; the pool numbers it (FromWorker's `id`) when it takes it. */
export type Job = RpcJob | VersionJob;

/** A compiled module as the workers run it. */
export interface WorkerModule {
  readonly module: WebAssembly.Module;
  /** Set when the module's instances can be restored between calls (recyclable-module.ts). */
  readonly recycle?: RecycleExports;
}

/** The exports a recycled instance is restored through. */
export interface RecycleExports {
  readonly globalExports: readonly string[];
  /** How many dirty-bit globals the module has. */
  readonly dirtyGlobals: number;
  /** The size of the blocks the dirty bits stand for. */
  readonly blockBytes: number;
}

/** What a job calls; sent to a worker once, then named by its index in the job slot. */
export interface JobTarget {
  readonly hash: string;
  readonly pluginId: string;
  readonly exportName: string;
}

/** Messages on a worker's port; jobs and replies travel in its job slot (job-slot.ts). */
export type ToWorker =
  /** Install a compiled module (sent once per worker, never per call). */
  | { readonly type: 'module'; readonly hash: string; readonly module: WorkerModule }
  | { readonly type: 'drop'; readonly hash: string }
  | { readonly type: 'target'; readonly index: number; readonly target: JobTarget }
  /** The input of job `id`, too large for the slot. */
  | { readonly type: 'input'; readonly id: number; readonly input: Uint8Array };

/** A job's outcome, as the pool hands it to the sandbox. */
export type FromWorker =
  | { readonly id: number; readonly output: Uint8Array; readonly printed?: GuestOutput }
  | { readonly id: number; readonly version: number }
  /** `printed` is set when the error's message does not already carry it (a plugin's own error string). */
  | { readonly id: number; readonly error: ErrorData; readonly printed?: GuestOutput };

/** What a new worker starts with. */
export interface WorkerStart {
  /** Every module loaded so far, by hash. */
  readonly modules: ReadonlyArray<readonly [string, WorkerModule]>;
  /** The buffer of its host channel (host-channel.ts). */
  readonly channel: SharedArrayBuffer;
  /** The buffers of its job slots, taken in turn (job-slot.ts). */
  readonly slots: readonly SharedArrayBuffer[];
  /** The worker's end of its port (messages above, and replies too large for the slot). */
  readonly port: MessagePort;
  /** Host functions provided as `env.<name>`; the index is the function's number on the channel. */
  readonly hostFunctions: readonly string[];
  readonly limits: GuestLimits;
  readonly instancePolicy: InstancePolicy;
}
