/** The messages between the bench (parent) and its server and load-client processes. */
import type { Timing } from './measure';

/** A server process says it is listening (after every plugin has loaded). */
export interface ServerReady {
  readonly type: 'ready';
  readonly port: number;
}

/** Asks a server process to shut down and exit. */
export interface CloseServer {
  readonly type: 'close';
}

/** Asks the sidecar process for its memory after a full garbage collection. */
export interface MemoryRequest {
  readonly type: 'memory';
}

/** The sidecar process's memory after a full garbage collection, in bytes. */
export interface MemoryReport {
  readonly type: 'memory';
  readonly rss: number;
  /** Live JavaScript objects: what a leak in the main thread would grow. */
  readonly heapUsed: number;
  /** The heap V8 has reserved, live or not. */
  readonly heapTotal: number;
  readonly external: number;
}

/** What the sidecar process is started with (argv[2], as JSON). */
export interface SidecarProcessOptions {
  readonly pluginsFolder: string;
  readonly dataFolder: string;
  /** Plugins.Order: MetadataAgent plugins are asked in this order. */
  readonly order?: readonly string[];
  /** More config flags, e.g. `--metrics-address 127.0.0.1:0`. */
  readonly args?: readonly string[];
}

/** One measured load run: `calls` unary GetArtistBiography calls, `concurrency` in flight. */
export interface LoadRequest {
  readonly type: 'run';
  readonly id: number;
  readonly port: number;
  readonly concurrency: number;
  readonly calls: number;
}

/** What the client saw; its `cpuPerCall` is the client process's own, to tell when it is the bottleneck. */
export interface LoadResult extends Timing {
  readonly type: 'result';
  readonly id: number;
  readonly errors: number;
  readonly firstError?: string;
}
