/**
 * What the host functions of one worker need to know about the instance running now. A worker
 * runs one call at a time, so one context serves every module it holds; the import objects are
 * built once per worker around it instead of once per fresh instance.
 */
/** Per-instance limits the worker enforces. */
export interface GuestLimits {
  /** The largest response an rpc export may return. */
  readonly maxResponseBytes: number;
  /** The memory cap every module was given at load (its declared maximum). */
  readonly maxMemoryBytes: number;
}

export class GuestContext {
  /** The running instance's memory; unset until instantiation returns. */
  memory: WebAssembly.Memory | undefined = undefined;
  /** The running instance's malloc, for host calls that hand bytes back to the guest. */
  malloc: ((size: number) => unknown) | undefined = undefined;
  /** The call being served, for error messages. */
  pluginId = '';
  exportName = '';
  /** The tail of what the guest wrote to stdout and stderr during this call (a panic message ends it). */
  stdout = '';
  stderr = '';
  /**
   * The running instance's record of what the host writes into its memory outside the WASI shim
   * (the request, host function replies), so a recycled instance knows which pages to restore;
   * unset for an instance that is not restored.
   */
  writes: HostWrites | undefined = undefined;

  constructor(readonly limits: GuestLimits = { maxResponseBytes: Infinity, maxMemoryBytes: Infinity }) {}

  /** Starts a call: clears what the previous one left. */
  reset(pluginId: string, exportName: string): void {
    this.memory = undefined;
    this.malloc = undefined;
    this.writes = undefined;
    this.pluginId = pluginId;
    this.exportName = exportName;
    this.stdout = '';
    this.stderr = '';
  }

  /**
   * Keeps the tail of each stream: a panic message ends it (TinyGo writes panics to stdout, Go
   * and wasi-libc to stderr), and a chatty guest must not grow it without bound.
   */
  append(stream: 'stdout' | 'stderr', text: string): void {
    this[stream] = (this[stream] + text).slice(-OUTPUT_KEEP);
  }

  /** What the guest wrote during this call, or undefined when it wrote nothing. */
  output(): GuestOutput | undefined {
    if (!this.stdout && !this.stderr) return undefined;
    return { stdout: this.stdout, stderr: this.stderr };
  }
}

/** Where the host's writes into an instance's memory are recorded (recycled-instance.ts, CallTracker). */
export interface HostWrites {
  wrote(ptr: number, length: number): void;
}

/** The tails of a call's stdout and stderr. */
export interface GuestOutput {
  readonly stdout: string;
  readonly stderr: string;
}

/** Characters kept per stream and call. */
export const OUTPUT_KEEP = 2048;

/** Thrown by `proc_exit`: unwinds the guest's stack back to the host. */
export class GuestExit {
  constructor(readonly code: number) {}
}

/** Thrown by AssemblyScript's `env.abort`. */
export class GuestAbort {
  constructor(readonly message: string) {}
}
