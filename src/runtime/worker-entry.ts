/**
 * A pool worker. It holds the compiled modules it was sent and runs one job at a time, each in
 * a fresh instance. Loaded by path from worker-pool.ts, never imported.
 */
import { parentPort, receiveMessageOnPort, workerData, type MessagePort, type Transferable } from 'node:worker_threads';
import { NdpError } from '../errors';
import { callRpc, callVersion, type GuestModule } from './guest-call';
import { GuestContext } from './guest-context';
import { GuestChannel } from './host-channel';
import { hostImports } from './host-imports';
import type { FromWorker, Job, ToWorker, WorkerStart } from './protocol';
import { startFunction } from './start-function';

const port = parentPort;
if (!port) throw new Error('worker-entry.js must run in a worker thread');

const start = workerData as WorkerStart;
/**
 * How long a worker polls for its next job before returning to its event loop. Waking an idle
 * thread costs tens of microseconds (field-notes.md); when calls follow each other the next job
 * arrives well within this window (bench section 2: 77 -> 50 us per call). Only this worker's
 * own idle time is spent.
 */
const NEXT_JOB_SPIN_MS = 0.03;
const context = new GuestContext(start.limits);
const imports = hostImports(context, new GuestChannel(start.channel), start.hostFunctions);
const modules = new Map<string, GuestModule>();
for (const [hash, module] of start.modules) modules.set(hash, guestModule(module));

port.on('message', (first: ToWorker) => {
  for (let message: ToWorker | undefined = first; message; message = nextMessage()) handle(message);
});

function handle(message: ToWorker): void {
  switch (message.type) {
    case 'module':
      modules.set(message.hash, guestModule(message.module));
      return;
    case 'drop':
      modules.delete(message.hash);
      return;
    default:
      port?.postMessage(...run(message));
  }
}

/** Decides once per module, as it arrives, which start function its fresh instances run. */
function guestModule(module: WebAssembly.Module): GuestModule {
  return { module, imports, start: startFunction(WebAssembly.Module.exports(module).map((entry) => entry.name)) };
}

function nextMessage(): ToWorker | undefined {
  const until = performance.now() + NEXT_JOB_SPIN_MS;
  do {
    const received = receiveMessageOnPort(port as MessagePort);
    if (received) return received.message as ToWorker;
  } while (performance.now() < until);
  return undefined;
}

function run(job: Job): [FromWorker, Transferable[]?] {
  try {
    const guest = modules.get(job.hash);
    if (!guest) throw new NdpError('internal', `plugin ${job.pluginId}: module ${job.hash} is not loaded in this worker`);
    if (job.type === 'version') return [{ id: job.id, version: callVersion(guest, context, job) }];
    const output = callRpc(guest, context, job, job.input);
    return [{ id: job.id, output, printed: context.output() }, output.byteLength > 0 ? [output.buffer] : []];
  } catch (error) {
    const data = error instanceof NdpError ? error.toData() : { kind: 'internal' as const, message: String(error) };
    // A trap's message already ends with what the guest printed (guest-call.ts).
    return [{ id: job.id, error: data, printed: data.kind === 'trap' ? undefined : context.output() }];
  }
}
