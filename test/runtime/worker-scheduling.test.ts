import childProcess, { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { ArtistBiographyRequest, ArtistBiographyResponse } from '../../generated/ts/api';
import { Worker } from 'node:worker_threads';
import { Sandbox, type WorkerScheduling } from '../../src/runtime';
import { ChrtHelper } from '../../src/runtime/chrt-helper';
import { WorkerPolicies } from '../../src/runtime/worker-scheduling';
import { requireDebianPackages } from '../helpers/debian-packages';
import { guestWat } from '../helpers/guest-wat';
import { FIXTURE_PLUGINS } from '../helpers/paths';
import { watToWasm } from '../helpers/wat';

const execFileAsync = promisify(execFile);
const BIOGRAPHY = 'metadata_agent_get_artist_biography';
const SCHED_BATCH = 3;
const fixture = new Uint8Array(readFileSync(path.join(FIXTURE_PLUGINS, 'fixture', 'plugin.wasm')));
const request = ArtistBiographyRequest.encode({ id: '', name: 'x', mbid: '' }).finish();

/** The threads of this process by scheduling policy, as the kernel reports them (proc(5): stat field 41). */
function threadsWithPolicy(policy: number): Set<string> {
  const threads = new Set<string>();
  for (const tid of readdirSync('/proc/self/task')) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // gone since the listing
    }
    // Fields after the command name, which may hold spaces and parentheses: state is field 3.
    if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[41 - 3]) === policy) threads.add(tid);
  }
  return threads;
}

/** The threads made SCHED_BATCH since this was called, listed afresh on each call of the function it returns. */
function batchThreadsSinceNow(): () => string[] {
  const before = threadsWithPolicy(SCHED_BATCH);
  return () => [...threadsWithPolicy(SCHED_BATCH)].filter((tid) => !before.has(tid));
}

/** A worker thread that reports its OS thread as a pool's worker does, then idles. */
function reportingWorker(): Worker {
  return new Worker(`require(${JSON.stringify(path.resolve(__dirname, '../../src/runtime/worker-scheduling'))}).reportThread(); setInterval(() => {}, 60_000);`, { eval: true });
}

/** Once the worker has reported its thread: whether the kernel has that thread as SCHED_BATCH. Call before the worker can have reported. */
async function batchProbe(worker: Worker): Promise<() => boolean> {
  const tid = String(await new Promise<number>((resolve) => worker.once('message', (message: { tid: number }) => resolve(message.tid))));
  return () => threadsWithPolicy(SCHED_BATCH).has(tid);
}

/** Polls until `check` holds, at most `ms`; returns whether it did. */
async function eventually(check: () => boolean, ms: number): Promise<boolean> {
  for (const until = Date.now() + ms; Date.now() < until; await sleep(20)) if (check()) return true;
  return check();
}

async function withSandbox(options: { workerScheduling?: WorkerScheduling; onSchedulingUnavailable?: (reason: string) => void }, use: (sandbox: Sandbox) => Promise<void>): Promise<void> {
  const sandbox = new Sandbox({ minWorkers: 1, maxWorkers: 1, ...options });
  try {
    await use(sandbox);
  } finally {
    await sandbox.close();
  }
}

async function callFixture(sandbox: Sandbox): Promise<string> {
  const module = await sandbox.load('fixture', fixture);
  return ArtistBiographyResponse.decode(await sandbox.call(module, BIOGRAPHY, request, { timeoutMs: 10_000 })).biography;
}

const linux = process.platform === 'linux';

(linux ? describe : describe.skip)('worker scheduling (Linux)', () => {
  beforeAll(() => requireDebianPackages('Worker scheduling'));

  it('"batch" makes each worker thread SCHED_BATCH and leaves the serving thread as it was', async () => {
    const added = batchThreadsSinceNow();
    const unavailable: string[] = [];
    await withSandbox({ workerScheduling: 'batch', onSchedulingUnavailable: (reason) => unavailable.push(reason) }, async (sandbox) => {
      expect(await callFixture(sandbox)).toBe('fixture:x:calls=1');
      // One worker and the spare kept for replacements.
      expect(await eventually(() => added().length === 2, 5_000)).toBe(true);
      expect(added()).not.toContain(String(process.pid));
      expect(await callFixture(sandbox)).toBe('fixture:x:calls=1');
    });
    expect(unavailable).toEqual([]);
    expect(threadsWithPolicy(SCHED_BATCH).has(String(process.pid))).toBe(false);
  });

  it('"normal" (the runtime default) leaves every thread as it was', async () => {
    const added = batchThreadsSinceNow();
    await withSandbox({}, async (sandbox) => {
      expect(await callFixture(sandbox)).toBe('fixture:x:calls=1');
      // Long enough for chrt to have run, had it been asked to (the batch test sees it well within this).
      await sleep(500);
      expect(added()).toEqual([]);
    });
  });

  it('"adaptive" leaves the workers normal while calls come one at a time, and makes them batch once calls wait', async () => {
    const added = batchThreadsSinceNow();
    await withSandbox({ workerScheduling: 'adaptive' }, async (sandbox) => {
      for (let call = 0; call < 5; call++) expect(await callFixture(sandbox)).toBe('fixture:x:calls=1');
      await sleep(500);
      expect(added()).toEqual([]);
      // One worker: the other calls wait for it.
      expect(await Promise.all(Array.from({ length: 8 }, () => callFixture(sandbox)))).toEqual(Array(8).fill('fixture:x:calls=1'));
      expect(await eventually(() => added().length === 2, 5_000)).toBe(true);
      expect(added()).not.toContain(String(process.pid));
    });
  });

  it('"adaptive" does not count load-time checks: many at once, as a start-up makes them, leave the workers normal', async () => {
    const added = batchThreadsSinceNow();
    await withSandbox({ workerScheduling: 'adaptive' }, async (sandbox) => {
      const module = await sandbox.load('fixture', fixture);
      const versions = await Promise.all(Array.from({ length: 8 }, () => sandbox.apiVersion(module, 'metadata_agent_api_version', 5_000)));
      expect(versions).toEqual(Array(8).fill(1));
      // Long enough for chrt to have run, had the pool been counted busy (the test above sees it well within this).
      await sleep(500);
      expect(added()).toEqual([]);
      // The first call after them runs on normal workers too, and calls that wait still count.
      expect(await callFixture(sandbox)).toBe('fixture:x:calls=1');
      expect(await Promise.all(Array.from({ length: 8 }, () => callFixture(sandbox)))).toEqual(Array(8).fill('fixture:x:calls=1'));
      expect(await eventually(() => added().length === 2, 5_000)).toBe(true);
    });
  });

  it('a worker taking over from one terminated at its time limit runs under the current policy, and so does the new spare', async () => {
    const added = batchThreadsSinceNow();
    await withSandbox({ workerScheduling: 'adaptive' }, async (sandbox) => {
      const spinner = await sandbox.load('wat', (await watToWasm(guestWat('(loop $spin (br $spin)) (i64.const 0)'))) as Uint8Array<ArrayBuffer>);
      const spinning = sandbox.call(spinner, 'run', new Uint8Array([1]), { timeoutMs: 500 }).catch((error: unknown) => error);
      // Calls waiting behind the spinner on the one worker: the pool is busy, so batch.
      const waiting = Promise.all(Array.from({ length: 3 }, () => callFixture(sandbox)));
      expect(await eventually(() => added().length === 2, 5_000)).toBe(true);
      const first = added();
      await expect(spinning).resolves.toMatchObject({ kind: 'plugin_timeout' });
      // The spare took over the waiting calls; a new spare started behind it.
      expect(await waiting).toEqual(Array(3).fill('fixture:x:calls=1'));
      // Nothing has called since: the pool has had no reason to go back to normal.
      expect(await eventually(() => added().length === 2 && added().some((tid) => !first.includes(tid)), 5_000)).toBe(true);
    });
  });

  it('"adaptive" goes back to normal during the quiet spell after its last busy moment, and to batch at the next busy one', async () => {
    const worker = reportingWorker();
    const unavailable: string[] = [];
    const idleMs = 1_000;
    const policies = new WorkerPolicies('adaptive', (reason) => unavailable.push(reason), idleMs);
    try {
      policies.add(worker);
      const isBatch = await batchProbe(worker);
      // Waits for chrt to have set `batch`, then a while longer to see that it stays.
      const settles = async (batch: boolean): Promise<boolean> => {
        if (!(await eventually(() => isBatch() === batch, 5_000))) return false;
        await sleep(300);
        return isBatch() === batch;
      };
      policies.load(1);
      expect(await settles(false)).toBe(true);
      policies.load(2);
      expect(await settles(true)).toBe(true);
      // Busy moments more often than idleMs, for twice idleMs: batch throughout.
      for (const until = Date.now() + 2 * idleMs; Date.now() < until; await sleep(100)) {
        policies.load(2);
        expect(isBatch()).toBe(true);
      }
      // Calls one at a time are not busy moments, and no call is needed for the switch back.
      policies.load(1);
      expect(await eventually(() => !isBatch(), idleMs + 5_000)).toBe(true);
      // Just switched back: busy again at once is batch at once.
      policies.load(2);
      expect(await settles(true)).toBe(true);
      expect(unavailable).toEqual([]);
    } finally {
      policies.close();
      await worker.terminate();
    }
  });

  it('every switch goes through one shell started with the policies, which ends when they close: the process is not forked per switch', async () => {
    const worker = reportingWorker();
    const spawned = jest.spyOn(childProcess, 'spawn');
    const executed = jest.spyOn(childProcess, 'execFile');
    const children = () => readFileSync(`/proc/self/task/${process.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    const before = new Set(children());
    const policies = new WorkerPolicies('adaptive', () => {}, 200);
    try {
      expect(spawned).toHaveBeenCalledTimes(1);
      const shells = children().filter((pid) => !before.has(pid));
      expect(shells).toHaveLength(1);
      expect(readFileSync(`/proc/${shells[0]}/cmdline`, 'utf8').split('\0')[0]).toBe('/bin/sh');
      policies.add(worker);
      const isBatch = await batchProbe(worker);
      for (let round = 0; round < 3; round++) {
        policies.load(2);
        expect(await eventually(isBatch, 5_000)).toBe(true);
        expect(await eventually(() => !isBatch(), 5_000)).toBe(true);
      }
      expect(spawned).toHaveBeenCalledTimes(1);
      expect(executed).not.toHaveBeenCalled();
      policies.close();
      expect(await eventually(() => !children().includes(shells[0]), 5_000)).toBe(true);
    } finally {
      spawned.mockRestore();
      executed.mockRestore();
      policies.close();
      await worker.terminate();
    }
  });

  it('a shell killed from outside is started again at the next switch, and the workers follow it', async () => {
    const worker = reportingWorker();
    const spawned = jest.spyOn(childProcess, 'spawn');
    const children = () => readFileSync(`/proc/self/task/${process.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    const before = new Set(children());
    const unavailable: string[] = [];
    const policies = new WorkerPolicies('adaptive', (reason) => unavailable.push(reason), 200);
    try {
      policies.add(worker);
      const isBatch = await batchProbe(worker);
      const [shell] = children().filter((pid) => !before.has(pid));
      process.kill(Number(shell), 'SIGKILL');
      expect(await eventually(() => !children().includes(shell), 5_000)).toBe(true);
      policies.load(2);
      expect(await eventually(isBatch, 5_000)).toBe(true);
      expect(await eventually(() => !isBatch(), 5_000)).toBe(true);
      expect(spawned).toHaveBeenCalledTimes(2);
      expect(unavailable).toEqual([]);
    } finally {
      spawned.mockRestore();
      policies.close();
      await worker.terminate();
    }
  });

  it("chrt's shell answers each request in order, a failure with chrt's own words", async () => {
    const helper = new ChrtHelper();
    try {
      // A thread id past pid_max: no such thread.
      const gone = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8')) + 1;
      const ask = (policy: '--batch' | '--other', tid: number) => new Promise<string | undefined>((resolve) => helper.set(policy, tid, resolve));
      const answers = await Promise.all([ask('--batch', gone), ask('--other', process.pid), ask('--other', gone)]);
      expect(answers[0]).toMatch(new RegExp(`^chrt --batch failed: chrt: .*${gone}.*No such process$`));
      expect(answers[1]).toBeUndefined();
      expect(answers[2]).toMatch(/^chrt --other failed: /);
    } finally {
      helper.close();
    }
  });

  it.each(['batch', 'adaptive'] as const)('without chrt the workers serve all the same under "%s", and the reason is told once', async (scheduling) => {
    // A process of its own: PATH is read from the real environment, which jest does not hand tests.
    const empty = mkdtempSync(path.join(os.tmpdir(), 'no-chrt-'));
    const script = `
      const { Sandbox } = require(${JSON.stringify(path.resolve(__dirname, '../../src/runtime'))});
      const unavailable = [];
      const sandbox = new Sandbox({ minWorkers: 1, maxWorkers: 1, workerScheduling: ${JSON.stringify(scheduling)}, onSchedulingUnavailable: (reason) => unavailable.push(reason) });
      (async () => {
        const module = await sandbox.load('fixture', new Uint8Array(Buffer.from(process.argv[1], 'base64')));
        const call = () => sandbox.call(module, ${JSON.stringify(BIOGRAPHY)}, new Uint8Array(Buffer.from(process.argv[2], 'base64')), { timeoutMs: 10000 });
        // Calls at once: an adaptive pool then switches its workers to batch, or tries to.
        const [first] = await Promise.all([call(), call(), call(), call()]);
        // Both workers (the worker and the spare) fail the same way; bounded wait for their reports.
        for (let waited = 0; unavailable.length === 0 && waited < 5000; waited += 20) await new Promise((r) => setTimeout(r, 20));
        await new Promise((r) => setTimeout(r, 300));
        const second = await call();
        console.log(JSON.stringify({ unavailable, replies: [Buffer.from(first).toString('base64'), Buffer.from(second).toString('base64')] }));
        await sandbox.close();
      })();
    `;
    try {
      const { stdout } = await execFileAsync(process.execPath, ['-e', script, Buffer.from(fixture).toString('base64'), Buffer.from(request).toString('base64')], { env: { PATH: empty } });
      const outcome = JSON.parse(stdout) as { unavailable: string[]; replies: string[] };
      expect(outcome.unavailable).toEqual(['chrt (util-linux) is not installed']);
      expect(outcome.replies.map((reply) => ArtistBiographyResponse.decode(Buffer.from(reply, 'base64')).biography)).toEqual(['fixture:x:calls=1', 'fixture:x:calls=1']);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
