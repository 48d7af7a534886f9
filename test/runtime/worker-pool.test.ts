import path from 'node:path';
import { readFileSync } from 'node:fs';
import { ArtistBiographyRequest, ArtistBiographyResponse } from '../../generated/ts/api';
import { isKind } from '../../src/errors';
import { Sandbox } from '../../src/runtime';
import { WorkerPool } from '../../src/runtime/worker-pool';
import { guestWat } from '../helpers/guest-wat';
import { FIXTURE_PLUGINS, REPO_ROOT } from '../helpers/paths';
import { TestCaller } from '../helpers/test-caller';
import { watFixture, watToWasm } from '../helpers/wat';

const EXITING_WORKER = path.join(REPO_ROOT, 'test', 'fixtures', 'workers', 'exiting-worker.js');
const BIOGRAPHY = 'metadata_agent_get_artist_biography';

describe('WorkerPool', () => {
  it('a worker that dies fails only its job, naming plugin, export and cause, and is replaced', async () => {
    const lost: string[] = [];
    const pool = new WorkerPool({ minWorkers: 2, maxWorkers: 2, workerScript: EXITING_WORKER, onWorkerLost: (reason) => lost.push(reason) });
    try {
      const job = { type: 'rpc' as const, hash: 'h', pluginId: 'victim', exportName: BIOGRAPHY, input: new Uint8Array(0) };
      const error = await pool.run(job, { timeoutMs: 5_000 }).catch((e: unknown) => e);
      expect(isKind(error, 'internal')).toBe(true);
      expect(error).toMatchObject({ pluginId: 'victim', message: `plugin victim: export ${BIOGRAPHY} failed: worker exited with code 3` });
      expect(lost).toEqual(['worker exited with code 3']);
      expect(pool.size).toBe(2);
    } finally {
      await pool.close();
    }
  });

  it('one timer for the pool ends every job at its own limit, whatever order the limits were set in', async () => {
    const sandbox = new Sandbox({ minWorkers: 1, maxWorkers: 1 });
    const request = ArtistBiographyRequest.encode({ id: '', name: 'x', mbid: '' }).finish();
    const since = (started: number) => (error: unknown) => ({ error, after: Date.now() - started });
    try {
      const spinner = await sandbox.load('spinner', (await watToWasm(guestWat('(loop $spin (br $spin)) (i64.const 0)'))) as Uint8Array<ArrayBuffer>);
      const fixture = await sandbox.load('fixture', new Uint8Array(readFileSync(path.join(FIXTURE_PLUGINS, 'fixture', 'plugin.wasm'))));
      // Done at once: the timer stays set for its limit, fires with nothing due, and must be set
      // again for the spinner's. A call first with time to spare: the worker's first call
      // (thread start, the module's first instance) took over 100 ms on a busy machine.
      await sandbox.call(fixture, BIOGRAPHY, request, { timeoutMs: 20_000 });
      await sandbox.call(fixture, BIOGRAPHY, request, { timeoutMs: 100 });
      const started = Date.now();
      const spinning = sandbox.call(spinner, 'run', new Uint8Array([1]), { timeoutMs: 4_000 }).then(() => undefined, since(started));
      await new Promise((resolve) => setTimeout(resolve, 300));
      // Shorter limits than the timer is set for: seven jobs written ahead behind the spinner
      // and, the shortest, one left in the queue (JOB_SLOTS), each of which must end at its own.
      const limits = [1_500, 1_500, 1_500, 1_500, 1_500, 1_500, 1_500, 200];
      const waiting = limits.map((timeoutMs) => sandbox.call(fixture, BIOGRAPHY, request, { timeoutMs }).then(() => undefined, since(started)));
      const ends = await Promise.all(waiting);
      for (const [index, end] of ends.entries()) {
        expect(end?.error).toMatchObject({ kind: 'deadline', message: `plugin fixture: export ${BIOGRAPHY} did not start: every worker was busy and it waited ${limits[index]} ms` });
        expect(end?.after).toBeGreaterThanOrEqual(300 + limits[index]);
        // Had they waited for the timer set for the spinner, they would have ended with it.
        expect(end?.after).toBeLessThan(4_000);
      }
      // Had the timer looked only at jobs written to a worker, the queued one would have waited for those.
      expect(ends[7]?.after).toBeLessThan(300 + 1_500);
      const spun = await spinning;
      expect(spun).toMatchObject({ error: { kind: 'plugin_timeout', pluginId: 'spinner' } });
      expect(spun?.after).toBeGreaterThanOrEqual(4_000);
    } finally {
      await sandbox.close();
    }
  });

  it('a queued job whose caller cancels leaves the queue at once, one whose cancel went unseen when it would start; neither runs', async () => {
    const sandbox = new Sandbox({ minWorkers: 1, maxWorkers: 1 });
    try {
      // The one worker sleeps for 1 s in its first job; seven jobs are written ahead behind it
      // (JOB_SLOTS: the worker takes them itself) and three wait in the queue.
      const { fixture, holding, request } = await holdTheWorker(sandbox);
      const ahead = Array.from({ length: 7 }, () => sandbox.call(fixture, BIOGRAPHY, request, { timeoutMs: 5_000 }));
      const callers = [new TestCaller(), new TestCaller(), new TestCaller()];
      const queued = callers.map((caller) => sandbox.call(fixture, BIOGRAPHY, request, { timeoutMs: 5_000, caller }).then(() => 'answered', (error: unknown) => error));
      await new Promise((resolve) => setImmediate(resolve));
      expect(sandbox.stats.queued).toBe(10);
      const dropped = { kind: 'cancelled', pluginId: 'fixture', message: `plugin fixture: export ${BIOGRAPHY} was not called: its caller cancelled the call` };
      const stillHolding = Symbol('the worker still sleeps');
      // grpc-js's event: out of the queue at once, while the worker still sleeps in its first job.
      callers[0].cancel();
      expect(sandbox.stats.queued).toBe(9);
      await expect(Promise.race([queued[0], holding.then(() => stillHolding)])).resolves.toEqual(expect.objectContaining(dropped));
      // The flag alone (a cancel in a moment nobody watched): dropped when it would start.
      callers[2].cancelled = true;
      await expect(Promise.race([queued[2], new Promise((resolve) => setTimeout(() => resolve(stillHolding), 200))])).resolves.toBe(stillHolding);

      expect(await Promise.all(queued)).toEqual([expect.objectContaining(dropped), 'answered', expect.objectContaining(dropped)]);
      await expect(holding).resolves.toBeDefined();
      expect(await Promise.all(ahead)).toHaveLength(7);
      expect(sandbox.stats).toMatchObject({ busy: 0, queued: 0 });
    } finally {
      await sandbox.close();
    }
  }, 15_000);

  it('a job written ahead whose caller cancels is dropped at once, and its worker passes it over without running it', async () => {
    // Pooled: the fixture's instance counts the calls it ran (calls=<n>), so a cancelled job
    // that ran anyway would show as a gap in the answers of the jobs after it.
    const sandbox = new Sandbox({ minWorkers: 1, maxWorkers: 1, instancePolicy: 'pooled' });
    try {
      const { fixture, holding, request } = await holdTheWorker(sandbox);
      // Seven written ahead behind the sleeping job (JOB_SLOTS); the first, a middle one and the last are cancelled.
      const callers = Array.from({ length: 7 }, () => new TestCaller());
      const ahead = callers.map((caller) =>
        sandbox.call(fixture, BIOGRAPHY, request, { timeoutMs: 5_000, caller }).then((reply) => ArtistBiographyResponse.decode(reply).biography, (error: unknown) => error),
      );
      await new Promise((resolve) => setImmediate(resolve));
      expect(sandbox.stats).toMatchObject({ busy: 1, queued: 7 });
      const stillHolding = Symbol('the worker still sleeps');
      for (const index of [0, 3, 6]) callers[index].cancel();
      const dropped = { kind: 'cancelled', pluginId: 'fixture', message: `plugin fixture: export ${BIOGRAPHY} was not called: its caller cancelled the call` };
      for (const index of [0, 3, 6]) await expect(Promise.race([ahead[index], holding.then(() => stillHolding)])).resolves.toEqual(expect.objectContaining(dropped));
      expect(sandbox.stats).toMatchObject({ busy: 1, queued: 4 });

      await expect(holding).resolves.toBeDefined();
      const cancelled = expect.objectContaining(dropped);
      expect(await Promise.all(ahead)).toEqual([cancelled, 'fixture:x:calls=1', 'fixture:x:calls=2', cancelled, 'fixture:x:calls=3', 'fixture:x:calls=4', cancelled]);
      // The worker serves on: the next call is the instance's fifth.
      expect(ArtistBiographyResponse.decode(await sandbox.call(fixture, BIOGRAPHY, request, { timeoutMs: 5_000 })).biography).toBe('fixture:x:calls=5');
      expect(sandbox.stats).toMatchObject({ busy: 0, queued: 0 });
    } finally {
      await sandbox.close();
    }
  }, 15_000);
});

/**
 * Loads sleepy.wat and the fixture into a one-worker sandbox and starts a call that holds its
 * worker for 1 s (a WASI sleep), so the calls a test makes next wait behind it.
 */
async function holdTheWorker(sandbox: Sandbox) {
  const request = ArtistBiographyRequest.encode({ id: '', name: 'x', mbid: '' }).finish();
  const sleepy = await sandbox.load('sleepy', (await watFixture('sleepy')) as Uint8Array<ArrayBuffer>);
  const fixture = await sandbox.load('fixture', new Uint8Array(readFileSync(path.join(FIXTURE_PLUGINS, 'fixture', 'plugin.wasm'))));
  const holding = sandbox.call(sleepy, BIOGRAPHY, request, { timeoutMs: 5_000 });
  await new Promise((resolve) => setTimeout(resolve, 100));
  return { fixture, holding, request };
}
