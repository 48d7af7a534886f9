/**
 * Runs prepareModule (module-cache.ts) in a thread of its own, so that loading a plugin, at start
 * or in a live refresh, does not hold the thread that serves gRPC: the checks, rewrites and
 * compiling of a Go-sized module held it for 40-90 ms at a stretch, and every call waited behind
 * them. The compiled module comes back shared, not copied. One thread, started at the first load
 * and kept for the next, holding the process open only while it has work. A thread that dies
 * fails what it held with an `internal` error, and the next load starts another.
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

interface Waiting {
  readonly pluginId: string;
  resolve(prepared: PreparedModule): void;
  reject(error: NdpError): void;
}

export class ModulePreparer {
  private worker: Worker | undefined;
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 0;

  constructor(private readonly script = PREPARER_SCRIPT) {}

  /** prepareModule, in the preparer's thread. */
  readonly prepare = (bytes: Uint8Array<ArrayBuffer>, pluginId: string, rules: ModuleRules): Promise<PreparedModule> =>
    new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.waiting.set(id, { pluginId, resolve, reject });
      const worker = this.thread();
      worker.ref();
      // A copy of the caller's bytes, moved: cloning them took this thread 7-10 ms for a 4 MB module.
      const copy = bytes.slice();
      worker.postMessage({ id, bytes: copy, pluginId, rules } satisfies PreparationRequest, [copy.buffer]);
    });

  /** Stops the thread; what it held fails. */
  async close(): Promise<void> {
    const worker = this.worker;
    if (worker) await worker.terminate();
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.script);
    worker.on('message', (reply: PreparationReply) => {
      const waiting = this.waiting.get(reply.id);
      if (!waiting) return;
      this.waiting.delete(reply.id);
      // Kept alive only while it holds work, so an idle sidecar (or a test) can exit.
      if (this.waiting.size === 0) worker.unref();
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
