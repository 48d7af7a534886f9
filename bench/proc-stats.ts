/**
 * What the kernel says a process used, read from /proc: CPU time of every thread of the process
 * (workers and V8's helpers alike) and its resident set.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** A process's CPU time so far, to subtract from a later one ({@link cpuSecondsBetween}). */
export interface CpuSnapshot {
  /** utime + stime of /proc/<pid>/stat, all threads, dead ones included: in clock ticks. */
  readonly ticks: number;
  /** Each live thread's time on a CPU, from its schedstat: in nanoseconds. */
  readonly threads: ReadonlyMap<string, number>;
}

export function cpuSnapshot(pid: number): CpuSnapshot {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces and parentheses: fields are counted after its ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const threads = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      threads.set(tid, onCpuNanoseconds(`/proc/${pid}/task/${tid}`));
    } catch {
      // Exited since the listing: the ticks keep its time (cpuSecondsBetween).
    }
  }
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
  return { ticks: Number(fields[11]) + Number(fields[12]), threads };
}

/**
 * CPU seconds used between two snapshots, all threads, user and system. Counted in nanoseconds
 * per thread: clock ticks (10 ms) were too coarse for a run of a few thousand calls, one tick
 * either way being 3-5% of a c=1 run's figure. A thread that exited in between took its
 * nanoseconds with it: when the ticks, which keep dead threads' time, say more than their own
 * rounding allows, they are the answer.
 */
export function cpuSecondsBetween(before: CpuSnapshot, after: CpuSnapshot): number {
  let nanoseconds = 0;
  for (const [tid, time] of after.threads) nanoseconds += time - (before.threads.get(tid) ?? 0);
  const seconds = nanoseconds / 1e9;
  const ticks = (after.ticks - before.ticks) / TICKS_PER_SECOND;
  return ticks > seconds + 2 / TICKS_PER_SECOND ? ticks : seconds;
}

/** What the process's serving thread (its main thread) used so far. */
export interface ThreadUse {
  /** CPU seconds, from schedstat (nanoseconds, where /proc/<pid>/stat counts clock ticks). */
  readonly cpuSeconds: number;
  /** Times it gave up the CPU to wait (for the network, a reply, a lock). */
  readonly voluntarySwitches: number;
  /** Times another thread took the CPU from it. */
  readonly involuntarySwitches: number;
}

/**
 * The serving thread's share: whether a change moved work off the thread that serves gRPC, and
 * how often the scheduler switched it out (RATIONALE.md, "What the changes of issue 10 bought").
 */
export function servingThreadUse(pid: number): ThreadUse {
  return threadUse(pid, pid);
}

/** One thread's use so far; throws if the thread has exited. */
export function threadUse(pid: number, tid: number): ThreadUse {
  const task = `/proc/${pid}/task/${tid}`;
  const status = readFileSync(`${task}/status`, 'utf8');
  const count = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  return {
    cpuSeconds: onCpuNanoseconds(task) / 1e9,
    voluntarySwitches: count('voluntary_ctxt_switches'),
    involuntarySwitches: count('nonvoluntary_ctxt_switches'),
  };
}

/** A thread's time on a CPU so far (the first field of its schedstat), in nanoseconds; `task` is /proc/<pid>/task/<tid>. */
function onCpuNanoseconds(task: string): number {
  return Number(readFileSync(`${task}/schedstat`, 'utf8').split(' ')[0]);
}

/** Resident set size in bytes. */
export function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : NaN;
}
