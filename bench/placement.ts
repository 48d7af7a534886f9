/**
 * Where the kernel runs the bench's calling thread and a pool worker, fixed with util-linux's
 * `taskset` for a measurement. On these VMs a `Sandbox.call` at c=1 runs in one of two modes that
 * last for seconds (RATIONALE.md, ninth and eighteenth sessions): with both threads on one vCPU each
 * hand-off is a wake-up on the waker's own CPU (the fixture ~23 us), with each on its own vCPU every
 * wake-up is an interrupt to a halted vCPU (~93 us), and the kernel moves between the two as it
 * likes. A ratio of two subjects that each met a different mode measures the mode, not the
 * subjects; pinned, both meet the same one.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { threadUse } from './proc-stats';

interface Placement {
  readonly name: string;
  readonly callerCpu: number;
  readonly workerCpu: number;
}

/** Where a measurement runs. */
export interface Pinning {
  /** As printed beside a goal. */
  readonly name: string;
  /**
   * Runs `measure` there, with the worker of the `subject`th call given to pinnings(), then gives
   * the threads back their CPUs.
   */
  run<T>(measure: () => Promise<T>, subject?: number): Promise<T>;
}

/**
 * The caller and the worker that runs each call on one CPU, then on two; where that cannot be had
 * for every call, one pinning that leaves the threads where the kernel puts them and says why.
 */
export async function pinnings(...calls: ReadonlyArray<() => Promise<unknown>>): Promise<readonly Pinning[]> {
  const fixed = placements();
  const workers: (number | undefined)[] = [];
  if (typeof fixed !== 'string') for (const call of calls) workers.push(await workerThread(call));
  if (typeof fixed === 'string' || workers.includes(undefined)) {
    return [{ name: `threads where the kernel put them: ${typeof fixed === 'string' ? fixed : 'a worker thread was not found'}`, run: (measure) => measure() }];
  }
  return fixed.map((placement) => ({ name: placement.name, run: (measure, subject = 0) => pinned(placement, workers[subject] as number, measure) }));
}

/** Both placements on the first two CPUs this process may use, or why they cannot be had here. */
function placements(): readonly Placement[] | string {
  if (process.platform !== 'linux') return 'not Linux';
  let list: string;
  try {
    // "pid 123's current affinity list: 0-3,6"
    list = execFileSync('taskset', ['-pc', String(process.pid)], { encoding: 'utf8' }).split(':').pop()?.trim() ?? '';
  } catch {
    return 'util-linux taskset is not installed';
  }
  const cpus = list.split(',').flatMap((part) => {
    const [first, last = first] = part.split('-').map(Number);
    return Array.from({ length: last - first + 1 }, (_, k) => first + k);
  });
  if (cpus.length < 2 || cpus.some((cpu) => !Number.isInteger(cpu))) return `this process may use CPUs ${list}: two are needed`;
  return [
    { name: 'caller and worker on one CPU', callerCpu: cpus[0], workerCpu: cpus[0] },
    { name: 'caller and worker on two CPUs', callerCpu: cpus[0], workerCpu: cpus[1] },
  ];
}

function voluntarySwitches(tid: string): number {
  try {
    return threadUse(process.pid, Number(tid)).voluntarySwitches;
  } catch {
    return 0; // The thread has exited.
  }
}

/**
 * The worker thread that runs `call`: the one thread of this process, other than the caller, that
 * goes to sleep about once per call (a worker waits for every job when the caller waits for
 * every reply). Undefined when no one thread does.
 */
async function workerThread(call: () => Promise<unknown>, calls = 300): Promise<number | undefined> {
  const before = new Map(readdirSync('/proc/self/task').map((tid) => [tid, voluntarySwitches(tid)]));
  for (let i = 0; i < calls; i++) await call();
  const sleepers = readdirSync('/proc/self/task').filter((tid) => Number(tid) !== process.pid && voluntarySwitches(tid) - (before.get(tid) ?? 0) >= calls / 2);
  return sleepers.length === 1 ? Number(sleepers[0]) : undefined;
}

/** Runs `measure` with the caller and `worker` pinned as `placement` says, then gives both back their CPUs. */
async function pinned<T>(placement: Placement, worker: number, measure: () => Promise<T>): Promise<T> {
  const masks = [process.pid, worker].map((tid) => [tid, /([0-9a-f]+)\s*$/.exec(execFileSync('taskset', ['-p', String(tid)], { encoding: 'utf8' }))?.[1] ?? 'ffffffff'] as const);
  execFileSync('taskset', ['-pc', String(placement.callerCpu), String(process.pid)], { stdio: 'ignore' });
  execFileSync('taskset', ['-pc', String(placement.workerCpu), String(worker)], { stdio: 'ignore' });
  try {
    return await measure();
  } finally {
    for (const [tid, mask] of masks) execFileSync('taskset', ['-p', mask, String(tid)], { stdio: 'ignore' });
  }
}
