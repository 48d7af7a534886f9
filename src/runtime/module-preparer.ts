/**
 * Runs prepareModule (module-cache.ts) in a thread of its own, so that loading a plugin, at start
 * or in a live refresh, does not hold the thread that serves gRPC: the checks, rewrites and
 * compiling of a Go-sized module held it for 40-120 ms at a stretch, and every call waited behind
 * them. The compiled module comes back shared, not copied. One thread, started with the sandbox
 * and again by a later load, stopped soon after its last (IDLE_MS), holding the process open only
 * while it has work. A thread that dies fails what it held with an `internal` error, and the next
 * load starts another.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { NdpError, type ErrorData } from '../errors';
import type { ModuleRules } from './check-module';
import type { PreparedModule } from './module-cache';

export interface PreparationRequest {
  readonly id: number;
  readonly bytes: Uint8Array<ArrayBuffer>;
  readonly pluginId: string;
  readonly rules: ModuleRules;
}

export type PreparationReply = { readonly id: number; readonly prepared: PreparedModule } | { readonly id: number; readonly error: ErrorData };

const PREPARER_SCRIPT = path.join(__dirname, 'module-preparer-entry.js');

/**
 * How long the thread outlives its last preparation. It is stopped when idle, not kept: its heap
 * holds the bytes and rewrites of the modules it prepared until a collection, and kept, it left
 * the sidecar 44 MiB larger with 100 small plugins and 36-74 MiB with 10 Go-sized ones. Long
 * enough to span the gaps between the loads of one start or refresh, whose files are read
 * concurrently.
 */
const IDLE_MS = 200;

interface Waiting {
  readonly pluginId: string;
  resolve(prepared: PreparedModule): void;
  reject(error: NdpError): void;
}

export class ModulePreparer {
  private worker: Worker | undefined;
  private idle: NodeJS.Timeout | undefined;
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 0;

  /**
   * Starts the thread at once, beside the pool's workers: a start's first load then found it ready,
   * where starting it then cost the start ~100 ms (1 plugin 0.66-0.67 s against 0.76-0.83).
   */
  constructor(private readonly script = PREPARER_SCRIPT) {
    this.thread().unref();
  }

  /** prepareModule, in the preparer's thread. */
  readonly prepare = (bytes: Uint8Array<ArrayBuffer>, pluginId: string, rules: ModuleRules): Promise<PreparedModule> =>
    new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.waiting.set(id, { pluginId, resolve, reject });
      clearTimeout(this.idle);
      const worker = this.thread();
      worker.ref();
      // A copy of the caller's bytes, moved: cloning them took this thread 7-10 ms for a 4 MB module.
      const copy = bytes.slice();
      worker.postMessage({ id, bytes: copy, pluginId, rules } satisfies PreparationRequest, [copy.buffer]);
    });

  /** Stops the thread; what it held fails. */
  async close(): Promise<void> {
    clearTimeout(this.idle);
    const worker = this.worker;
    if (worker) await worker.terminate();
  }

  private stop(worker: Worker): void {
    if (this.worker !== worker || this.waiting.size > 0) return;
    this.worker = undefined;
    void worker.terminate();
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.script);
    worker.on('message', (reply: PreparationReply) => {
      const waiting = this.waiting.get(reply.id);
      if (!waiting) return;
      this.waiting.delete(reply.id);
      // Holding the process open only while it has work, so that an idle sidecar (or a test) can exit.
      if (this.waiting.size === 0) {
        worker.unref();
        this.idle = setTimeout(() => this.stop(worker), IDLE_MS).unref();
      }
      if ('error' in reply) waiting.reject(NdpError.fromData(reply.error));
      else waiting.resolve(reply.prepared);
    });
    const lose = (why: string) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      for (const [id, waiting] of this.waiting) {
        this.waiting.delete(id);
        waiting.reject(new NdpError('internal', `plugin ${waiting.pluginId}: the module preparer ${why}`, { pluginId: waiting.pluginId }));
      }
    };
    worker.on('error', (error) => lose(`crashed: ${error.message}`));
    worker.on('exit', (code) => lose(`exited with code ${code}`));
    return (this.worker = worker);
  }
}
