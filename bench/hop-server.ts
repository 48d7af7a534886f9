/**
 * The floor of any design that runs calls off the thread serving gRPC: a grpc-js server with the
 * same service definition that hands each request's bytes, untouched, to one worker thread
 * through the sidecar's own job slot (Atomics, no message) and sends the worker's bytes back as
 * the response. The worker answers at once with the fixture's response: no module, no
 * instance, no pool, no plugin layers, and no decoding or encoding on the serving thread. What
 * it costs over the bare server is the thread hop alone (RATIONALE.md, "What the changes of
 * issue 10 bought"). Up to eight calls are in flight, written into job slots the worker takes in
 * turn and answered in that order, as the pool writes jobs ahead. The worker is scheduled as the
 * sidecar's are by default (Plugins.WorkerScheduling = "adaptive": normal while idle, batch
 * while calls are waiting). Run as a child process.
 */
import type { MethodDefinition, sendUnaryData, ServerUnaryCall, UntypedServiceImplementation } from '@grpc/grpc-js';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { MetadataAgentService } from '../generated/ts/api';
import { createSlotBuffer, KIND_RPC, PoolSlot } from '../src/runtime/job-slot';
import { WorkerPolicies } from '../src/runtime/worker-scheduling';
import { serveInChild } from './serve-child';

/** Job slots the worker takes in turn, as a pool worker does: up to this many calls in flight. */
const RING = 8;
const buffers = Array.from({ length: RING }, () => createSlotBuffer());
const slots = buffers.map((buffer) => new PoolSlot(buffer));
const worker = new Worker(path.join(__dirname, 'hop-worker.js'), { workerData: buffers });
worker.on('error', (error) => {
  console.error(error);
  process.exit(1);
});
const policies = new WorkerPolicies('adaptive', (reason) => console.error(`hop floor: the worker keeps the normal scheduling policy: ${reason}`));
policies.add(worker);

type Waiting = readonly [request: Buffer, callback: sendUnaryData<Buffer>];
interface InFlight {
  readonly id: number;
  readonly place: number;
  readonly callback: sendUnaryData<Buffer>;
}
const waiting: Waiting[] = [];
/** In the order the worker takes them, which is the order their replies come. */
const inFlight: InFlight[] = [];
let write = 0;
let nextId = 1;
let reading = false;

/** Writes waiting calls into free slots, and reads replies while any are in flight. */
function fill(): void {
  while (waiting.length > 0 && inFlight.length < RING) {
    const [request, callback] = waiting.shift() as Waiting;
    const call = { id: nextId++, place: write, callback };
    write = (write + 1) % RING;
    slots[call.place].send(call.id, KIND_RPC, 0, request, () => {
      throw new Error('request larger than the job slot');
    });
    inFlight.push(call);
  }
  if (!reading && inFlight.length > 0) readReply();
}

/** Reads the reply of the first call in flight when it comes, then the next, as the pool does. */
function readReply(): void {
  const call = inFlight[0];
  reading = true;
  slots[call.place].whenReplied(call.id, () => {
    inFlight.shift();
    const reply = slots[call.place].take(() => ({ id: call.id, error: { kind: 'internal', message: 'reply larger than the job slot' } }));
    if ('output' in reply) call.callback(null, Buffer.from(reply.output.buffer, reply.output.byteOffset, reply.output.length));
    else call.callback(new Error('the worker did not answer'));
    reading = false;
    fill();
  });
}

const passBytes = (bytes: Buffer): Buffer => bytes;
const definition = Object.fromEntries(
  Object.entries(MetadataAgentService).map(([key, method]): [string, MethodDefinition<Buffer, Buffer>] => [
    key,
    { ...method, requestSerialize: passBytes, requestDeserialize: passBytes, responseSerialize: passBytes, responseDeserialize: passBytes },
  ]),
);
const handlers: UntypedServiceImplementation = Object.fromEntries(
  Object.keys(definition).map((key) => [
    key,
    (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
      waiting.push([call.request, callback]);
      // As the pool does when a call's job is submitted.
      policies.load(waiting.length + inFlight.length);
      fill();
    },
  ]),
);

serveInChild(definition, handlers);
