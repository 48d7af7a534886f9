import { NdpError } from '../errors';
import type { CallLimits } from './call-limits';
import { DEFAULT_MAX_MEMORY_MIB, DEFAULT_MAX_TABLE_ENTRIES } from './check-module';
import { ModuleCache } from './module-cache';
import { ModulePreparer } from './module-preparer';
import type { GuestOutput } from './guest-context';
import type { HostReply } from './host-channel';
import type { FromWorker } from './protocol';
import { startFunction, type StartFunction } from './start-function';
import { WorkerPool, type HostCaller as PoolHostCaller, type PoolStats, type WorkerPoolOptions } from './worker-pool';

/** A module loaded into the sandbox: callers name it in calls, never touch the wasm itself. */
export interface LoadedModule<G = unknown> {
  readonly pluginId: string;
  readonly hash: string;
  /** Exported function name -> signature (`(i32, i32) -> i64`), to check a plugin's services at load. */
  readonly functions: ReadonlyMap<string, string>;
  /** What each fresh instance runs before its call, for the load log. */
  readonly start: StartFunction | undefined;
  /** Why its instances are not recycled between calls (each call then instantiates anew), for the load log. */
  readonly notRecyclable?: string;
  /** The host functions it imports from `env`, so the caller can check them against what it grants. */
  readonly hostImports: readonly string[];
  /** Given at load; reaches the host-call handler with every host call of every call of this module. */
  readonly grant?: G;
}

/** Who is making a host call (from the job, never the request), with the grant of its module. */
export interface HostCaller<G = unknown> extends Omit<PoolHostCaller, 'grant'> {
  readonly grant?: G;
}

/** Performs one host function on the main thread; resolves to the reply (never rejects). */
export type HostCallHandler<G = unknown> = (caller: HostCaller<G>, name: string, request: Uint8Array) => Promise<HostReply>;

const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

export interface SandboxOptions<G = unknown> extends Omit<WorkerPoolOptions, 'limits' | 'hostCall'> {
  /** Serves host calls; `caller.grant` is the grant its module was loaded with. */
  readonly hostCall?: HostCallHandler<G>;
  /** Linear memory cap per instance, enforced by rewriting each module's declared maximum (default 128). */
  readonly maxMemoryMiB?: number;
  /** Cap on all of an instance's table entries together, enforced the same way (default 100,000). */
  readonly maxTableEntries?: number;
  /** The largest response a plugin may return (default 16 MiB). */
  readonly maxResponseBytes?: number;
  /** Receives what a guest printed during a call that did not trap (a trap's error carries it). */
  readonly onGuestOutput?: (pluginId: string, exportName: string, printed: GuestOutput) => void;
  /** Told how long each new module took to compile and check (not a reuse from the cache), for metrics. */
  readonly onCompiled?: (pluginId: string, seconds: number) => void;
}

/**
 * The runtime's front door: compile once per content hash, share with the workers, and run
 * every call in a fresh instance on a worker. Deals only in export names and bytes.
 *
 * @example
 *   const sandbox = new Sandbox({ minWorkers: 2, maxWorkers: 16 });
 *   const module = await sandbox.load(pluginId, await fs.readFile('plugin.wasm'));
 *   const reply = await sandbox.call(module, 'metadata_agent_get_artist_biography', request, { deadline: callersDeadline, timeoutMs: 10_000 });
 */
export class Sandbox<G = unknown> {
  private readonly cache: ModuleCache;
  /** Checks and rewrites modules off the serving thread. */
  private readonly preparer = new ModulePreparer();
  private readonly pool: WorkerPool;
  private readonly users = new Map<string, number>();

  constructor(private readonly options: SandboxOptions<G>) {
    const { maxMemoryMiB = DEFAULT_MAX_MEMORY_MIB, maxTableEntries = DEFAULT_MAX_TABLE_ENTRIES, maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES, hostCall } = options;
    this.pool = new WorkerPool({
      ...options,
      limits: { maxResponseBytes, maxMemoryBytes: maxMemoryMiB * 1024 * 1024 },
      // Every grant the pool carries was handed to load() below, so it is a G.
      hostCall: hostCall && ((caller, name, request) => hostCall(caller as HostCaller<G>, name, request)),
    });
    this.cache = new ModuleCache({ hostFunctions: options.hostFunctions ?? [], maxMemoryMiB, maxTableEntries }, options.onCompiled, this.preparer.prepare);
  }

  /** The number of live workers. */
  get workers(): number {
    return this.pool.size;
  }

  /** The worker pool's load right now. */
  get stats(): PoolStats {
    return this.pool.stats;
  }

  /**
   * Compiles (or reuses) the module and sends it to the workers; rejects with `bad_module`.
   * `grant` goes with every call of the returned module to the host-call handler.
   */
  async load(pluginId: string, bytes: Uint8Array<ArrayBuffer>, grant?: G): Promise<LoadedModule<G>> {
    const compiled = await this.cache.compile(bytes, pluginId);
    const users = this.users.get(compiled.hash) ?? 0;
    if (users === 0) this.pool.addModule(compiled.hash, compiled.module);
    this.users.set(compiled.hash, users + 1);
    return {
      pluginId,
      hash: compiled.hash,
      functions: compiled.functions,
      start: startFunction(compiled.functions.keys()),
      notRecyclable: compiled.notRecyclable,
      hostImports: compiled.hostImports,
      grant,
    };
  }

  /** Releases a module; the workers drop it once no plugin uses it. */
  unload(module: LoadedModule<G>): void {
    const users = (this.users.get(module.hash) ?? 0) - 1;
    if (users > 0) return void this.users.set(module.hash, users);
    this.users.delete(module.hash);
    this.pool.dropModule(module.hash);
    this.cache.forget(module.hash);
  }

  /** Calls an rpc export with an encoded request in a fresh instance; resolves to the encoded response. */
  async call(module: LoadedModule<G>, exportName: string, input: Uint8Array, limits: CallLimits): Promise<Uint8Array> {
    const reply = await this.pool.run({ type: 'rpc', hash: module.hash, pluginId: module.pluginId, exportName, input }, limits, module.grant);
    if ('printed' in reply && reply.printed) this.options.onGuestOutput?.(module.pluginId, exportName, reply.printed);
    if (!('output' in reply)) return fail(reply);
    return reply.output;
  }

  /** Calls a `<service>_api_version` export in a fresh instance, as a load-time check. */
  async apiVersion(module: LoadedModule<G>, exportName: string, timeoutMs: number): Promise<number> {
    const reply = await this.pool.run({ type: 'version', hash: module.hash, pluginId: module.pluginId, exportName }, { timeoutMs, loadTime: true }, module.grant);
    return 'version' in reply ? reply.version : fail(reply);
  }

  async close(): Promise<void> {
    await Promise.all([this.pool.close(), this.preparer.close()]);
  }
}

function fail(reply: FromWorker): never {
  throw 'error' in reply ? NdpError.fromData(reply.error) : new NdpError('internal', 'the worker sent a reply of the wrong shape');
}
