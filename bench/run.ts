/**
 * Per-call cost of the sandbox and the sidecar, each against a baseline measured in the same
 * run (the machines are shared and noisy: read ratios, not absolute numbers).
 *
 *   npm run bench            # ~30 s on 2 vCPUs
 *
 * 1. Guest call in this thread: a reused instance (baseline) vs a fresh instance per call,
 *    through the same ABI code the workers run (guest-call.ts).
 * 2. Sandbox.call: the same fresh-instance call handed to a pool worker and back.
 * 3. End-to-end gRPC at concurrency 1 and 16: a grpc-js server answering the same rpc with no
 *    plugin (baseline) vs the sidecar calling the fixture plugin. Client in this process.
 * 4. A host call round trip (guest -> main thread -> guest, small message) vs a plain import
 *    call in the worker, from a guest that makes 1,000 host calls per rpc.
 * 5. Interrupting: how far past its deadline a spinning guest is stopped, and the throughput
 *    cost of arming a deadline on every call (with vs without).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { credentials, Server, ServerCredentials } from '@grpc/grpc-js';
import pino from 'pino';
import { ArtistBiographyRequest, MetadataAgentClient, MetadataAgentService } from '../generated/ts/api';
import { loadConfig } from '../src/config';
import { callRpc } from '../src/runtime/guest-call';
import { GuestContext } from '../src/runtime/guest-context';
import { hostImports } from '../src/runtime/host-imports';
import { Sandbox } from '../src/runtime';
import { startSidecar } from '../src/sidecar';

const ROOT = path.resolve(__dirname, '..', '..');
const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'plugins', 'fixture');
const EXPORT = 'metadata_agent_get_artist_biography';
const REQUEST = ArtistBiographyRequest.encode({ id: '', name: 'bench', mbid: '' }).finish();

interface Stats {
  readonly name: string;
  readonly calls: number;
  readonly p50: number;
  readonly p99: number;
  readonly perSecond: number;
}

/** Runs `fn` `calls` times from each of `concurrency` callers; latencies in microseconds. */
async function measure(name: string, calls: number, concurrency: number, fn: () => unknown): Promise<Stats> {
  for (let i = 0; i < Math.min(200, calls / 10); i++) await fn(); // warm-up: JIT, workers, connections
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = 0; i < calls / concurrency; i++) {
        const t0 = performance.now();
        await fn();
        latencies.push((performance.now() - t0) * 1000);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return { name, calls: latencies.length, p50: at(0.5), p99: at(0.99), perSecond: latencies.length / seconds };
}

function print(title: string, baseline: Stats, subject: Stats): void {
  console.log(`\n${title}`);
  for (const row of [baseline, subject]) {
    console.log(`  ${row.name.padEnd(44)} p50 ${row.p50.toFixed(1).padStart(8)} us   p99 ${row.p99.toFixed(1).padStart(8)} us   ${Math.round(row.perSecond).toString().padStart(7)} calls/s`);
  }
  console.log(`  ratio (p50 ${subject.name} / ${baseline.name}): ${(subject.p50 / baseline.p50).toFixed(2)}x`);
}

async function guestCalls(module: WebAssembly.Module): Promise<void> {
  const context = new GuestContext();
  const imports = hostImports(context, undefined, []);
  const target = { pluginId: 'fixture', exportName: EXPORT };
  const reused = new WebAssembly.Instance(module, imports);
  const { malloc, memory, [EXPORT]: rpc } = reused.exports as Record<string, CallableFunction> & { memory: WebAssembly.Memory };
  const reusedCall = () => {
    context.memory = memory;
    const ptr = malloc(REQUEST.length) as number;
    new Uint8Array(memory.buffer, ptr, REQUEST.length).set(REQUEST);
    return rpc(ptr, REQUEST.length);
  };
  const baseline = await measure('reused instance (baseline)', 20_000, 1, reusedCall);
  const fresh = await measure('fresh instance + call', 20_000, 1, () => callRpc({ module, imports, start: undefined }, context, target, REQUEST));
  print('1. Guest call in one thread', baseline, fresh);
}

async function sandboxCalls(wasm: Uint8Array<ArrayBuffer>, module: WebAssembly.Module): Promise<void> {
  const context = new GuestContext();
  const imports = hostImports(context, undefined, []);
  const target = { pluginId: 'fixture', exportName: EXPORT };
  const sandbox = new Sandbox({ minWorkers: 2, maxWorkers: 2 });
  try {
    const loaded = await sandbox.load('fixture', wasm);
    const inThread = await measure('fresh instance in this thread (baseline)', 5_000, 1, () => callRpc({ module, imports, start: undefined }, context, target, REQUEST));
    const pooled = await measure('Sandbox.call via a worker', 5_000, 1, () => sandbox.call(loaded, EXPORT, REQUEST, { timeoutMs: 10_000 }));
    print('2. Handing the call to a pool worker', inThread, pooled);
  } finally {
    await sandbox.close();
  }
}

async function grpcCalls(concurrency: number, calls: number): Promise<void> {
  const baselineServer = new Server();
  const answer = { biography: 'fixture:bench:calls=1' };
  const handlers = Object.fromEntries(Object.keys(MetadataAgentService).map((key) => [key, (_call: unknown, callback: (e: null, r: object) => void) => callback(null, answer)]));
  baselineServer.addService(MetadataAgentService, handlers);
  const baselinePort = await new Promise<number>((resolve, reject) =>
    baselineServer.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port))),
  );
  const config = loadConfig({ env: {}, args: ['--address', '127.0.0.1:0', '--plugins-folder', path.dirname(FIXTURE), '--data-folder', path.join(ROOT, 'dist', 'bench-data')] });
  const sidecar = await startSidecar(config, pino({ level: 'silent' }));
  const baselineClient = new MetadataAgentClient(`127.0.0.1:${baselinePort}`, credentials.createInsecure());
  const sidecarClient = new MetadataAgentClient(`127.0.0.1:${sidecar.port}`, credentials.createInsecure());
  const request = { id: '', name: 'bench', mbid: '' };
  const call = (client: MetadataAgentClient) => () =>
    new Promise((resolve, reject) => client.getArtistBiography(request, (error, response) => (error ? reject(error) : resolve(response))));
  try {
    const baseline = await measure('grpc-js, no plugin (baseline)', calls, concurrency, call(baselineClient));
    const subject = await measure('sidecar -> worker -> fresh instance', calls, concurrency, call(sidecarClient));
    print(`3. End-to-end gRPC, concurrency ${concurrency}`, baseline, subject);
  } finally {
    baselineClient.close();
    sidecarClient.close();
    await sidecar.close();
    baselineServer.forceShutdown();
  }
}

/** A guest whose `run` calls an import 1,000 times with (16, 8): an 8-byte request, or two out-pointers. */
async function hostCallGuest(from: string, name: string, result: 'i32' | 'i64'): Promise<Uint8Array<ArrayBuffer>> {
  const wabt = await (await import('wabt')).default();
  const wat = `(module (import "${from}" "${name}" (func $host (param i32 i32) (result ${result})))
    (memory (export "memory") 1) (global $heap (mut i32) (i32.const 1024))
    (func (export "malloc") (param $n i32) (result i32) (local $p i32)
      (local.set $p (global.get $heap)) (global.set $heap (i32.add (global.get $heap) (local.get $n))) (local.get $p))
    (func (export "free") (param i32))
    (func (export "run") (param i32 i32) (result i64) (local $i i32)
      (loop $again (drop (call $host (i32.const 16) (i32.const 8)))
        (br_if $again (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 1000))))
      (i64.const 0)))`;
  const parsed = wabt.parseWat('host-calls.wat', wat, {});
  return parsed.toBinary({}).buffer as Uint8Array<ArrayBuffer>;
}

async function hostCalls(): Promise<void> {
  const reply = new Uint8Array(8);
  const sandbox = new Sandbox({ minWorkers: 1, maxWorkers: 1, hostFunctions: ['echo'], hostCall: async () => ({ ok: true, bytes: reply }) });
  try {
    // args_sizes_get is answered by the WASI shim in the worker itself: the cost of a plain import call.
    const local = await sandbox.load('local', await hostCallGuest('wasi_snapshot_preview1', 'args_sizes_get', 'i32'));
    const remote = await sandbox.load('remote', await hostCallGuest('env', 'echo', 'i64'));
    const perCall = (stats: Stats) => ({ ...stats, p50: stats.p50 / 1000, p99: stats.p99 / 1000, perSecond: stats.perSecond * 1000 });
    const baseline = perCall(await measure('import answered in the worker (baseline)', 200, 1, () => sandbox.call(local, 'run', REQUEST, { timeoutMs: 60_000 })));
    const subject = perCall(await measure('host call via the main thread', 200, 1, () => sandbox.call(remote, 'run', REQUEST, { timeoutMs: 60_000 })));
    print('4. One host call round trip (per call, from 1,000 per rpc)', { ...baseline, name: 'import answered in the worker (baseline)' }, { ...subject, name: 'host call via the main thread' });
  } finally {
    await sandbox.close();
  }
}

async function interrupting(wasm: Uint8Array<ArrayBuffer>): Promise<void> {
  const sandbox = new Sandbox({ minWorkers: 2, maxWorkers: 2 });
  try {
    const wabt = await (await import('wabt')).default();
    const spin = wabt.parseWat('spin.wat', `(module (memory (export "memory") 1) (func (export "malloc") (param i32) (result i32) (i32.const 16))
      (func (export "free") (param i32)) (func (export "run") (param i32 i32) (result i64) (loop $l (br $l)) (i64.const 0)))`, {});
    const spinner = await sandbox.load('spin', spin.toBinary({}).buffer as Uint8Array<ArrayBuffer>);
    const fixture = await sandbox.load('fixture', wasm);
    const overshoots: number[] = [];
    for (let i = 0; i < 30; i++) {
      const deadline = Date.now() + 20;
      await sandbox.call(spinner, 'run', REQUEST, { deadline, timeoutMs: 10_000 }).catch(() => overshoots.push(Date.now() - deadline));
      // The next call must not wait for a replacement worker: a spare takes the terminated one's place.
      await sandbox.call(fixture, EXPORT, REQUEST, { timeoutMs: 10_000 });
    }
    overshoots.sort((a, b) => a - b);
    console.log(`\n5. Interrupting a guest spinning past a 20 ms deadline (30 runs)`);
    console.log(`  overshoot past the deadline: p50 ${overshoots[15]} ms, max ${overshoots[29]} ms (target: at most 5 ms)`);
    const without = await measure('no deadline timer (baseline)', 5_000, 4, () => sandbox.call(fixture, EXPORT, REQUEST, { timeoutMs: Infinity }));
    const armed = await measure('deadline armed on every call', 5_000, 4, () => sandbox.call(fixture, EXPORT, REQUEST, { timeoutMs: 10_000 }));
    print('  Throughput cost of being interruptible (concurrency 4)', without, armed);
    console.log(`  throughput ratio (armed / baseline): ${(armed.perSecond / without.perSecond).toFixed(3)} (target: at least 0.95)`);
  } finally {
    await sandbox.close();
  }
}

async function main(): Promise<void> {
  const wasm = new Uint8Array(readFileSync(path.join(FIXTURE, 'plugin.wasm')));
  const module = await WebAssembly.compile(wasm);
  console.log(`ndphost bench: node ${process.version}, fixture plugin ${wasm.length} bytes`);
  await guestCalls(module);
  await sandboxCalls(wasm, module);
  await grpcCalls(1, 3_000);
  await grpcCalls(16, 8_000);
  await hostCalls();
  await interrupting(wasm);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
