import path from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { messageOf, NdpError } from '../errors';
import { cancelledError, timeLimit, timeUpError, type CallLimits, type TimeLimit } from './call-limits';
import { whenCancelled, type Caller } from './caller';
import type { GuestLimits } from './guest-context';
import { createChannelBuffer, HostChannel, type HostReply } from './host-channel';
import type { InstancePolicy } from './instance-source';
import { createSlotBuffer, DEFAULT_SLOT_CAPACITY, KIND_RPC, KIND_VERSION, PoolSlot } from './job-slot';
import { JobTargets } from './job-targets';
import type { FromWorker, Job, ToWorker, WorkerModule, WorkerStart } from './protocol';
import { WorkerPolicies, type WorkerScheduling } from './worker-scheduling';

/** Who is making a host call: taken from the job the worker runs, never from the request. */
export interface HostCaller {
  readonly pluginId: string;
  readonly exportName: string;
  /** When the running call must be done (epoch ms): it bounds every host call the plugin makes. */
  readonly deadline: number;
  /**
   * What the calling plugin version was granted at load, passed with its job and opaque to the
   * pool (the Sandbox types it). Bound to the call when it starts, so a call still running or
   * queued when its plugin is replaced or removed keeps its own version's permissions.
   */
  readonly grant?: unknown;
  /** The running call's trace context (CallLimits.trace). */
  readonly trace?: unknown;
  /** The incoming call it serves (CallLimits.caller): a host call may stop waiting once it is cancelled. */
  readonly caller?: Caller;
}

/** Performs one host function on the main thread; resolves to the reply (never rejects). */
export type HostCallHandler = (caller: HostCaller, name: string, request: Uint8Array) => Promise<HostReply>;

/** A snapshot of the pool's load. */
export interface PoolStats {
  /** Live workers (the spare kept for replacements not counted). */
  readonly workers: number;
  /** Workers running a call. */
  readonly busy: number;
  /** Of those, workers waiting on a host call (holding no CPU). */
  readonly blocked: number;
  /** Calls waiting for a worker: queued, or written ahead behind another call and not started. */
  readonly queued: number;
}

export interface WorkerPoolOptions {
  /** Workers that may run guest code at once (one per CPU but one by default in config). */
  readonly minWorkers: number;
  /** The pool grows up to this while workers are blocked in host calls and calls wait. */
  readonly maxWorkers: number;
  /** Limits every worker enforces on the instances it runs. */
  readonly limits?: GuestLimits;
  /** Host functions offered to guests as `env.<name>`. */
  readonly hostFunctions?: readonly string[];
  readonly hostCall?: HostCallHandler;
  /** How long a worker above minWorkers may stay idle before it is retired. */
  readonly idleMs?: number;
  /** The worker entry; tests put workers that crash in its place. */
  readonly workerScript?: string;
  /** Called when a worker dies or is terminated for overrunning a deadline, for logging. */
  readonly onWorkerLost?: (reason: string) => void;
  /** Fresh instances for every call (default), or instances reused as calls left them. */
  readonly instancePolicy?: InstancePolicy;
  /** How the kernel schedules the workers (worker-scheduling.ts); "normal" by default. */
  readonly workerScheduling?: WorkerScheduling;
  /** Called once, for logging, when workers cannot be scheduled as asked: they keep the normal policy. */
  readonly onSchedulingUnavailable?: (reason: string) => void;
}

/**
 * A job from run() until it settles. A class with every field set at construction, so every
 * job has one shape and the pool's property accesses stay monomorphic (issue 10: objects that
 * grew fields as they went missed the inline caches on every call).
 */
class PendingJob {
  /** The end of the wait for a worker, then of the run: set when either starts (see arm). */
  limit: TimeLimit | undefined = undefined;
  /** A load-time job's grace before it gets a worker of its own. */
  grace: NodeJS.Timeout | undefined = undefined;
  /** The pool's progress when its grace began: moved on by its end, the queue is moving. */
  progressAtGrace = 0;
  /** The worker it was written to: running it, or holding it ahead (Slot.ahead). */
  slot: Slot | undefined = undefined;
  /** Which of that worker's job slots holds it. */
  place = 0;
  settled = false;
  /** Stops watching its caller for a cancel: set while it waits in the queue (see wait). */
  unwatch: (() => void) | undefined = undefined;

  constructor(
    /** Names the job in its slot and its reply. */
    readonly id: number,
    readonly job: Job,
    readonly limits: CallLimits,
    /** Handed to the host-call handler with each host call; never sent to the worker. */
    readonly grant: unknown,
    readonly resolve: (reply: FromWorker) => void,
    readonly reject: (error: NdpError) => void,
  ) {}
}

interface Slot {
  readonly worker: Worker;
  readonly channel: HostChannel;
  /** Where jobs go in and replies come out (job-slot.ts): JOB_SLOTS, which the worker takes in turn. */
  readonly jobs: readonly PoolSlot[];
  /** The job slot the next job written goes into. */
  write: number;
  /** The pool's end of the worker's port: modules, targets, and what does not fit the slot. */
  readonly port: MessagePort;
  /** The indices of the job targets this worker has been sent. */
  readonly known: Set<number>;
  /** The job the worker runs, or has replied to without the reply read yet. */
  pending?: PendingJob;
  /**
   * Jobs written ahead behind `pending`, in the order the worker takes them: it starts each as
   * soon as it has replied to the one before, without waiting for the main thread to read the
   * reply and write the next job (issue 10: that round trip, two thread wake-ups, was most of a
   * call's cost in a fan-out). Only the last can be withdrawn (the worker takes slots in turn);
   * any can be cancelled, and stays here, settled, until the worker has passed it.
   */
  readonly ahead: PendingJob[];
  /** Blocked in a host call: holds no CPU, so another worker may run meanwhile. */
  blocked: boolean;
  idleTimer?: NodeJS.Timeout;
}

const WORKER_SCRIPT = path.join(__dirname, 'worker-entry.js');
const NO_LIMITS: GuestLimits = { maxResponseBytes: Infinity, maxMemoryBytes: Infinity };
const DEFAULT_IDLE_MS = 30_000;
const EMPTY = new Uint8Array(0);
/**
 * Job slots per worker: the job it runs and up to seven written ahead, so a 16-plugin fan-out
 * on two workers is written out at once (two thread wake-ups) instead of job by job as replies
 * are read (a wake-up each). A slot's pages are committed only as far as payloads reach.
 */
const JOB_SLOTS = 8;
// setTimeout fires at once for delays past 2^31-1 ms; such a deadline is as good as none.
const MAX_TIMER_MS = 2 ** 31 - 1;
/**
 * How long a load-time job (api version check, OnInit) waits for a pool that has finished no job
 * before it gets a worker of its own. A plugin whose start function spins holds its worker for
 * InitTimeout, and another plugin's load must not wait behind that (issue 8, item 4); but a
 * queue that moves is no reason for a thread. A start-up with 100 plugins queues 100 checks
 * behind each other, most waiting longer than this for the ones before; lent a worker each,
 * they started 16 workers, and the sidecar took 2.5-2.6 s and 322-323 MiB to serve, against
 * 1.3-1.6 s and 163-164 MiB on one worker when a check is lent one only if the pool has
 * finished no job (nor lent one) since its grace began. One lent past MaxWorkers retires as
 * soon as its job ends (RATIONALE.md, "How many workers?").
 */
const LOAD_GRACE_MS = 100;
/**
 * A worker's young generation, capped at the 2 MiB new space a worker starts with by default:
 * the launcher's V8 option (bin/ndphost) is process-wide and would give every worker the serving
 * thread's 16 MiB minimum, ~30 MiB of RSS each once used, for ~1 KB of JavaScript per call.
 */
const WORKER_YOUNG_GENERATION_MB = 3;

/**
 * Worker threads that run guest calls off the thread serving gRPC. Each worker runs one job at
 * a time; calls wait in a FIFO queue for an idle worker. When none is idle, queued jobs may be
 * written ahead into busy workers' other job slots, to the worker with the fewest first. Until
 * the pool has read the reply before it, such a job counts as queued: its own time limit has
 * not started, and it is withdrawn (if the worker has not taken it) at its deadline, when its
 * worker blocks in a host call, is lost or terminated, or when another worker falls idle first. A worker that
 * overruns a call's time limit or its caller's deadline is terminated (the only way to stop a
 * guest stuck in a loop) and replaced.
 */
export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: PendingJob[] = [];
  private readonly modules = new Map<string, WorkerModule>();
  /** Every job target so far (module, plugin, export), numbered for the job slots. */
  private readonly targets = new JobTargets();
  /**
   * A started worker kept out of rotation: when a worker is terminated for overrunning its
   * deadline, the spare takes its place at once instead of the next calls waiting 25-35 ms for a
   * new thread to start (field-notes.md).
   */
  private spare: Slot | undefined;
  private nextId = 1;
  /**
   * One timer for the pool, due at the earliest limit of any job it holds (or earlier), instead
   * of a timer armed and cleared per job and phase: limits are seconds long and calls take
   * microseconds, so it fires about once per timeout and finds most jobs long gone.
   */
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  /** Jobs submitted in this turn of the event loop, dispatched together at its end (see run). */
  private readonly submitted: PendingJob[] = [];
  private blocked = 0;
  /** Load-time checks run() has taken and not settled: held, but not calls (callsHeld). */
  private loadChecksHeld = 0;
  /** Jobs finished and workers lent so far: whether the queue moves (see LOAD_GRACE_MS). */
  private progress = 0;
  private closed = false;
  /** Told once: every worker meets the same reason. */
  private schedulingReported = false;
  private readonly policies: WorkerPolicies;

  constructor(private readonly options: WorkerPoolOptions) {
    this.policies = new WorkerPolicies(options.workerScheduling ?? 'normal', (reason) => {
      if (this.schedulingReported) return;
      this.schedulingReported = true;
      options.onSchedulingUnavailable?.(reason);
    });
    for (let i = 0; i < options.minWorkers; i++) this.spawn();
    this.spare = this.start();
  }

  /** The number of live workers. */
  get size(): number {
    return this.slots.length;
  }

  /** How loaded the pool is right now, for metrics read at scrape time (never on the call path). */
  get stats(): PoolStats {
    let busy = 0;
    let ahead = 0;
    for (const slot of this.slots) {
      if (slot.pending) busy++;
      // Not those cancelled there, settled, which their worker has yet to pass over.
      for (const pending of slot.ahead) if (!pending.settled) ahead++;
    }
    return { workers: this.slots.length, busy, blocked: this.blocked, queued: this.queue.length + ahead };
  }

  /** Sends a compiled module to every worker once; jobs then name it by hash. */
  addModule(hash: string, module: WorkerModule): void {
    this.modules.set(hash, module);
    this.broadcast({ type: 'module', hash, module });
  }

  dropModule(hash: string): void {
    if (this.modules.delete(hash)) this.broadcast({ type: 'drop', hash });
  }

  /**
   * Runs a job on a worker within its limits; rejects with `plugin_timeout` when the plugin ran
   * for its whole time limit, and with `deadline` when the caller's deadline passed or no worker
   * freed up in time (see call-limits.ts). `grant` reaches the host-call handler with every host
   * call the job makes.
   */
  run(job: Job, limits: CallLimits, grant?: unknown): Promise<FromWorker> {
    if (this.closed) return Promise.reject(new NdpError('shutting_down', 'the sandbox is shutting down'));
    return new Promise((resolve, reject) => {
      if ((limits.deadline ?? Infinity) <= Date.now()) return reject(timeUpError(job, limits, 'before-start'));
      const pending = new PendingJob(this.nextId++, job, limits, grant, resolve, reject);
      if (limits.loadTime) this.loadChecksHeld++;
      this.queue.push(pending);
      if (this.submitted.push(pending) === 1) queueMicrotask(this.dispatchSubmitted);
    });
  }

  /**
   * Dispatches the jobs submitted since the last time, together: a fan-out submits all its
   * plugins' jobs in one go, and written out back to back they reach each worker while it is
   * still awake, instead of one by one at the pace the main thread creates them, each waking a
   * worker that had already finished the one before (a futex wake per job). Jobs that found no
   * worker start waiting within their limit.
   */
  private readonly dispatchSubmitted = (): void => {
    if (this.options.workerScheduling === 'adaptive') this.policies.load(this.callsHeld());
    if (!this.closed) this.dispatch();
    for (const pending of this.submitted) if (!this.closed && !pending.settled && pending.slot?.pending !== pending) this.wait(pending);
    this.submitted.length = 0;
  };

  /** Rejects queued and running calls and stops every worker. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.policies.close();
    const running = this.slots.flatMap((slot) => [slot.pending, ...slot.ahead].filter((pending) => pending !== undefined));
    for (const pending of [...this.queue.splice(0), ...running]) this.settle(pending, new NdpError('shutting_down', 'the sandbox is shutting down'));
    const slots = [...this.slots, ...(this.spare ? [this.spare] : [])];
    this.spare = undefined;
    for (const slot of slots) this.remove(slot);
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      // Read as the job would start too: a caller that gave up in a moment it was not watched
      // (before it queued, or after a worker handed it back) gets no worker's time either.
      if (this.queue[0].limits.caller?.cancelled) {
        this.dropCancelled(this.queue[0]);
        continue;
      }
      const slot = this.idleSlot() ?? this.grow();
      if (slot) this.assign(this.queue.shift() as PendingJob, slot);
      else if (!this.writeAhead()) return;
    }
    this.steal();
  }

  private idleSlot(): Slot | undefined {
    for (const slot of this.slots) if (!slot.pending) return slot;
    return undefined;
  }

  /**
   * Writes the first queued job behind a busy worker's job. Not behind a worker blocked in a
   * host call (it may hold it for long), nor on a pool grown past MaxWorkers by a load check
   * (that worker leaves when free), nor a load-time job (it must stay free to get a worker of
   * its own after its grace), nor one whose input does not fit the slot (its input would stay
   * posted to a worker that may never run it).
   */
  private writeAhead(): boolean {
    const pending = this.queue[0];
    const { job } = pending;
    if (pending.limits.loadTime || this.slots.length > this.options.maxWorkers) return false;
    if (job.type === 'rpc' && job.input.length > DEFAULT_SLOT_CAPACITY) return false;
    let slot: Slot | undefined;
    for (const candidate of this.slots) {
      if (candidate.pending && !candidate.blocked && candidate.ahead.length < JOB_SLOTS - 1 && candidate.ahead.length < (slot?.ahead.length ?? Infinity)) slot = candidate;
    }
    if (!slot) return false;
    this.queue.shift();
    slot.ahead.push(pending);
    pending.slot = slot;
    this.send(slot, pending);
    return true;
  }

  /** An idle worker takes over a job written ahead that its worker has not started. */
  private steal(): void {
    for (const idle of this.slots) {
      if (idle.pending) continue;
      const donor = this.slots.find((candidate) => candidate.ahead.length > 0);
      if (!donor) return;
      const taken = this.withdraw(donor);
      if (taken) this.assign(taken, idle);
    }
  }

  /**
   * Takes back a worker's last job written ahead, if the worker has not started it. Jobs
   * cancelled there are taken back on the way, and not returned: they are settled.
   */
  private withdraw(slot: Slot): PendingJob | undefined {
    for (;;) {
      const last = slot.ahead.at(-1);
      if (!last || !slot.jobs[last.place].retract()) return undefined;
      slot.ahead.pop();
      slot.write = last.place;
      last.slot = undefined;
      if (!last.settled) return last;
    }
  }

  /** Puts a worker's jobs written ahead and not started back at the front of the queue, in order. */
  private requeue(slot: Slot): void {
    for (let taken = this.withdraw(slot); taken; taken = this.withdraw(slot)) this.queue.unshift(taken);
  }

  /** Starts the job on the slot; from now on its own time limit runs. */
  private assign(pending: PendingJob, slot: Slot): void {
    clearTimeout(pending.grace);
    clearTimeout(slot.idleTimer);
    slot.pending = pending;
    pending.slot = slot;
    this.arm(pending);
    this.send(slot, pending);
    this.awaitReply(slot, pending);
  }

  /**
   * A job that found no free worker waits, in the queue or written ahead, at most until its
   * limit, and no longer than its caller: cancelled, it is dropped at once, so it holds no place
   * (MaxConcurrentCalls) until the jobs before it have run, and is never run. Only waiting jobs
   * are watched: only under load do jobs wait.
   */
  private wait(pending: PendingJob): void {
    this.arm(pending);
    if (pending.limits.loadTime) this.graceFor(pending);
    const caller = pending.limits.caller;
    if (caller !== undefined) pending.unwatch = whenCancelled(caller, () => this.dropCancelled(pending));
  }

  /**
   * Drops a job whose caller cancelled: out of the queue, or, written ahead, marked in its slot
   * so its worker passes it over. One its worker has started runs its course.
   */
  private dropCancelled(pending: PendingJob): void {
    const queued = this.queue.indexOf(pending);
    if (queued >= 0) this.queue.splice(queued, 1);
    else if (!pending.slot || pending.slot.pending === pending || !pending.slot.jobs[pending.place].cancel()) return;
    this.settle(pending, cancelledError(pending.job));
  }

  /** Starts the current phase (waiting or running) of a job: its limit, and the pool's timer due by then. */
  private arm(pending: PendingJob): void {
    const now = Date.now();
    pending.limit = timeLimit(pending.limits, now);
    if (pending.limit.at < this.timerAt) this.setTimer(pending.limit.at, now);
  }

  private setTimer(at: number, now: number): void {
    clearTimeout(this.timer);
    const delay = at - now;
    // unref: a call's deadline is no reason to keep the process alive; whoever awaits the call is.
    this.timer = delay <= MAX_TIMER_MS ? setTimeout(this.onTimer, Math.max(0, delay)).unref() : undefined;
    this.timerAt = this.timer ? at : Infinity;
  }

  /** Ends the jobs whose limit has passed, then sets the timer for the earliest limit left. */
  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = Date.now();
    // Expiring one job may settle, requeue or start others (expire): each is looked at as it is then.
    for (const pending of this.held()) if (!pending.settled && pending.limit && pending.limit.at <= now) this.expire(pending);
    let next = Infinity;
    for (const pending of this.held()) if (!pending.settled && pending.limit && pending.limit.at < next) next = pending.limit.at;
    if (next < this.timerAt) this.setTimer(next, Date.now());
  };

  /**
   * How many calls are queued, written ahead or running, without listing them (each dispatch
   * asks). Load-time checks do not count: a start-up or refresh queues them all at once, and
   * counted they made every start's workers batch for the next ADAPTIVE_IDLE_MS, so that the
   * first seconds of calls, one at a time, ran under the policy meant for calls that wait.
   */
  private callsHeld(): number {
    let held = this.queue.length - this.loadChecksHeld;
    for (const slot of this.slots) held += (slot.pending ? 1 : 0) + slot.ahead.length;
    return held;
  }

  /** Every job not settled: queued, written ahead, or running. */
  private held(): PendingJob[] {
    const held = [...this.queue];
    for (const slot of this.slots) {
      if (slot.pending) held.push(slot.pending);
      held.push(...slot.ahead);
    }
    return held;
  }

  private graceFor(pending: PendingJob): void {
    pending.progressAtGrace = this.progress;
    pending.grace = setTimeout(() => this.lend(pending), LOAD_GRACE_MS).unref();
  }

  /**
   * A load-time job still queued after its grace gets a worker of its own, unless the pool has
   * moved on meanwhile: then it waits another grace (see LOAD_GRACE_MS).
   */
  private lend(pending: PendingJob): void {
    const queued = this.queue.indexOf(pending);
    if (queued < 0 || this.closed) return;
    if (this.progress !== pending.progressAtGrace) return this.graceFor(pending);
    this.progress++;
    this.queue.splice(queued, 1);
    this.assign(pending, this.enlist());
  }

  /** Writes a job into the worker's next job slot, sending its target first if the worker lacks it. */
  private send(slot: Slot, pending: PendingJob): void {
    const { job, id } = pending;
    const index = this.targets.index(job.hash, job.pluginId, job.exportName);
    if (!slot.known.has(index)) {
      slot.known.add(index);
      slot.port.postMessage({ type: 'target', index, target: { hash: job.hash, pluginId: job.pluginId, exportName: job.exportName } } satisfies ToWorker);
    }
    const input = job.type === 'rpc' ? job.input : EMPTY;
    const place = (pending.place = slot.write);
    slot.write = (place + 1) % JOB_SLOTS;
    slot.jobs[place].send(id, job.type === 'rpc' ? KIND_RPC : KIND_VERSION, index, input, () => slot.port.postMessage({ type: 'input', id, input } satisfies ToWorker));
  }

  /**
   * Waits for the reply of a worker's current job. Only the current job is awaited: replies are
   * read in the order the worker wrote them, so the port's messages come in that order too.
   */
  private awaitReply(slot: Slot, pending: PendingJob): void {
    slot.jobs[pending.place].whenReplied(pending.id, (replied) => {
      if (replied && slot.pending === pending) this.complete(slot, this.takeReply(slot, pending));
    });
  }

  /** Reads the reply of a worker's current job; resets the host channel first if the job left it out of step. */
  private takeReply(slot: Slot, pending: PendingJob): FromWorker {
    const { id } = pending;
    const jobs = slot.jobs[pending.place];
    // Its guest gave up on a host call: whatever the host answers later must not reach the
    // next job, which the worker starts only once this reply is taken (job-slot.ts, CHANNEL).
    if (jobs.channelOutOfStep) slot.channel.reset();
    return jobs.take(() => {
      // Posted before the slot said REPLY, so it is already in the port's queue.
      const received = receiveMessageOnPort(slot.port);
      return received ? (received.message as FromWorker) : { id, error: { kind: 'internal', message: 'the worker\'s reply was not on its port' } };
    });
  }

  /** Reads every reply already written, in order: the current job's, then maybe the one after it. */
  private drain(slot: Slot): void {
    for (let head = slot.pending; head && slot.jobs[head.place].hasReply; head = slot.pending) this.complete(slot, this.takeReply(slot, head));
  }

  /**
   * A new worker only when fewer than minWorkers can run guest code: the others are blocked in
   * host calls (an HTTP request holds no CPU). CPU-bound calls queue instead, since more
   * threads than CPUs would only slow each one down.
   */
  private grow(): Slot | undefined {
    const running = this.slots.length - this.blocked;
    return running < this.options.minWorkers && this.slots.length < this.options.maxWorkers ? this.spawn() : undefined;
  }

  private spawn(): Slot {
    const slot = this.start();
    this.slots.push(slot);
    return slot;
  }

  /** Starts a worker with every module loaded so far; it joins no list yet. */
  private start(): Slot {
    const channel = createChannelBuffer();
    const jobs = Array.from({ length: JOB_SLOTS }, () => createSlotBuffer());
    const { port1, port2 } = new MessageChannel();
    const { hostFunctions = [], limits = NO_LIMITS, instancePolicy = 'fresh' } = this.options;
    const workerData: WorkerStart = { modules: [...this.modules], channel, slots: jobs, port: port2, hostFunctions, limits, instancePolicy };
    const worker = new Worker(this.options.workerScript ?? WORKER_SCRIPT, { workerData, transferList: [port2], resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
    const slot: Slot = { worker, channel: new HostChannel(channel), jobs: jobs.map((buffer) => new PoolSlot(buffer)), write: 0, ahead: [], port: port1, known: new Set(), blocked: false };
    slot.channel.serve((index, request, job) => this.hostCall(slot, index, request, job));
    slot.worker.on('error', (error) => this.lose(slot, `worker crashed: ${error.message}`));
    slot.worker.on('exit', (code) => this.lose(slot, `worker exited with code ${code}`));
    this.policies.add(worker);
    return slot;
  }

  private complete(slot: Slot, reply: FromWorker): void {
    const pending = slot.pending;
    if (!pending || pending.id !== reply.id) return;
    slot.pending = undefined;
    this.progress++;
    this.settle(pending, reply);
    const ahead = slot.ahead.shift();
    if (ahead) {
      // The job written ahead has started (or is about to): from here its own time limit runs.
      slot.pending = ahead;
      this.arm(ahead);
      this.awaitReply(slot, ahead);
    }
    // A worker lent to a load check past MaxWorkers leaves once free: calls never run on more.
    if (this.slots.length > this.options.maxWorkers) this.retire(slot);
    else if (!slot.pending && this.queue.length === 0 && this.slots.length > this.options.minWorkers) {
      slot.idleTimer = setTimeout(() => this.retire(slot), this.options.idleMs ?? DEFAULT_IDLE_MS).unref();
    }
    this.dispatch();
  }

  /**
   * Serves a host call of job `id`, which the worker names: it may already run the job written
   * ahead while the pool has not read the reply before it. The call is charged to that job
   * (its plugin, grant, deadline), never to whichever job the pool has on record as current.
   */
  private async hostCall(slot: Slot, index: number, request: Uint8Array, id: number): Promise<HostReply> {
    // A call from a job written ahead proves the jobs before it have replied: reading their
    // replies makes it the current job, under its own time limit.
    if (slot.pending?.id !== id && slot.ahead.some((ahead) => ahead.id === id)) this.drain(slot);
    const pending = slot.pending?.id === id ? slot.pending : undefined;
    const name = this.options.hostFunctions?.[index];
    const handler = this.options.hostCall;
    if (!pending) return { ok: false, fault: 'host', message: `host call from job ${id}, which this worker is not running` };
    if (!name || !handler) return { ok: false, fault: 'host', message: `no host function number ${index}` };
    const { job, grant } = pending;
    this.setBlocked(slot, true);
    try {
      return await handler({ pluginId: job.pluginId, exportName: job.exportName, deadline: pending.limit?.at ?? 0, grant, trace: pending.limits.trace, caller: pending.limits.caller }, name, request);
    } catch (error) {
      return { ok: false, fault: 'host', message: messageOf(error) };
    } finally {
      this.setBlocked(slot, false);
    }
  }

  private setBlocked(slot: Slot, blocked: boolean): void {
    if (slot.blocked === blocked || !this.slots.includes(slot)) return;
    slot.blocked = blocked;
    this.blocked += blocked ? 1 : -1;
    if (!blocked) return;
    // Jobs written ahead would wait out the host call (an HTTP request, maybe long): back to
    // the front of the queue with those not started, for the next worker free.
    this.requeue(slot);
    this.dispatch();
  }

  private expire(pending: PendingJob): void {
    const slot = pending.slot;
    if (slot) {
      // The jobs written ahead behind it (and it, if it is one) go back to the queue unless the
      // worker has taken them. A job taken behind it proves it was taken and replied to in
      // time: reading the replies starts the run of the job taken, under its own limit.
      const behind = slot.pending === pending ? 0 : slot.ahead.indexOf(pending);
      while (slot.ahead.length > behind) {
        const taken = this.withdraw(slot);
        if (!taken) return this.drain(slot);
        if (taken !== pending) this.queue.unshift(taken);
      }
      // Replied in time, the reply not read yet: it stands.
      if (slot.pending === pending && slot.jobs[pending.place].hasReply) return this.drain(slot);
    }
    const queued = this.queue.indexOf(pending);
    if (queued >= 0) this.queue.splice(queued, 1);
    const running = pending.slot;
    this.settle(pending, timeUpError(pending.job, pending.limits, running ? 'running' : 'queued', pending.limit));
    if (!running) return this.dispatch();
    // A guest cannot be interrupted inside its worker; terminating it is the only way out.
    this.options.onWorkerLost?.(`terminated a worker running ${pending.job.pluginId}/${pending.job.exportName} out of time`);
    running.pending = undefined;
    this.remove(running);
    void running.worker.terminate();
    this.replenish();
  }

  private lose(slot: Slot, reason: string): void {
    if (slot === this.spare) {
      this.spare = this.closed ? undefined : this.start();
      return;
    }
    if (!this.slots.includes(slot)) return;
    // A job written ahead and not taken goes back to the queue; a reply written before the
    // worker went stands; the job it was running fails.
    this.requeue(slot);
    const outcomes = [slot.pending, ...slot.ahead].flatMap((pending) => {
      if (!pending) return [];
      const { pluginId, exportName } = pending.job;
      const failed = new NdpError('internal', `plugin ${pluginId}: export ${exportName} failed: ${reason}`, { pluginId, export: exportName });
      return [[pending, slot.jobs[pending.place].hasReply ? this.takeReply(slot, pending) : failed] as const];
    });
    slot.pending = undefined;
    slot.ahead.length = 0;
    this.remove(slot);
    for (const [pending, outcome] of outcomes) this.settle(pending, outcome);
    this.options.onWorkerLost?.(reason);
    this.replenish();
  }

  private retire(slot: Slot): void {
    if (slot.pending || this.slots.length <= this.options.minWorkers) return;
    this.remove(slot);
    void slot.worker.terminate();
  }

  private replenish(): void {
    if (this.closed) return;
    while (this.slots.length < this.options.minWorkers) this.enlist();
    this.dispatch();
  }

  /** Adds a worker to the pool: the warm spare when there is one, and a new spare starts behind it. */
  private enlist(): Slot {
    const slot = this.spare ?? this.start();
    if (slot === this.spare) this.spare = this.start();
    this.slots.push(slot);
    return slot;
  }

  /** Forgets a slot; false when it was already gone. */
  private remove(slot: Slot): boolean {
    const index = this.slots.indexOf(slot);
    slot.channel.close();
    for (const jobs of slot.jobs) jobs.close();
    slot.port.close();
    if (index < 0) return false;
    this.setBlocked(slot, false);
    this.slots.splice(index, 1);
    clearTimeout(slot.idleTimer);
    return true;
  }

  private settle(pending: PendingJob, outcome: FromWorker | NdpError): void {
    // Settled when its caller cancelled it written ahead: its worker's reply comes later.
    if (pending.settled) return;
    if (pending.limits.loadTime) this.loadChecksHeld--;
    pending.settled = true;
    clearTimeout(pending.grace);
    pending.unwatch?.();
    if (outcome instanceof NdpError) pending.reject(outcome);
    else pending.resolve(outcome);
  }

  /** Tells every worker, waking those asleep between jobs to read it. */
  private broadcast(message: ToWorker): void {
    for (const slot of [...this.slots, ...(this.spare ? [this.spare] : [])]) {
      slot.port.postMessage(message);
      for (const jobs of slot.jobs) jobs.mail();
    }
  }
}
