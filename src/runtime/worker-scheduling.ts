/**
 * How the kernel schedules the pool's worker threads. Under "batch" each worker is a SCHED_BATCH
 * thread (Linux): a worker the serving thread wakes with a job then waits for that thread to
 * yield its CPU instead of preempting it there and then. Where both share a CPU (on these 2-vCPU
 * machines the load's other CPU is busy) the serving thread finishes its turn, reading every
 * request that has arrived and writing their jobs ahead, and the worker runs them in one go. A
 * batch thread gets its fair share of CPU all the same; only wake-up preemption is off.
 *
 * Measured (issue 10, `npm run bench -- --only grpc --repeats 5`, the same run against a bare
 * grpc-js server): at c=16 throughput 0.84x -> 1.00x of bare and server CPU per call 1.45x ->
 * 1.29x; at c=1, with nothing to batch, ~3-5% more CPU and 5-10 us of p50 (RATIONALE.md). So the
 * default, "adaptive", switches between the two with the pool's load.
 *
 * Node has no API for a thread's scheduling policy, so the pool asks util-linux's `chrt` to set
 * it, through one shell started with the pool (chrt-helper.ts), off the call path: the worker
 * tells the pool which OS thread it is when it starts. Without Linux or chrt the workers keep the
 * normal policy and serve all the same.
 */
import { readlinkSync } from 'node:fs';
import { parentPort, type Worker } from 'node:worker_threads';
import { ChrtHelper } from './chrt-helper';

/**
 * "batch": workers yield to the thread that woke them (SCHED_BATCH); "normal": the kernel's
 * default; "adaptive": normal while the pool is idle, batch while it is busy (WorkerPolicies).
 */
export type WorkerScheduling = 'adaptive' | 'batch' | 'normal';

/** A worker's first message on its parent port. */
interface ThreadReport {
  readonly type: 'thread';
  /** The worker's OS thread id. */
  readonly tid: number;
}

/** The worker's end: tells the pool which OS thread it runs on (Linux only; elsewhere nothing). */
export function reportThread(): void {
  let tid: number;
  try {
    // "<pid>/task/<tid>"
    tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return;
  }
  if (Number.isInteger(tid)) parentPort?.postMessage({ type: 'thread', tid } satisfies ThreadReport);
}

/** Calls the pool holds above which it counts as busy: more than the one call an idle client makes. */
const BUSY_CALLS = 1;
/**
 * An adaptive pool goes back to the normal policy once it has not been busy for this long. It
 * also bounds how often the policy switches: twice per quiet spell at most.
 */
export const ADAPTIVE_IDLE_MS = 5_000;

/**
 * The pool's end: the scheduling policy of every worker thread. Each worker gets the current
 * policy once it has said which thread it is; `unavailable` is told why when a policy cannot be
 * set (not for a worker that exited first).
 *
 * Under "adaptive" the workers are normal while the pool is idle and batch while it is busy, the
 * better of the two for each (RATIONALE.md): a single caller's call at a time gains nothing from
 * batching, and there a worker that preempts the serving thread at the job's notification, so
 * that the reply is ready when the serving thread gets its CPU back, saves it a sleep and a
 * wake-up per call (c=1: ~5 us of CPU per call). The pool reports how many calls it holds at each
 * dispatch ({@link load}); a busy one makes the workers batch at once. They go back to normal on
 * a timer once the pool has not been busy for `idleMs`, during the quiet spell: decided at the next
 * call instead, as it was, a burst after a pause began by switching to normal, and then, held by a
 * limit of one switch a second that spawning chrt needed, ran its first second under it.
 */
export class WorkerPolicies {
  /** Each live worker's OS thread, once reported. */
  private readonly threads = new Map<Worker, number>();
  private readonly chrt: ChrtHelper | undefined;
  private batch: boolean;
  private busyAt = -Infinity;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly scheduling: WorkerScheduling,
    private readonly unavailable: (reason: string) => void,
    private readonly idleMs = ADAPTIVE_IDLE_MS,
  ) {
    // An adaptive pool starts idle.
    this.batch = scheduling === 'batch';
    if (scheduling !== 'normal' && process.platform === 'linux') this.chrt = new ChrtHelper();
  }

  /** A new worker: its thread gets the current policy once it reports which thread it is. */
  add(worker: Worker): void {
    if (this.chrt === undefined) return;
    worker.once('exit', () => this.threads.delete(worker));
    worker.once('message', (message: ThreadReport) => {
      if (message.type !== 'thread' || worker.threadId < 0) return;
      this.threads.set(worker, message.tid);
      if (this.batch) this.apply(worker, message.tid);
    });
  }

  /** Told at each dispatch how many calls the pool holds (queued, written ahead, running; load-time checks aside). */
  load(calls: number): void {
    if (this.scheduling !== 'adaptive' || calls <= BUSY_CALLS) return;
    this.busyAt = Date.now();
    if (this.batch) return;
    this.switchTo(true);
    this.whenIdle(this.idleMs);
  }

  /** Stops switching, and ends the shell that runs chrt. */
  close(): void {
    clearTimeout(this.idleTimer);
    this.chrt?.close();
  }

  /** Goes back to normal once the pool has been quiet for idleMs: checked when the last busy moment could have been that long ago. */
  private whenIdle(delay: number): void {
    // unref: a pool's policy is no reason to keep the process alive.
    this.idleTimer = setTimeout(() => {
      const quiet = Date.now() - this.busyAt;
      if (quiet >= this.idleMs) this.switchTo(false);
      else this.whenIdle(this.idleMs - quiet);
    }, delay).unref();
  }

  private switchTo(batch: boolean): void {
    this.batch = batch;
    for (const [worker, tid] of this.threads) this.apply(worker, tid);
  }

  private apply(worker: Worker, tid: number): void {
    this.chrt?.set(this.batch ? '--batch' : '--other', tid, (failure) => {
      // A worker that exited meanwhile (replaced, or the pool closed) has no thread to set.
      if (failure !== undefined && this.threads.has(worker)) this.unavailable(failure);
    });
  }
}
