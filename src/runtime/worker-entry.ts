/**
 * A pool worker. It holds the compiled modules it was sent and runs one job at a time from its
 * job slots in turn (job-slot.ts), each in an instance its InstanceSource hands out: under the
 * default policy one that is fresh or restored to fresh. It never returns to its event loop:
 * between jobs it sleeps in Atomics.wait, and reads its port when the pool says there is mail.
 * Loaded by path from worker-pool.ts, never imported.
 *
 * The instance a job used is restored when it is next acquired, for its plugin's next call, not
 * right after the reply: the serving thread wakes for the reply, and where the two threads share
 * a CPU (these 2-vCPU VMs place them together) a worker still restoring is preempted by it and
 * switched back in later, two context switches more per call. Measured (issue 10): 4-10 us less
 * CPU per call at c=1, the same latency; the restore (~1-2 us) moves onto the next call's path.
 * Other instances may run in between: each records the host's writes into it itself
 * (InstanceSource). A start function that runs before every call (Go's reads the clock) still
 * runs after the reply, ahead of the next call: it can take far longer than the switches cost.
 */
import { receiveMessageOnPort, workerData } from 'node:worker_threads';
import { NdpError, type ErrorData } from '../errors';
import { bindInstance, callRpc, callVersion, type CallTarget } from './guest-call';
import { GuestContext } from './guest-context';
import { GuestChannel } from './host-channel';
import { hostImports } from './host-imports';
import { InstanceSource } from './instance-source';
import { KIND_VERSION, PORTED, WorkerSlot, type SlotJob } from './job-slot';
import type { JobTarget, ToWorker, WorkerModule, WorkerStart } from './protocol';
import { startFunction } from './start-function';
import { reportThread } from './worker-scheduling';

const start = workerData as WorkerStart;
reportThread();

const context = new GuestContext(start.limits);
const channel = new GuestChannel(start.channel);
const imports = hostImports(context, channel, start.hostFunctions);
const modules = new Map<string, WorkerModule>(start.modules);
const targets: JobTarget[] = [];
/**
 * Each target's source, by target number: found once, not through a key string built per job.
 * The targets of one module and plugin (its exports) share one: a pooled instance's state is
 * one plugin's own.
 */
const targetSources: (InstanceSource | undefined)[] = [];
const inputs = new Map<number, Uint8Array>();
const slots = start.slots.map((buffer) => new WorkerSlot(buffer, () => channel.outOfStep));
const port = start.port;

function readMail(): void {
  for (let received = receiveMessageOnPort(port); received; received = receiveMessageOnPort(port)) {
    const message = received.message as ToWorker;
    if (message.type === 'module') modules.set(message.hash, message.module);
    else if (message.type === 'drop') {
      modules.delete(message.hash);
      targets.forEach((target, index) => {
        if (target.hash === message.hash) targetSources[index] = undefined;
      });
    } else if (message.type === 'target') targets[message.index] = message.target;
    else inputs.set(message.id, message.input);
  }
}

function sourceFor(index: number, target: JobTarget): InstanceSource {
  return (targetSources[index] ??= sourceOf(target));
}

function sourceOf(target: JobTarget): InstanceSource {
  // Once per target: another export of the same module and plugin may have its source already.
  for (const [index, other] of targets.entries()) {
    const source = targetSources[index];
    if (source && other !== undefined && other.hash === target.hash && other.pluginId === target.pluginId) return source;
  }
  const module = modules.get(target.hash);
  if (!module) throw new NdpError('internal', `plugin ${target.pluginId}: module ${target.hash} is not loaded in this worker`);
  const startName = startFunction(WebAssembly.Module.exports(module.module).map((entry) => entry.name));
  return new InstanceSource(module, imports, start.instancePolicy, startName);
}

/** Runs a job and writes its reply into the slot; returns the source of its instance. */
function run(slot: WorkerSlot, job: SlotJob, target: JobTarget | undefined, input: Uint8Array): InstanceSource | undefined {
  let source: InstanceSource | undefined;
  try {
    if (!target) throw new NdpError('internal', `job ${job.id} names target ${job.target}, which this worker was never sent`);
    source = sourceFor(job.target, target);
    if ((job.kind & ~PORTED) === KIND_VERSION) {
      slot.replyVersion(job.id, callVersion(source, context, target));
    } else {
      const output = callRpc(source, context, target, input);
      // A plugin's own error answer comes back as a value (guest-call.ts).
      if (output instanceof NdpError) replyError(slot, job.id, output);
      else {
        const printed = context.output();
        slot.replyOutput(job.id, output, printed, () => {
          // A view of guest memory, which cannot be transferred (and is restored before the next call).
          const copy = output.slice();
          port.postMessage({ id: job.id, output: copy, printed }, [copy.buffer]);
        });
      }
    }
  } catch (error) {
    replyError(slot, job.id, error);
  }
  return source;
}

function replyError(slot: WorkerSlot, id: number, error: unknown): void {
  const data = error instanceof NdpError ? error.toData() : { kind: 'internal' as const, message: String(error) };
  // A trap's message already ends with what the guest printed (guest-call.ts).
  const printed = data.kind === 'trap' ? undefined : context.output();
  slot.replyError(id, data, printed, () => port.postMessage({ id, error: data, printed }));
}

const NOT_RUN: ErrorData = { kind: 'cancelled', message: 'not run: its caller cancelled the call while it was written ahead' };

/** After the reply, while the worker is idle: restore the instance and run its start function for the next call. */
function runStartAhead(source: InstanceSource, target: CallTarget): void {
  context.reset(target.pluginId, target.exportName);
  source.tidy((exports, startName) => bindInstance(exports, context, target, startName));
  context.memory = undefined;
  context.malloc = undefined;
}

for (let turn = 0; ; turn = (turn + 1) % slots.length) {
  const slot = slots[turn];
  const job = slot.next(readMail);
  if (!job) break;
  // Host calls name their job: the pool may not have read the last job's reply yet.
  channel.job = job.id;
  // The pool posts a new target, or an input too large for the slot, before the job.
  if (!targets[job.target] || job.kind & PORTED) readMail();
  const target = targets[job.target];
  const input = job.kind & PORTED ? (inputs.get(job.id) ?? job.input) : job.input;
  inputs.delete(job.id);
  if (job.cancelled) {
    // The pool answered its caller when it cancelled; this reply only frees the slot.
    slot.replyError(job.id, NOT_RUN, undefined, () => port.postMessage({ id: job.id, error: NOT_RUN }));
    continue;
  }
  const source = run(slot, job, target, input);
  if (channel.outOfStep) {
    slot.awaitTaken();
    channel.outOfStep = false;
  }
  if (source?.startsAhead && target) runStartAhead(source, target);
}
