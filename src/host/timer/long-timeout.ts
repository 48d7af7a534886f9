/** setTimeout's largest delay; Node fires a longer one after 1 ms with a TimeoutOverflowWarning. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export interface LongTimeoutOptions {
  /** Wall clock in ms; tests swap it to drive re-arming without waiting 24 days. */
  now?: () => number;
  /** Longest single setTimeout; tests shrink it. */
  maxDelayMs?: number;
}

/**
 * Calls `onDue` once at `dueAt` (ms since the epoch), however far away, without keeping the
 * process alive.
 */
export class LongTimeout {
  private handle?: NodeJS.Timeout;
  private readonly now: () => number;
  private readonly maxDelayMs: number;

  constructor(
    private readonly dueAt: number,
    private readonly onDue: () => void,
    options: LongTimeoutOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.maxDelayMs = options.maxDelayMs ?? MAX_TIMEOUT_MS;
    this.arm();
  }

  /** Stops the timeout; `onDue` will not run. */
  clear(): void {
    clearTimeout(this.handle);
    this.handle = undefined;
  }

  private arm(): void {
    // Remaining time is measured again on every re-arm, so a delay longer than one setTimeout is
    // waited in slices, and a wall clock that moved meanwhile is honoured.
    const remaining = Math.max(0, this.dueAt - this.now());
    const slice = Math.min(remaining, this.maxDelayMs);
    this.handle = setTimeout(() => (remaining > slice ? this.arm() : this.onDue()), slice);
    // A pending timer is no reason to keep the sidecar running: it is persisted and re-armed on
    // the next start.
    this.handle.unref();
  }
}
