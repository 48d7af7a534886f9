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
 * 1.29x; at c=1, with nothing to batch, ~3% more CPU and 5-10 us of p50 (RATIONALE.md).
 *
 * Node has no API for a thread's scheduling policy, so the pool asks util-linux's `chrt` to set
 * it, once per worker, off the call path: the worker tells the pool which OS thread it is when it
 * starts. Without Linux or chrt the workers keep the normal policy and serve all the same.
 */
import { execFile } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { parentPort, type Worker } from 'node:worker_threads';

/** "batch": workers yield to the thread that woke them (SCHED_BATCH); "normal": the kernel's default. */
export type WorkerScheduling = 'batch' | 'normal';

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

/**
 * The pool's end: once `worker` has said which thread it is, makes that thread SCHED_BATCH;
 * `unavailable` is told why when it cannot be done (not for a worker that exited first).
 */
export function scheduleAsBatch(worker: Worker, unavailable: (reason: string) => void): void {
  let exited = false;
  worker.once('exit', () => {
    exited = true;
  });
  worker.once('message', (message: ThreadReport) => {
    if (message.type !== 'thread' || exited) return;
    execFile('chrt', ['--batch', '--pid', '0', String(message.tid)], (error, _stdout, stderr) => {
      if (!error || exited) return;
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      unavailable(missing ? 'chrt (util-linux) is not installed' : `chrt --batch failed: ${stderr.trim() || error.message}`);
    });
  });
}
