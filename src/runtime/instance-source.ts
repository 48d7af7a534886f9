/**
 * Where the instance for a call comes from, per module and worker, under the instance policy:
 *
 * - `fresh` (the default): every call sees a fresh instance. A module whose state the host can
 *   put back (recyclable-module.ts) keeps one instance that is restored between calls, before
 *   the next one runs in it (recycled-instance.ts); any other module gets a new instance per call.
 * - `pooled` (opt-in, as released Navidrome v0.57-v0.59 did): the instance is kept as the call
 *   left it, so a call can see what earlier calls wrote. It is dropped after a failed call and
 *   after a minute unused.
 */
import type { RecycleExports } from './protocol';
import { RecycledInstance, trackingImports, type CallTracker } from './recycled-instance';
import type { HostWrites } from './guest-context';
import type { StartFunction } from './start-function';

/** Makes `exports` the current instance of the call and runs `start` in it, if given. */
export type BindInstance = (exports: WebAssembly.Exports, start: StartFunction | undefined) => void;

export type InstancePolicy = 'fresh' | 'pooled';

/** A pooled instance unused this long is dropped (Navidrome's pool TTL). */
const POOLED_TTL_MS = 60_000;

export interface CompiledGuest {
  readonly module: WebAssembly.Module;
  /** Set when the module's state can be put back between calls. */
  readonly recycle?: RecycleExports;
}

export class InstanceSource {
  /**
   * The import object its recycled instance is made with and the record of what the host wrote
   * into that instance, its own: restoring it from the record is right whenever it happens, so
   * the instance is restored when it is next acquired, whatever ran in the worker in between.
   * Set while instances are recycled: dropped once the module proves it cannot be, so that no
   * call records writes nobody will read.
   */
  private tracked: { readonly imports: WebAssembly.Imports; readonly tracker: CallTracker } | undefined;
  private recycled: RecycledInstance | undefined;
  private pooled: { exports: WebAssembly.Exports; lastUsed: number } | undefined;
  /** Set after a call on the recycled instance: it must be restored before the next one. */
  private used = false;
  /** The start function may run ahead of calls (until it once reached an import it may not call then). */
  private ahead = true;

  constructor(
    private readonly guest: CompiledGuest,
    private readonly imports: WebAssembly.Imports,
    private readonly policy: InstancePolicy,
    /** The module's start function, decided once (start-function.ts). */
    private readonly start: StartFunction | undefined,
  ) {
    this.tracked = policy === 'fresh' && guest.recycle !== undefined ? trackingImports(imports, guest.recycle.blockBytes) : undefined;
  }

  /** Where the host's writes into the instance acquire() hands out are recorded (GuestContext.writes). */
  get writes(): HostWrites | undefined {
    return this.tracked?.tracker;
  }

  /**
   * The instance for one call, bound through `bind` (which also runs the start function where
   * the call needs it).
   */
  acquire(bind: BindInstance): WebAssembly.Exports {
    if (this.policy === 'pooled') return this.acquirePooled(bind);
    if (!this.tracked || !this.guest.recycle) {
      const { exports } = new WebAssembly.Instance(this.guest.module, this.imports);
      bind(exports, this.start);
      return exports;
    }
    this.tidy(bind);
    if (!this.recycled) {
      const start = this.start;
      const made = RecycledInstance.create({ module: this.guest.module, ...this.guest.recycle }, this.tracked.imports, this.tracked.tracker, start && ((exports) => bind(exports, start)));
      if (made === 'not-recyclable') {
        // The wasm start section called an import (each instance may differ), or the start
        // function grew the memory past what the module tracks: none is kept.
        this.tracked = undefined;
        return this.acquire(bind);
      }
      this.recycled = made;
      bind(made.exports, undefined); // the start function, where there is one, ran in create
    } else bind(this.recycled.exports, this.recycled.startEachCall && !this.recycled.takePrepared() ? this.start : undefined);
    this.used = true;
    return this.recycled.exports;
  }

  /** After a call: a failed call's instance is never used again. */
  finish(succeeded: boolean): void {
    if (succeeded) return;
    this.recycled = undefined;
    this.pooled = undefined;
    this.used = false;
    this.tracked?.tracker.clear();
  }

  /** True when the start function runs before every call and may run ahead of it (see tidy). */
  get startsAhead(): boolean {
    return this.ahead && this.recycled?.startEachCall === true;
  }

  /**
   * Restores the recycled instance after a call and, where the start function runs per call,
   * runs it for the next one: at the latest when the instance is next acquired, or earlier when
   * the worker has idle time for a start function (worker-entry.ts).
   */
  tidy(bind: BindInstance): void {
    if (!this.used || !this.recycled) return;
    this.used = false;
    if (!this.recycled.restore()) return void (this.recycled = undefined); // its memory grew
    if (!this.recycled.startEachCall || !this.ahead) return;
    const prepared = this.recycled.prepare((exports) => bind(exports, this.start));
    if (prepared === 'discard') this.recycled = undefined;
    this.ahead = prepared === true;
  }

  private acquirePooled(bind: BindInstance): WebAssembly.Exports {
    const now = Date.now();
    if (this.pooled && now - this.pooled.lastUsed < POOLED_TTL_MS) {
      this.pooled.lastUsed = now;
      bind(this.pooled.exports, undefined);
      return this.pooled.exports;
    }
    const { exports } = new WebAssembly.Instance(this.guest.module, this.imports);
    bind(exports, this.start);
    this.pooled = { exports, lastUsed: now };
    return exports;
  }
}
