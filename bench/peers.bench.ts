/**
 * ndphost next to its closest peer, Extism JS (@extism/extism, pinned in package.json), on the
 * same trivial plugin built for each ABI (peer-plugins.ts), in one run:
 *   in this thread: a reused instance (the floor), a fresh instance per call (ndphost's two
 *   ways: a new instance, or one restored to fresh);
 *   off this thread: ndphost's Sandbox.call (pool worker, fresh instance) and Extism's
 *   `runInWorker` plugin (one worker per plugin, reused instance), each with the calling thread
 *   and its worker pinned to one CPU, then to two (placement.ts): unpinned, each met whichever
 *   placement the kernel had chosen, and their ratio measured the placements.
 */
import createPlugin, { type Plugin } from '@extism/extism';
import { ArtistBiographyRequest } from '../generated/ts/api';
import { Sandbox } from '../src/runtime';
import { callRpc } from '../src/runtime/guest-call';
import { GuestContext } from '../src/runtime/guest-context';
import { hostImports } from '../src/runtime/host-imports';
import { InstanceSource } from '../src/runtime/instance-source';
import { analyseForRecycling } from '../src/runtime/recyclable-module';
import type { BenchContext } from './context';
import { heading, measure, row } from './measure';
import { pinnings } from './placement';
import { extismEchoPlugin, ourEchoPlugin } from './peer-plugins';

const INPUT = ArtistBiographyRequest.encode({ id: '', name: 'bench', mbid: '' }).finish();
const EXPECTED = `fixture:${Buffer.from(INPUT).toString('latin1')}`;

function check(output: Uint8Array | Error | null | undefined, who: string): void {
  if (!output || output instanceof Error || Buffer.from(output.buffer, output.byteOffset, output.byteLength).toString('latin1') !== EXPECTED) throw new Error(`${who} answered something else than the echo`);
}

export async function peers(ctx: BenchContext): Promise<void> {
  const ours = await ourEchoPlugin();
  const theirs = await extismEchoPlugin();
  const ourModule = await WebAssembly.compile(ours);
  const theirModule = await WebAssembly.compile(theirs);
  const manifest = { wasm: [{ module: theirModule }] };
  const calls = ctx.calls(5_000, 300);

  const context = new GuestContext();
  const imports = hostImports(context, undefined, []);
  const analysis = analyseForRecycling(ours);
  if (!analysis.recyclable) throw new Error(`the echo plugin should be recyclable: ${analysis.reason}`);
  const { recyclable: _, bytes, ...recycle } = analysis;
  // The two ways the workers give a call a fresh instance: instantiate anew, or restore one.
  const newEachCall = new InstanceSource({ module: ourModule }, imports, 'fresh', undefined);
  const recycled = new InstanceSource({ module: await WebAssembly.compile(bytes), recycle }, imports, 'fresh', undefined);
  // A response is a view of guest memory, copied out here as a worker copies it into its job
  // slot; a recycled instance is restored when the next call acquires it, as in a worker.
  const ourCall = (source: InstanceSource) => () => {
    const output = callRpc(source, context, target, INPUT);
    return output instanceof Uint8Array ? output.slice() : output;
  };
  const instantiatingCall = ourCall(newEachCall);
  const recycledCall = ourCall(recycled);
  const target = { pluginId: 'echo', exportName: 'run' };
  const reused = new WebAssembly.Instance(ourModule, imports);
  const { malloc, memory, run } = reused.exports as { malloc: (n: number) => number; memory: WebAssembly.Memory; run: (ptr: number, len: number) => bigint };
  const reusedCall = () => {
    const ptr = malloc(INPUT.length);
    new Uint8Array(memory.buffer, ptr, INPUT.length).set(INPUT);
    const packed = run(ptr, INPUT.length);
    return new Uint8Array(memory.buffer.slice(Number(packed >> 32n), Number(packed >> 32n) + Number(packed & 0xffffffffn)));
  };
  check(reusedCall(), 'ndphost reused instance');
  check(instantiatingCall(), 'ndphost new instance');
  check(recycledCall(), 'ndphost recycled instance');
  check(recycledCall(), 'ndphost recycled instance');

  const sandbox = new Sandbox({ minWorkers: 2, maxWorkers: 2 });
  const extismReused = await createPlugin(manifest, { useWasi: false });
  const extismWorker = await createPlugin(manifest, { useWasi: false, runInWorker: true });
  const extismOutput = async (plugin: Plugin) => (await plugin.call('run', INPUT))?.bytes();
  try {
    const loaded = await sandbox.load('echo', ours);
    check(await sandbox.call(loaded, 'run', INPUT, { timeoutMs: 10_000 }), 'ndphost Sandbox.call');
    check(await extismOutput(extismReused), 'Extism reused plugin');
    check(await extismOutput(extismWorker), 'Extism worker plugin');

    heading(`Peers: the same echo plugin through each host, concurrency 1 (${calls} calls each)`);
    const add = async (name: string, count: number, fn: () => unknown) => {
      const stats = await measure(name, count, 1, fn);
      row(name, stats);
      return stats;
    };
    // The reused instance's bump heap grows ~24 bytes a call (its malloc grows memory as needed).
    const floor = await add('ndphost reused instance, this thread (floor)', Math.min(calls, 1_000), reusedCall);
    const ourFresh = await add('ndphost new instance per call, this thread', calls, instantiatingCall);
    const ourRecycled = await add('ndphost recycled instance, this thread', calls, recycledCall);
    const extismFresh = await add('Extism fresh plugin per call, this thread', calls, async () => {
      const plugin = await createPlugin(manifest, { useWasi: false });
      await plugin.call('run', INPUT);
      await plugin.close();
    });
    await add('Extism reused plugin, this thread', calls, () => extismReused.call('run', INPUT));
    const ourWorkerCall = () => sandbox.call(loaded, 'run', INPUT, { timeoutMs: 10_000 });
    const extismWorkerCall = () => extismWorker.call('run', INPUT);
    const offThread: string[] = [];
    for (const place of await pinnings(ourWorkerCall, extismWorkerCall)) {
      console.log(`  ${place.name}:`);
      const ourWorker = await place.run(() => add('  ndphost Sandbox.call (worker, fresh instance)', calls, ourWorkerCall), 0);
      const extismInWorker = await place.run(() => add('  Extism runInWorker, reused plugin', calls, extismWorkerCall), 1);
      offThread.push(`${(extismInWorker.p50 / ourWorker.p50).toFixed(2)}x (${place.name})`);
    }
    await add('Extism runInWorker, fresh plugin per call', ctx.calls(30, 5), async () => {
      const plugin = await createPlugin(manifest, { useWasi: false, runInWorker: true });
      await plugin.call('run', INPUT);
      await plugin.close();
    });
    console.log(`  fresh instance in this thread, Extism / ndphost: ${(extismFresh.p50 / ourRecycled.p50).toFixed(2)}x (recycled), ${(extismFresh.p50 / ourFresh.p50).toFixed(2)}x (new per call); recycled / floor: ${(ourRecycled.p50 / floor.p50).toFixed(1)}x`);
    console.log(`  off-thread, Extism runInWorker (reused) / ndphost Sandbox.call (fresh): ${offThread.join(', ')}`);
  } finally {
    await Promise.all([sandbox.close(), extismReused.close(), extismWorker.close()]);
  }
}
