import type { ErrorKind } from '../errors';

export interface QuarantineOptions {
  /** Failures within `windowMs` that take a plugin out of service. */
  readonly failures: number;
  readonly windowMs: number;
  /** How long it stays out before it is tried again. */
  readonly backoffMs: number;
  /** Told when a plugin goes out of service or comes back, for health and logs. */
  readonly onChange: (pluginId: string, out: boolean, reason: string) => void;
}

/**
 * Failures that say the plugin itself is broken or hostile, as opposed to answers it chose. A
 * `deadline` (the caller's, or a wait for a worker) is not one: only a plugin that ran for its
 * whole own time limit failed (`plugin_timeout`), or any caller could quarantine a healthy
 * plugin with a tiny grpc-timeout (issue 8, item 4).
 */
const COUNTED: ReadonlySet<ErrorKind> = new Set<ErrorKind>(['trap', 'bad_abi', 'plugin_timeout', 'resource_exhausted', 'internal']);

/**
 * Takes a plugin that keeps failing (traps, timeouts, broken ABI) out of service for a back-off
 * period, so fan-out stops paying for it; afterwards it is tried again with a clean slate.
 */
export class Quarantine {
  private readonly recent = new Map<string, number[]>();
  private readonly until = new Map<string, NodeJS.Timeout>();

  constructor(private readonly options: QuarantineOptions) {}

  /** True while the plugin is out of service. */
  isOut(pluginId: string): boolean {
    return this.until.has(pluginId);
  }

  /** Counts a failed call; quarantines the plugin at the threshold. */
  record(pluginId: string, kind: ErrorKind, message: string): void {
    if (!COUNTED.has(kind) || this.isOut(pluginId)) return;
    const now = Date.now();
    const recent = (this.recent.get(pluginId) ?? []).filter((at) => now - at < this.options.windowMs);
    recent.push(now);
    this.recent.set(pluginId, recent);
    if (recent.length < this.options.failures) return;
    this.recent.delete(pluginId);
    this.until.set(pluginId, setTimeout(() => this.release(pluginId), this.options.backoffMs).unref());
    this.options.onChange(pluginId, true, `${recent.length} failures within ${this.options.windowMs} ms, the last: ${message}`);
  }

  /** Forgets a plugin (removed or reloaded). */
  forget(pluginId: string): void {
    clearTimeout(this.until.get(pluginId));
    this.until.delete(pluginId);
    this.recent.delete(pluginId);
  }

  private release(pluginId: string): void {
    this.until.delete(pluginId);
    this.options.onChange(pluginId, false, `back-off of ${this.options.backoffMs} ms over`);
  }
}
