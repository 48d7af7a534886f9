/**
 * What the kernel says a process used, read from /proc: CPU time of every thread of the process
 * (utime + stime of /proc/<pid>/stat include all threads, workers and V8's helpers alike) and
 * its resident set.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** CPU seconds the process has used so far, all threads, user and system. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces and parentheses: fields are counted after its ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
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
  const task = `/proc/${pid}/task/${pid}`;
  const status = readFileSync(`${task}/status`, 'utf8');
  const count = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  return {
    cpuSeconds: Number(readFileSync(`${task}/schedstat`, 'utf8').split(' ')[0]) / 1e9,
    voluntarySwitches: count('voluntary_ctxt_switches'),
    involuntarySwitches: count('nonvoluntary_ctxt_switches'),
  };
}

/** Resident set size in bytes. */
export function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : NaN;
}
