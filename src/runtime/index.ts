/** The sandboxed runtime: compile-by-hash cache, worker pool, fresh instance per call. */
export {
  /** Loads modules and runs calls in fresh instances on worker threads. */
  Sandbox,
} from './sandbox';
export type { HostCaller, HostCallHandler, LoadedModule, SandboxOptions } from './sandbox';
export {
  /** Compiles and checks a module without loading it, e.g. to validate a package before install. */
  compileModule,
} from './module-cache';
export type { ModuleRules } from './check-module';
export {
  /** The memory cap when none is configured (Plugins.MaxMemoryMiB's default). */
  DEFAULT_MAX_MEMORY_MIB,
  /** The table cap when none is configured (Plugins.MaxTableEntries's default). */
  DEFAULT_MAX_TABLE_ENTRIES,
} from './check-module';
export type { CallLimits } from './call-limits';
export { whenCancelled, type Caller } from './caller';
export type { PoolStats } from './worker-pool';
export type { GuestOutput } from './guest-context';
export type { StartFunction } from './start-function';
export type { InstancePolicy } from './instance-source';
export type { WorkerScheduling } from './worker-scheduling';
export type { HostReply } from './host-channel';
