/** The sandboxed runtime: compile-by-hash cache, worker pool, fresh instance per call. */
export {
  /** Loads modules and runs calls in fresh instances on worker threads. */
  Sandbox,
} from './sandbox';
export type { LoadedModule, SandboxOptions } from './sandbox';
