import { NdpError } from '../errors';
import { GuestAbort, GuestExit, type GuestContext } from './guest-context';
import { guestBytes, inBounds, readUtf8 } from './guest-memory';
import type { InstanceSource } from './instance-source';
import type { StartFunction } from './start-function';

/** Who is being called, for error messages. */
export interface CallTarget {
  readonly pluginId: string;
  readonly exportName: string;
}

const ERROR_BIT = 0x8000_0000;
const NOT_FOUND = 'plugin:not_found';
const NOT_IMPLEMENTED = 'plugin:not_implemented';
const EMPTY = new Uint8Array(0);
// A guest that fails with its memory this close to the cap failed because of the cap: its
// allocator's last memory.grow returned -1. Allocators grow in steps (AssemblyScript doubles),
// so the memory need not be exactly at the cap when the guest gives up.
const EXHAUSTED_SHARE = 0.75;

/**
 * One rpc call, abi.md "One call, host -> plugin", top to bottom: fresh instance, malloc, write,
 * call, unpack, bounds check. Nothing the call did reaches the next one: the instance comes from
 * `instances` (instance-source.ts), which restores or drops it afterwards. The response is the
 * guest's bytes in place (guestBytes): the caller copies them out before the instance is tidied.
 *
 * A plugin's own error answer (not_found, not_implemented, an error string) is returned as an
 * error value, not thrown: it is an answer, and in a fan-out most answers are not_found; two
 * throws per answer (here and rethrown by `guarded`) were a tenth of a worker's CPU (issue 10).
 */
export function callRpc(instances: InstanceSource, context: GuestContext, target: CallTarget, input: Uint8Array): Uint8Array<ArrayBuffer> | NdpError {
  return guarded(instances, context, target, () => {
    const exports = instantiate(instances, context, target);
    const ptr = input.length === 0 ? 0 : writeToGuest(context, input);
    const result = exportFunction(exports, target)(ptr, input.length);
    if (typeof result !== 'bigint') throw badAbi(target, `returned ${typeof result}, not an i64`);
    return unpackResult(BigInt.asUintN(64, result), context, target);
  });
}

/** Calls a `<service>_api_version` export in a fresh instance. */
export function callVersion(instances: InstanceSource, context: GuestContext, target: CallTarget): number {
  return guarded(instances, context, target, () => {
    const result = exportFunction(instantiate(instances, context, target), target)();
    if (typeof result !== 'bigint') throw badAbi(target, `returned ${typeof result}, not an i64`);
    return Number(result);
  });
}

function instantiate(instances: InstanceSource, context: GuestContext, target: CallTarget): WebAssembly.Exports {
  context.reset(target.pluginId, target.exportName);
  context.writes = instances.writes;
  return instances.acquire((exports, start) => bindInstance(exports, context, target, start));
}

/** Makes `exports` the context's current instance and runs `start` in it, if given. */
export function bindInstance(exports: WebAssembly.Exports, context: GuestContext, target: CallTarget, start: StartFunction | undefined): void {
  const { memory, malloc } = exports;
  if (!(memory instanceof WebAssembly.Memory)) throw badAbi(target, 'the module exports no memory');
  context.memory = memory;
  context.malloc = typeof malloc === 'function' ? (malloc as (size: number) => unknown) : undefined;
  if (start) {
    try {
      (exports[start] as () => void)();
    } catch (error) {
      // Exit code 0 from a start function is success, as in wazero (docs/abi.md, "Start functions").
      if (!(error instanceof GuestExit && error.code === 0)) throw new StartFailed(start, error);
    }
  }
}

function exportFunction(exports: WebAssembly.Exports, target: CallTarget): (...args: number[]) => unknown {
  const fn = exports[target.exportName];
  if (typeof fn !== 'function') throw badAbi(target, 'is not exported');
  return fn as (...args: number[]) => unknown;
}

/** Copies bytes into the running instance at a pointer from its own malloc (requests, host replies). */
export function writeToGuest(context: GuestContext, bytes: Uint8Array): number {
  const { memory, malloc } = context;
  const target = { pluginId: context.pluginId, exportName: context.exportName };
  if (!memory || !malloc) throw badAbi(target, 'needs the module to export malloc');
  const ptr = Number(malloc(bytes.length)) >>> 0;
  if (ptr === 0 || !inBounds(memory, ptr, bytes.length)) {
    throw badAbi(target, `malloc(${bytes.length}) returned ${ptr}, outside the ${memory.buffer.byteLength}-byte memory`);
  }
  new Uint8Array(memory.buffer, ptr, bytes.length).set(bytes);
  context.writes?.wrote(ptr, bytes.length);
  return ptr;
}

function unpackResult(result: bigint, context: GuestContext, target: CallTarget): Uint8Array<ArrayBuffer> | NdpError {
  const memory = context.memory as WebAssembly.Memory;
  if (result === 0n) return EMPTY;
  const ptr = Number(result >> 32n);
  const packedLength = Number(result & 0xffff_ffffn);
  const length = packedLength & 0x7fff_ffff;
  if (length > context.limits.maxResponseBytes) {
    throw new NdpError('resource_exhausted', `plugin ${target.pluginId}: export ${target.exportName} returned ${length} bytes, over the ${context.limits.maxResponseBytes}-byte response cap`, where(target));
  }
  if ((packedLength & ERROR_BIT) === 0) {
    return guestBytes(memory, ptr, length) ?? outOfBounds(memory, ptr, length, target);
  }
  if (!inBounds(memory, ptr, length)) outOfBounds(memory, ptr, length, target);
  const message = readUtf8(memory, ptr, length);
  if (message === undefined) throw badAbi(target, `returned an error string that is not valid UTF-8 (ptr=${ptr} len=${length})`);
  if (message === NOT_FOUND) return NdpError.withoutStack('not_found', `plugin ${target.pluginId}: not found`, where(target));
  if (message === NOT_IMPLEMENTED) return NdpError.withoutStack('not_implemented', `plugin ${target.pluginId} does not implement ${target.exportName}`, where(target));
  return NdpError.withoutStack('plugin_error', `plugin ${target.pluginId}: ${message}`, where(target));
}

function outOfBounds(memory: WebAssembly.Memory, ptr: number, length: number, target: CallTarget): never {
  throw badAbi(target, `returned ptr=${ptr} len=${length}, outside the ${memory.buffer.byteLength}-byte memory`);
}

function where(target: CallTarget): { pluginId: string; export: string } {
  return { pluginId: target.pluginId, export: target.exportName };
}

export function badAbi(target: CallTarget, what: string): NdpError {
  return new NdpError('bad_abi', `plugin ${target.pluginId}: export ${target.exportName} ${what}`, where(target));
}

/** Turns whatever the guest threw into one NdpError naming plugin, export and cause. */
function guarded<T>(instances: InstanceSource, context: GuestContext, target: CallTarget, run: () => T): T {
  try {
    // A plugin's own answer, even an error one, is not a failure of the instance.
    const result = run();
    instances.finish(true);
    return result;
  } catch (error) {
    // The instance of a call that failed is never used again.
    instances.finish(false);
    if (error instanceof NdpError) throw error;
    const memoryBytes = context.memory?.buffer.byteLength ?? 0;
    if (memoryBytes >= EXHAUSTED_SHARE * context.limits.maxMemoryBytes) {
      const mib = (bytes: number) => Math.round(bytes / 1024 / 1024);
      throw new NdpError('resource_exhausted', `plugin ${target.pluginId}: export ${target.exportName} ran out of memory: ${mib(memoryBytes)} of its ${mib(context.limits.maxMemoryBytes)} MiB cap (${describeTrap(error)})`, where(target));
    }
    throw new NdpError('trap', `plugin ${target.pluginId}: export ${target.exportName} failed: ${describeTrap(error)}${describeOutput(context)}`, where(target));
  } finally {
    context.memory = undefined;
    context.malloc = undefined;
  }
}

/** A start function that trapped or exited non-zero: the call never reached its export. */
class StartFailed {
  constructor(
    readonly start: StartFunction,
    readonly cause: unknown,
  ) {}
}

/** What the guest printed, for a trap's message: the panic text is often only there. */
function describeOutput(context: GuestContext): string {
  const streams = (['stdout', 'stderr'] as const).filter((stream) => context[stream].trim() !== '');
  return streams.length === 0 ? '' : ` (${streams.map((stream) => `${stream}: ${context[stream].trim()}`).join('; ')})`;
}

function describeTrap(error: unknown): string {
  if (error instanceof StartFailed) return `${error.start}: ${describeTrap(error.cause)}`;
  if (error instanceof GuestExit) return `proc_exit(${error.code})`;
  if (error instanceof GuestAbort) return error.message;
  if (error instanceof WebAssembly.RuntimeError) return error.message;
  if (error instanceof RangeError && /call stack/i.test(error.message)) return 'stack overflow';
  if (error instanceof WebAssembly.LinkError) return `cannot link: ${error.message}`;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
