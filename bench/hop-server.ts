/**
 * The floor of any design that runs calls off the thread serving gRPC: a grpc-js server with the
 * same service definition that hands each request's bytes, untouched, to one worker thread
 * through the sidecar's own job slot (Atomics, no message) and sends the worker's bytes back as
 * the response. The worker answers at once with the fixture's response: no module, no
 * instance, no pool, no plugin layers, and no decoding or encoding on the serving thread. What
 * it costs over the bare server is the thread hop alone (RATIONALE.md, "What the changes of
 * issue 10 bought"). Calls take the worker one at a time in arrival order. Run as a child process.
 */
import type { MethodDefinition, sendUnaryData, ServerUnaryCall, UntypedServiceImplementation } from '@grpc/grpc-js';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { MetadataAgentService } from '../generated/ts/api';
import { createSlotBuffer, KIND_RPC, PoolSlot } from '../src/runtime/job-slot';
import { serveInChild } from './serve-child';

const buffer = createSlotBuffer();
const slot = new PoolSlot(buffer);
const worker = new Worker(path.join(__dirname, 'hop-worker.js'), { workerData: buffer });
worker.on('error', (error) => {
  console.error(error);
  process.exit(1);
});

type Waiting = readonly [request: Buffer, callback: sendUnaryData<Buffer>];
const waiting: Waiting[] = [];
let running = false;
let nextId = 1;

async function runWaiting(): Promise<void> {
  running = true;
  for (let next = waiting.shift(); next; next = waiting.shift()) {
    const [request, callback] = next;
    const id = nextId++;
    slot.send(id, KIND_RPC, 0, request, () => callback(new Error('request larger than the job slot')));
    await slot.replied(id);
    const reply = slot.take(() => ({ id, error: { kind: 'internal', message: 'reply larger than the job slot' } }));
    if ('output' in reply) callback(null, Buffer.from(reply.output.buffer, reply.output.byteOffset, reply.output.length));
    else callback(new Error('the worker did not answer'));
  }
  running = false;
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
      if (!running) void runWaiting();
    },
  ]),
);

serveInChild(definition, handlers);
