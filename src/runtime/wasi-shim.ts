import { randomFillSync } from 'node:crypto';
import { GuestExit, type GuestContext } from './guest-context';
import { inBounds } from './guest-memory';

/**
 * `wasi_snapshot_preview1` for plugins: no filesystem, no args, no env, no sockets; a real clock
 * and a cryptographic random source; stdout and stderr kept (their tails) for the call's error and log.
 * Written here rather than using node:wasi, which costs 150-500 us per instance and is not a
 * sandbox (shared/spec/field-notes.md); this costs nothing per instance because the functions
 * are built once per worker around a GuestContext.
 */

// Errno values of wasi_snapshot_preview1.
const SUCCESS = 0;
const EBADF = 8;
const EFAULT = 21;
const EINVAL = 28;
const ENOSYS = 52;

const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const FILETYPE_CHARACTER_DEVICE = 2;
const CLOCK_REALTIME = 0;
const CLOCK_MONOTONIC = 1;
const EVENTTYPE_CLOCK = 0;
const SUBCLOCKFLAGS_ABSTIME = 1;

/** Everything in preview1 that a sandbox without files or sockets answers with ENOSYS. */
const UNSUPPORTED = [
  'fd_advise', 'fd_allocate', 'fd_datasync', 'fd_fdstat_set_flags', 'fd_fdstat_set_rights',
  'fd_filestat_get', 'fd_filestat_set_size', 'fd_filestat_set_times', 'fd_pread', 'fd_pwrite',
  'fd_readdir', 'fd_renumber', 'fd_sync', 'fd_tell', 'path_create_directory', 'path_filestat_get',
  'path_filestat_set_times', 'path_link', 'path_open', 'path_readlink', 'path_remove_directory',
  'path_rename', 'path_symlink', 'path_unlink_file', 'proc_raise', 'sock_accept', 'sock_recv',
  'sock_send', 'sock_shutdown',
] as const;

type WasiFunction = (...args: never[]) => number | void;

/** Builds the preview1 import object around one worker's guest context. */
export function wasiImports(context: GuestContext): Record<string, WasiFunction> {
  const utf8 = new TextDecoder();
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  const random = new RandomBytes();

  // Each function reads through a fresh DataView: memory.grow detaches the old buffer. A guest
  // pointer outside memory is EFAULT for the guest, never an exception in the host.
  const withMemory = (fn: (view: DataView, memory: WebAssembly.Memory) => number): number => {
    const memory = context.memory;
    if (!memory) return EFAULT;
    try {
      return fn(new DataView(memory.buffer), memory);
    } catch (error) {
      if (error instanceof RangeError) return EFAULT;
      throw error;
    }
  };
  const zeroSizes = (countPtr: number, sizePtr: number): number =>
    withMemory((view) => {
      view.setUint32(countPtr, 0, true);
      view.setUint32(sizePtr, 0, true);
      return SUCCESS;
    });

  const functions: Record<string, WasiFunction> = {
    args_get: () => SUCCESS,
    args_sizes_get: zeroSizes,
    environ_get: () => SUCCESS,
    environ_sizes_get: zeroSizes,
    clock_res_get: (id: number, resultPtr: number) =>
      withMemory((view) => {
        if (id !== CLOCK_REALTIME && id !== CLOCK_MONOTONIC) return EINVAL;
        view.setBigUint64(resultPtr, 1000n, true);
        return SUCCESS;
      }),
    clock_time_get: (id: number, _precision: bigint, resultPtr: number) =>
      withMemory((view) => {
        if (id !== CLOCK_REALTIME && id !== CLOCK_MONOTONIC) return EINVAL;
        view.setBigUint64(resultPtr, id === CLOCK_REALTIME ? realtimeNanos() : process.hrtime.bigint(), true);
        return SUCCESS;
      }),
    fd_write: (fd: number, iovs: number, iovsLen: number, writtenPtr: number) =>
      withMemory((view, memory) => {
        if (fd !== STDOUT && fd !== STDERR) return EBADF;
        let written = 0;
        for (let i = 0; i < iovsLen; i++) {
          const ptr = view.getUint32(iovs + i * 8, true);
          const len = view.getUint32(iovs + i * 8 + 4, true);
          if (!inBounds(memory, ptr, len)) return EFAULT;
          context.append(fd === STDOUT ? 'stdout' : 'stderr', utf8.decode(new Uint8Array(memory.buffer, ptr, len)));
          written += len;
        }
        view.setUint32(writtenPtr, written, true);
        return SUCCESS;
      }),
    fd_read: (fd: number, _iovs: number, _iovsLen: number, readPtr: number) =>
      fd === STDIN ? withMemory((view) => (view.setUint32(readPtr, 0, true), SUCCESS)) : EBADF,
    fd_close: () => EBADF,
    fd_seek: () => EBADF,
    fd_fdstat_get: (fd: number, statPtr: number) =>
      withMemory((view) => {
        if (fd > STDERR) return EBADF;
        view.setUint8(statPtr, FILETYPE_CHARACTER_DEVICE);
        view.setUint16(statPtr + 2, 0, true);
        view.setBigUint64(statPtr + 8, 0n, true);
        view.setBigUint64(statPtr + 16, 0n, true);
        return SUCCESS;
      }),
    // EBADF on the first preopen tells the guest there are none.
    fd_prestat_get: () => EBADF,
    fd_prestat_dir_name: () => EBADF,
    random_get: (ptr: number, len: number) =>
      withMemory((_view, memory) => {
        if (!inBounds(memory, ptr, len)) return EFAULT;
        random.fill(new Uint8Array(memory.buffer, ptr, len));
        return SUCCESS;
      }),
    poll_oneoff: (inPtr: number, outPtr: number, count: number, eventsPtr: number) =>
      withMemory((view) => pollClocks(view, sleeper, inPtr, outPtr, count, eventsPtr)),
    sched_yield: () => SUCCESS,
    proc_exit: (code: number) => {
      throw new GuestExit(code);
    },
  };
  for (const name of UNSUPPORTED) functions[name] = () => ENOSYS;
  return functions;
}

/**
 * Cryptographic random bytes, drawn from the system in 4 KiB batches: Go's and TinyGo's start-up
 * asks random_get for 8-16 bytes on every fresh instance, and one randomFillSync costs several
 * microseconds whatever its size (issue 10's profile). Every byte is handed out once.
 */
class RandomBytes {
  private readonly batch = new Uint8Array(4096);
  private used = this.batch.length;

  fill(target: Uint8Array): void {
    if (target.length > this.batch.length / 4) return void randomFillSync(target);
    if (this.used + target.length > this.batch.length) {
      randomFillSync(this.batch);
      this.used = 0;
    }
    target.set(this.batch.subarray(this.used, this.used + target.length));
    this.used += target.length;
  }
}

function realtimeNanos(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
}

/**
 * Go's runtime sleeps through poll_oneoff with clock subscriptions. Only clocks are supported
 * (there are no files to poll): block the worker for the shortest timeout, then report every
 * clock subscription as fired. The call's deadline still bounds the sleep, since the pool
 * terminates a worker that overruns it.
 */
function pollClocks(view: DataView, sleeper: Int32Array, inPtr: number, outPtr: number, count: number, eventsPtr: number): number {
  const SUBSCRIPTION_SIZE = 48;
  const EVENT_SIZE = 32;
  let shortestNanos = -1n;
  for (let i = 0; i < count; i++) {
    const sub = inPtr + i * SUBSCRIPTION_SIZE;
    if (view.getUint8(sub + 8) !== EVENTTYPE_CLOCK) return ENOSYS;
    let timeout = view.getBigUint64(sub + 24, true);
    if (view.getUint16(sub + 40, true) & SUBCLOCKFLAGS_ABSTIME) {
      timeout -= view.getUint32(sub + 16, true) === CLOCK_REALTIME ? realtimeNanos() : process.hrtime.bigint();
    }
    if (shortestNanos < 0n || timeout < shortestNanos) shortestNanos = timeout;
  }
  if (shortestNanos > 0n) Atomics.wait(sleeper, 0, 0, Number(shortestNanos / 1_000_000n));
  for (let i = 0; i < count; i++) {
    const event = outPtr + i * EVENT_SIZE;
    view.setBigUint64(event, view.getBigUint64(inPtr + i * SUBSCRIPTION_SIZE, true), true); // userdata
    view.setUint16(event + 8, SUCCESS, true);
    view.setUint8(event + 10, EVENTTYPE_CLOCK);
  }
  view.setUint32(eventsPtr, count, true);
  return SUCCESS;
}
