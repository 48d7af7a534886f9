import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { Sandbox, type HostCaller, type HostReply } from '../../src/runtime';
import { createChannelBuffer, FRAME, HostChannel } from '../../src/runtime/host-channel';
import { defer } from '../helpers/defer';
import { guestWat } from '../helpers/guest-wat';
import { REPO_ROOT } from '../helpers/paths';
import { watToWasm } from '../helpers/wat';

const STRAY_NOTIFY_WORKER = path.join(REPO_ROOT, 'test', 'fixtures', 'workers', 'stray-notify-worker.js');
const GUEST_CHANNEL_WORKER = path.join(REPO_ROOT, 'test', 'fixtures', 'workers', 'guest-channel-worker.js');
const REQUEST = 'request!';

/**
 * A guest whose `run` makes `calls` host calls to env.get_plugin_config, each with the request
 * "request!", and checks every byte of every reply against its own marker byte. The first reply
 * that is not wholly its own (a foreign plugin's bytes, its own request read back, a short
 * message) is returned at once as the rpc's output; otherwise the last reply is.
 */
function checkingGuest(marker: number, calls: number): string {
  return `(module
    (import "env" "get_plugin_config" (func $host (param i32 i32) (result i64)))
    (memory (export "memory") 3)
    (data (i32.const 16) "${REQUEST}")
    ;; Replies and the rpc input all land at 1024: each reply is checked before the next call.
    (func (export "malloc") (param i32) (result i32) (i32.const 1024))
    (func (export "free") (param i32))
    (func (export "run") (param i32 i32) (result i64) (local $i i32) (local $j i32) (local $r i64) (local $p i32) (local $len i32)
      (loop $calls
        (local.set $r (call $host (i32.const 16) (i32.const ${REQUEST.length})))
        (local.set $p (i32.wrap_i64 (i64.shr_u (local.get $r) (i64.const 32))))
        (local.set $len (i32.wrap_i64 (local.get $r)))
        (if (i32.eqz (local.get $len)) (then (return (local.get $r))))
        (local.set $j (i32.const 0))
        (loop $bytes
          (if (i32.ne (i32.load8_u (i32.add (local.get $p) (local.get $j))) (i32.const ${marker})) (then (return (local.get $r))))
          (br_if $bytes (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 1))) (local.get $len))))
        (br_if $calls (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const ${calls}))))
      (local.get $r)))`;
}

describe('host channel hammer', () => {
  const PLUGINS = ['alpha', 'bravo', 'charlie'];
  const MARKERS: Record<string, number> = { alpha: 0x61, bravo: 0x62, charlie: 0x63 };

  it('under stray wake-ups, 3 plugins on 2 workers and 16 callers: every rpc succeeds with only its own bytes', async () => {
    const garbled: string[] = [];
    let served = 0;
    // Replies vary in size (some span two chunks of the 64 KiB channel) and in how long the host
    // takes (at once, after a turn of the event loop, after a timer), so guests wait both by
    // spinning and by sleeping in Atomics.wait.
    const hostCall = async (caller: HostCaller, _name: string, request: Uint8Array): Promise<HostReply> => {
      if (Buffer.from(request).toString() !== REQUEST) garbled.push(`${caller.pluginId} sent ${JSON.stringify(Buffer.from(request).toString('latin1').slice(0, 40))}`);
      const n = ++served;
      if (n % 8 === 1) await new Promise((resolve) => setTimeout(resolve, 0));
      else if (n % 2 === 0) await new Promise((resolve) => setImmediate(resolve));
      const size = n % 97 === 0 ? 70 * 1024 + (n % 13) : 1 + (n % 61);
      return { ok: true, bytes: new Uint8Array(size).fill(MARKERS[caller.pluginId]) };
    };
    const sandbox = new Sandbox({ minWorkers: 1, maxWorkers: 2, hostFunctions: ['get_plugin_config'], hostCall, workerScript: STRAY_NOTIFY_WORKER });
    try {
      const modules = await Promise.all(PLUGINS.map(async (id) => sandbox.load(id, (await watToWasm(checkingGuest(MARKERS[id], 300), `${id}.wat`)) as Uint8Array<ArrayBuffer>)));
      const outcomes = await Promise.all(
        Array.from({ length: 16 }, async (_, caller) => {
          const seen: string[] = [];
          for (let rpc = 0; rpc < 5; rpc++) {
            const module = modules[(caller + rpc) % modules.length];
            try {
              const output = await sandbox.call(module, 'run', new Uint8Array([caller]), { timeoutMs: 60_000 });
              const foreign = output.length === 0 || output.some((byte) => byte !== MARKERS[module.pluginId]);
              if (foreign) seen.push(`${module.pluginId} got ${JSON.stringify(Buffer.from(output).toString('latin1').slice(0, 40))}`);
            } catch (error) {
              seen.push(`${module.pluginId} failed: ${(error as Error).message}`);
            }
          }
          return seen;
        }),
      );
      expect(outcomes.flat()).toEqual([]);
      expect(garbled).toEqual([]);
      expect(served).toBe(16 * 5 * 300);
    } finally {
      await sandbox.close();
    }
  });
});

describe('a host call that outlives its job', () => {
  it('is dropped when its handler finally answers: the next call on that worker gets only its own reply', async () => {
    const late = defer<HostReply>();
    const entered = { late: defer<void>(), own: defer<void>() };
    let own = defer<HostReply>();
    const sandbox = new Sandbox({
      minWorkers: 1,
      maxWorkers: 1,
      hostFunctions: ['late', 'own'],
      async hostCall(_caller, name) {
        entered[name as 'late' | 'own'].resolve();
        return name === 'late' ? late.promise : own.promise;
      },
    });
    const guest = (name: string) => guestWat(`(call $host (local.get $ptr) (local.get $len))`, `(import "env" "${name}" (func $host (param i32 i32) (result i64)))`);
    try {
      const expired = await sandbox.load('expired', (await watToWasm(guest('late'))) as Uint8Array<ArrayBuffer>);
      const next = await sandbox.load('next', (await watToWasm(guest('own'))) as Uint8Array<ArrayBuffer>);
      // A warm worker first, so the short deadline below is spent in the host call, not in start-up.
      own.resolve({ ok: true, bytes: Buffer.from('warm') });
      await sandbox.call(next, 'run', new Uint8Array([0]), { timeoutMs: 30_000 });
      [entered.own, own] = [defer<void>(), defer<HostReply>()];
      const stuck = sandbox.call(expired, 'run', new Uint8Array([1]), { timeoutMs: 200 }).catch((error: unknown) => error);
      await Promise.race([entered.late.promise, stuck]);
      await expect(stuck).resolves.toMatchObject({ kind: 'plugin_timeout', pluginId: 'expired' });
      const answer = sandbox.call(next, 'run', new Uint8Array([2]), { timeoutMs: 30_000 });
      await entered.own.promise;
      late.resolve({ ok: true, bytes: Buffer.from('secret of the expired call') });
      await new Promise((resolve) => setImmediate(resolve));
      own.resolve({ ok: true, bytes: Buffer.from('own reply') });
      await expect(answer).resolves.toEqual(new Uint8Array(Buffer.from('own reply')));
    } finally {
      await sandbox.close();
    }
  });
});

describe('host channel protocol', () => {
  const text = (bytes: Uint8Array) => Buffer.from(bytes).toString();
  let buffer: SharedArrayBuffer;
  let guest: Worker;
  let host: HostChannel;
  let held: ReturnType<typeof defer<HostReply>>;

  beforeEach(() => {
    buffer = createChannelBuffer();
    guest = new Worker(GUEST_CHANNEL_WORKER, { workerData: buffer });
    held = defer<HostReply>();
    host = new HostChannel(buffer);
    // "hold" waits for the test to answer; anything else is answered at once.
    host.serve(async (_index, request) => (text(request) === 'hold' ? held.promise : { ok: true, bytes: Buffer.from(`reply:${text(request)}`) }));
  });
  afterEach(async () => {
    host.close();
    await guest.terminate();
  });

  /** One blocking call on the guest's thread; resolves to the reply the guest took. */
  const call = (request: string): Promise<HostReply> =>
    new Promise((resolve) => {
      guest.once('message', resolve);
      guest.postMessage({ index: 0, bytes: Buffer.from(request) });
    });

  /** Resolves once the guest has handed its request over and waits for the host. */
  async function guestWaiting(): Promise<void> {
    const header = new Int32Array(buffer);
    for (let state = Atomics.load(header, FRAME.STATE); state !== FRAME.HOST_TURN; state = Atomics.load(header, FRAME.STATE)) {
      const waiting = Atomics.waitAsync(header, FRAME.STATE, state);
      if (waiting.async) await waiting.value;
    }
  }

  /** Plays a broken host: once the guest waits, hands it a reply frame numbered for another exchange. */
  async function forgeReply(): Promise<void> {
    await guestWaiting();
    const header = new Int32Array(buffer);
    header[FRAME.SEQ] += 7;
    Atomics.store(header, FRAME.STATE, FRAME.GUEST_TURN);
    Atomics.notify(header, FRAME.STATE);
  }

  it('a reply frame numbered for another exchange is refused, never handed to the guest', async () => {
    const refused = call('hold');
    await forgeReply();
    await expect(refused).resolves.toEqual({ ok: false, fault: 'host', message: expect.stringMatching(/^the host channel is out of step: a frame of exchange \d+ came back for exchange \d+, and was refused$/) });
  });

  it('after a reset, the abandoned exchange is dropped unwritten and the next is served at once', async () => {
    const refused = call('hold');
    await forgeReply();
    await expect(refused).resolves.toMatchObject({ ok: false });
    host.reset();
    await expect(call('second')).resolves.toEqual({ ok: true, bytes: new Uint8Array(Buffer.from('reply:second')) });
    held.resolve({ ok: true, bytes: Buffer.from('stale reply of the abandoned exchange') });
    await expect(call('third')).resolves.toEqual({ ok: true, bytes: new Uint8Array(Buffer.from('reply:third')) });
  });

  it('without a reset, a late reply is still never written into the next exchange', async () => {
    const refused = call('hold');
    await forgeReply();
    await expect(refused).resolves.toMatchObject({ ok: false });
    const next = call('next');
    await guestWaiting();
    held.resolve({ ok: true, bytes: Buffer.from('stale reply of the abandoned exchange') });
    await expect(next).resolves.toEqual({ ok: true, bytes: new Uint8Array(Buffer.from('reply:next')) });
  });
});
