import path from 'node:path';
import { readFileSync } from 'node:fs';
import { ArtistBiographyRequest, ArtistBiographyResponse } from '../../generated/ts/api';
import { Sandbox, type HostReply } from '../../src/runtime';
import { WorkerPool } from '../../src/runtime/worker-pool';
import { defer } from '../helpers/defer';
import { guestWat } from '../helpers/guest-wat';
import { FIXTURE_PLUGINS, REPO_ROOT } from '../helpers/paths';
import { watToWasm } from '../helpers/wat';

/**
 * Jobs written ahead into a busy worker's second job slot (worker-pool.ts): they must behave
 * exactly like queued jobs whatever happens to the job in front of them.
 */
const EXITING_WORKER = path.join(REPO_ROOT, 'test', 'fixtures', 'workers', 'exiting-worker.js');
const FORGING_HOST_WORKER = path.join(REPO_ROOT, 'test', 'fixtures', 'workers', 'forging-host-worker.js');
const BIOGRAPHY = 'metadata_agent_get_artist_biography';
const fixtureWasm = () => new Uint8Array(readFileSync(path.join(FIXTURE_PLUGINS, 'fixture', 'plugin.wasm')));
const biographyRequest = (name: string) => ArtistBiographyRequest.encode({ id: '', name, mbid: '' }).finish();
const biography = (output: Uint8Array) => ArtistBiographyResponse.decode(output).biography;
/** A guest that counts to `n` before it answers: CPU time without a clock or a host call. */
const counting = (n: number) => guestWat(`(local $i i32) (loop $count (br_if $count (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const ${n})))) (i64.const 0)`);

/**
 * Jobs submitted together are dispatched in a microtask queued by the first (WorkerPool.run);
 * a microtask queued after it runs after it, before any event (a worker's exit) is handled.
 */
const dispatched = () => Promise.resolve();

async function load(sandbox: Sandbox, id: string, wat: string) {
  return sandbox.load(id, (await watToWasm(wat, `${id}.wat`)) as Uint8Array<ArrayBuffer>);
}

describe('jobs written ahead', () => {
  it('a job behind a call that overruns its limit runs on the replacement worker, not charged for the wait', async () => {
    const sandbox = new Sandbox({ minWorkers: 1, maxWorkers: 1 });
    try {
      const spinner = await load(sandbox, 'spinner', guestWat('(loop $spin (br $spin)) (i64.const 0)'));
      const fixture = await sandbox.load('fixture', fixtureWasm());
      const spinning = sandbox.call(spinner, 'run', new Uint8Array([1]), { timeoutMs: 300 }).catch((error: unknown) => error);
      const behind = sandbox.call(fixture, BIOGRAPHY, biographyRequest('behind'), { timeoutMs: 10_000 });
      await dispatched();
      expect(sandbox.stats).toMatchObject({ workers: 1, busy: 1, queued: 1 });
      await expect(spinning).resolves.toMatchObject({ kind: 'plugin_timeout', pluginId: 'spinner' });
      expect(biography(await behind)).toBe('fixture:behind:calls=1');
    } finally {
      await sandbox.close();
    }
  });

  it('an idle worker takes over a job written ahead behind a long one', async () => {
    const sandbox = new Sandbox({ minWorkers: 2, maxWorkers: 2 });
    try {
      const long = await load(sandbox, 'long', counting(2_000_000_000));
      const short = await load(sandbox, 'short', counting(20_000_000));
      const fixture = await sandbox.load('fixture', fixtureWasm());
      const order: string[] = [];
      const track = (name: string, call: Promise<unknown>) => call.then(() => order.push(name));
      // Worker 1 runs `long`, worker 2 `short`; the fixture call is written behind `long`.
      const calls = [
        track('long', sandbox.call(long, 'run', new Uint8Array([1]), { timeoutMs: 60_000 })),
        track('short', sandbox.call(short, 'run', new Uint8Array([1]), { timeoutMs: 60_000 })),
        track('fixture', sandbox.call(fixture, BIOGRAPHY, biographyRequest('x'), { timeoutMs: 60_000 })),
      ];
      await dispatched();
      expect(sandbox.stats).toMatchObject({ busy: 2, queued: 1 });
      await Promise.all(calls);
      expect(order).toEqual(['short', 'fixture', 'long']);
    } finally {
      await sandbox.close();
    }
  });

  it('a job written behind one whose worker dies is not lost with it: it runs on the replacement', async () => {
    const lost: string[] = [];
    const pool = new WorkerPool({ minWorkers: 1, maxWorkers: 1, workerScript: EXITING_WORKER, onWorkerLost: (reason) => lost.push(reason) });
    try {
      const job = (pluginId: string) => ({ type: 'rpc' as const, hash: 'h', pluginId, exportName: 'run', input: new Uint8Array(0) });
      const first = pool.run(job('first'), { timeoutMs: 10_000 }).catch((error: unknown) => error);
      const second = pool.run(job('second'), { timeoutMs: 10_000 }).catch((error: unknown) => error);
      await dispatched();
      expect(pool.stats).toMatchObject({ busy: 1, queued: 1 });
      // This worker dies on any job: the second call fails only on a worker of its own.
      await expect(first).resolves.toMatchObject({ kind: 'internal', pluginId: 'first', message: 'plugin first: export run failed: worker exited with code 3' });
      await expect(second).resolves.toMatchObject({ kind: 'internal', pluginId: 'second', message: 'plugin second: export run failed: worker exited with code 3' });
      expect(lost).toEqual(['worker exited with code 3', 'worker exited with code 3']);
    } finally {
      await pool.close();
    }
  });

  it('a job written behind one that enters a host call goes back to the queue, and runs on another worker meanwhile', async () => {
    const held = defer<HostReply>();
    const entered = defer<void>();
    const sandbox = new Sandbox({
      minWorkers: 1,
      maxWorkers: 2,
      hostFunctions: ['wait'],
      async hostCall() {
        entered.resolve();
        return held.promise;
      },
    });
    try {
      const waiter = await load(sandbox, 'waiter', guestWat('(call $wait (local.get $ptr) (local.get $len))', '(import "env" "wait" (func $wait (param i32 i32) (result i64)))'));
      const fixture = await sandbox.load('fixture', fixtureWasm());
      const waiting = sandbox.call(waiter, 'run', new Uint8Array([1]), { timeoutMs: 30_000 });
      const behind = sandbox.call(fixture, BIOGRAPHY, biographyRequest('behind'), { timeoutMs: 30_000 });
      await dispatched();
      expect(sandbox.stats).toMatchObject({ workers: 1, busy: 1, queued: 1 });
      await entered.promise;
      // Answered while the host call still holds the first worker.
      expect(biography(await behind)).toBe('fixture:behind:calls=1');
      held.resolve({ ok: true, bytes: Buffer.from('done') });
      await expect(waiting).resolves.toEqual(new Uint8Array(Buffer.from('done')));
    } finally {
      held.resolve({ ok: true, bytes: new Uint8Array(0) });
      await sandbox.close();
    }
  });

  it("a guest that gave up on a host call: the next job's host call is served at once, and the abandoned answer never reaches it", async () => {
    const held = defer<HostReply>();
    const sandbox = new Sandbox({
      minWorkers: 1,
      maxWorkers: 1,
      workerScript: FORGING_HOST_WORKER,
      hostFunctions: ['echo'],
      async hostCall(caller, _name, request) {
        if (caller.pluginId === 'abandoned') return held.promise;
        return { ok: true, bytes: new Uint8Array([...Buffer.from(`${caller.pluginId}:`), ...request]) };
      },
    });
    const echo = guestWat('(call $echo (local.get $ptr) (local.get $len))', '(import "env" "echo" (func $echo (param i32 i32) (result i64)))');
    try {
      const abandoned = await load(sandbox, 'abandoned', echo);
      const next = await load(sandbox, 'next', echo);
      const refused = sandbox.call(abandoned, 'run', Buffer.from('hold'), { timeoutMs: 30_000 }).catch((error: unknown) => error);
      const answer = sandbox.call(next, 'run', Buffer.from('mine'), { timeoutMs: 30_000 });
      await expect(refused).resolves.toMatchObject({ pluginId: 'abandoned', message: expect.stringContaining('out of step') });
      // Served while the abandoned exchange's handler still holds its answer.
      await expect(answer).resolves.toEqual(new Uint8Array(Buffer.from('next:mine')));
      held.resolve({ ok: true, bytes: Buffer.from('stale answer of the abandoned exchange') });
      await expect(sandbox.call(next, 'run', Buffer.from('again'), { timeoutMs: 30_000 })).resolves.toEqual(new Uint8Array(Buffer.from('next:again')));
    } finally {
      held.resolve({ ok: false, fault: 'host', message: 'test over' });
      await sandbox.close();
    }
  });
});
