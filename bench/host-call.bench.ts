/**
 * A host call round trip (guest -> main thread -> guest, small message) against a plain import
 * answered in the worker, from a guest that makes 1,000 calls per rpc; then an rpc that makes one
 * host call, as most plugins' calls do (a config or cache read), against one that makes none.
 */
import wabt from 'wabt';
import { Sandbox } from '../src/runtime';
import type { BenchContext } from './context';
import { heading, measure, row, type Stats } from './measure';

/** A guest whose `run` calls an import `times` times with (16, 8): an 8-byte request, or two out-pointers. */
async function hostCallGuest(from: string, name: string, result: 'i32' | 'i64', times = 1000): Promise<Uint8Array<ArrayBuffer>> {
  const wat = `(module (import "${from}" "${name}" (func $host (param i32 i32) (result ${result})))
    (memory (export "memory") 1) (global $heap (mut i32) (i32.const 1024))
    (func (export "malloc") (param $n i32) (result i32) (local $p i32)
      (local.set $p (global.get $heap)) (global.set $heap (i32.add (global.get $heap) (local.get $n))) (local.get $p))
    (func (export "free") (param i32))
    (func (export "run") (param i32 i32) (result i64) (local $i i32)
      (loop $again (drop (call $host (i32.const 16) (i32.const 8)))
        (br_if $again (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const ${times}))))
      (i64.const 0)))`;
  const parsed = (await wabt()).parseWat('host-calls.wat', wat, {});
  return new Uint8Array(parsed.toBinary({}).buffer);
}

export async function hostCalls(ctx: BenchContext): Promise<void> {
  const reply = new Uint8Array(8);
  const sandbox = new Sandbox({ minWorkers: 1, maxWorkers: 1, hostFunctions: ['echo'], hostCall: async () => ({ ok: true, bytes: reply }) });
  const input = new Uint8Array(8);
  try {
    // args_sizes_get is answered by the WASI shim in the worker itself: the cost of a plain import call.
    const local = await sandbox.load('local', await hostCallGuest('wasi_snapshot_preview1', 'args_sizes_get', 'i32'));
    const remote = await sandbox.load('remote', await hostCallGuest('env', 'echo', 'i64'));
    const perHostCall = (stats: Stats): Stats => ({ ...stats, p50: stats.p50 / 1000, p99: stats.p99 / 1000, perSecond: stats.perSecond * 1000, cpuPerCall: stats.cpuPerCall / 1000 });
    const calls = ctx.calls(200, 20);
    const baseline = perHostCall(await measure('import answered in the worker (baseline)', calls, 1, () => sandbox.call(local, 'run', input, { timeoutMs: 60_000 })));
    const subject = perHostCall(await measure('host call via the main thread', calls, 1, () => sandbox.call(remote, 'run', input, { timeoutMs: 60_000 })));
    heading('Host call round trip (per host call, from 1,000 per rpc)');
    row(baseline.name, baseline);
    row(subject.name, subject);

    // One host call per rpc, as most plugins make (a config or cache read): the main thread is
    // asleep in its event loop when it comes, not serving the guest's previous one.
    const none = await sandbox.load('none', await hostCallGuest('wasi_snapshot_preview1', 'args_sizes_get', 'i32', 1));
    const one = await sandbox.load('one', await hostCallGuest('env', 'echo', 'i64', 1));
    const rpcs = ctx.calls(5_000, 500);
    const withoutHostCall = await measure('rpc with no host call (baseline)', rpcs, 1, () => sandbox.call(none, 'run', input, { timeoutMs: 10_000 }));
    const withHostCall = await measure('rpc with one host call', rpcs, 1, () => sandbox.call(one, 'run', input, { timeoutMs: 10_000 }));
    heading('One host call per rpc, concurrency 1 (per rpc)');
    row(withoutHostCall.name, withoutHostCall);
    row(withHostCall.name, withHostCall);
  } finally {
    await sandbox.close();
  }
}
