import { NdpError } from '../errors';
import type { Caller } from './caller';
import type { Job } from './protocol';

/**
 * How long a call may take, and whose fault it is when its time runs out. Only a plugin that
 * ran for its whole own time limit failed; a caller's short deadline, or time spent waiting for
 * a free worker, says nothing about the plugin and must never count towards its quarantine
 * (issue 8, item 4).
 */
export interface CallLimits {
  /** The caller's deadline (epoch ms); absent or Infinity when it set none. Passing it is `deadline`. */
  readonly deadline?: number;
  /**
   * The plugin's own time limit, counted from when a worker starts the call (Plugins.CallTimeout,
   * InitTimeout, TimerCallbackTimeout): running past it is the plugin's fault, `plugin_timeout`.
   * A call also waits at most this long for a free worker (`deadline`: not the plugin's fault).
   */
  readonly timeoutMs: number;
  /** A load-time check (api version, OnInit): it never waits long behind other plugins' jobs. */
  readonly loadTime?: boolean;
  /**
   * The incoming call, watched while the job waits (queued or written ahead) and read when it
   * would start: a job whose caller has cancelled is dropped (`cancelled`) instead of run. Absent
   * for calls the host starts.
   */
  readonly caller?: Caller;
  /**
   * The call's trace context, opaque here: handed to every host call the plugin makes, so its
   * outgoing HTTP requests continue the caller's trace. Absent when tracing is off.
   */
  readonly trace?: unknown;
}

/** The end of a wait for a worker, or of a run, that starts `now`; `own` when it is the plugin's time limit, not the caller's deadline. */
export interface TimeLimit {
  readonly at: number;
  readonly own: boolean;
}

export function timeLimit(limits: CallLimits, now: number): TimeLimit {
  const own = now + limits.timeoutMs;
  const callers = limits.deadline ?? Infinity;
  return own <= callers ? { at: own, own: true } : { at: callers, own: false };
}

/** Where a call was when its time ran out. */
export type Phase = 'before-start' | 'queued' | 'running';

/** The error for a waiting job (queued or written ahead) whose caller cancelled before a worker took it. */
export function cancelledError(job: Job): NdpError {
  return new NdpError('cancelled', `plugin ${job.pluginId}: export ${job.exportName} was not called: its caller cancelled the call`, { pluginId: job.pluginId, export: job.exportName });
}

/** The error for a call whose time ran out: `plugin_timeout` only for a plugin that used up its own limit running. */
export function timeUpError(job: Job, limits: CallLimits, phase: Phase, limit?: TimeLimit): NdpError {
  const context = { pluginId: job.pluginId, export: job.exportName };
  const call = `plugin ${job.pluginId}: export ${job.exportName}`;
  if (phase === 'before-start') return new NdpError('deadline', `${call} was not called: the caller's deadline had already passed`, context);
  if (phase === 'queued') {
    const reason = limit?.own ? `it waited ${limits.timeoutMs} ms` : "the caller's deadline passed";
    return new NdpError('deadline', `${call} did not start: every worker was busy and ${reason}`, context);
  }
  if (limit?.own) return new NdpError('plugin_timeout', `${call} did not finish within its ${limits.timeoutMs} ms time limit`, context);
  return new NdpError('deadline', `${call} did not finish before the caller's deadline`, context);
}
