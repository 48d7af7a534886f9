/**
 * How the pool hands a job to a worker and gets the reply back: one SharedArrayBuffer slot per
 * worker, written in place and signalled with Atomics, instead of a structured-clone message
 * each way (issue 10: MessagePort hand-off cost 51-69 us of worker time and 62-69 us of main
 * thread time per call). Both ends live here so the writer and reader cannot drift apart.
 *
 *   Int32 word  0        1        2        3        4        5        6        7
 *             +--------+--------+--------+--------+--------+--------+--------+--------+--------------+
 *             | STATE  | ID     | KIND   | VALUE  | LENGTH | PRINTED| MAIL   | CHANNEL| payload ...  |
 *             +--------+--------+--------+--------+--------+--------+--------+--------+--------------+
 *
 * STATE is IDLE, JOB (the pool wrote a job: the worker's turn), RUNNING (the worker took it),
 * REPLY (the worker wrote its reply: the pool's turn), CLOSED, or CANCELLED (a job whose caller
 * gave up before the worker took it: the worker takes it in turn and replies without running it). Each worker has a few slots
 * and takes its jobs from them in turn, A, B, C, ..., A, ...; the pool writes them in the same
 * order, so while a worker runs one job its next ones may already wait in the others (jobs
 * written ahead, worker-pool.ts). A slot is written again only once its reply has been taken.
 * The worker takes a job with compareExchange JOB -> RUNNING and the pool withdraws one not
 * taken yet with compareExchange JOB -> IDLE, or cancels it with JOB -> CANCELLED, so exactly
 * one of them wins. Only the last job written ahead can be withdrawn (the worker would wait at
 * an empty slot for it), but any can be cancelled: its slot stays in the worker's turn. A job's KIND is RPC
 * or VERSION, VALUE the index of its target (module, plugin, export) in the table the pool sent
 * the worker, and the payload its input (LENGTH bytes). A reply's KIND is OUTPUT (payload: LENGTH bytes of output, then PRINTED
 * bytes of what the guest printed, as JSON), VERSION or ERROR (payload: the error and what was
 * printed, as JSON). A job or reply that does not
 * fit the payload travels as a message on the worker's port instead and KIND has the PORTED
 * bit: the message is posted before STATE changes, so it is there when the other side looks.
 * A VERSION reply's value is a float64 at the start of the payload (an i64 from the guest).
 * MAIL asks a waiting worker to read its port (a module was added or dropped) without a job.
 * CHANNEL is set with a reply when the job left its host channel out of step (host-channel.ts):
 * the worker then waits until the pool has taken the reply, and reset the channel before that,
 * so no later job's host call can meet the abandoned exchange.
 *
 * The worker blocks in Atomics.wait (it has nothing else to do); the pool waits with
 * Atomics.waitAsync so the main thread keeps serving.
 */

import type { ErrorData } from '../errors';
import type { GuestOutput } from './guest-context';
import type { FromWorker } from './protocol';

export const STATE = 0;
const ID = 1;
const KIND = 2;
const VALUE = 3;
const LENGTH = 4;
const PRINTED = 5;
const MAIL = 6;
const CHANNEL = 7;
const HEADER_BYTES = 32;

export const IDLE = 0;
export const JOB = 1;
export const REPLY = 2;
export const CLOSED = 3;
export const RUNNING = 4;
export const CANCELLED = 5;

export const KIND_RPC = 1;
export const KIND_VERSION = 2;
export const KIND_OUTPUT = 3;
export const KIND_ERROR = 4;
export const PORTED = 0x100;

/** Default payload size: requests and most responses are a few KB; larger ones take the port. */
export const DEFAULT_SLOT_CAPACITY = 256 * 1024;

export function createSlotBuffer(capacity = DEFAULT_SLOT_CAPACITY): SharedArrayBuffer {
  return new SharedArrayBuffer(HEADER_BYTES + capacity);
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

class Slot {
  readonly header: Int32Array;
  readonly payload: Uint8Array;

  constructor(buffer: SharedArrayBuffer) {
    this.header = new Int32Array(buffer, 0, HEADER_BYTES / 4);
    this.payload = new Uint8Array(buffer, HEADER_BYTES);
  }

  protected publish(state: number): void {
    Atomics.store(this.header, STATE, state);
    Atomics.notify(this.header, STATE);
  }
}

/** A job as the worker reads it; `input` is a view of the slot, valid until the reply. */
export interface SlotJob {
  readonly id: number;
  readonly kind: number;
  readonly target: number;
  readonly input: Uint8Array;
  /** Its caller gave up before the worker took it: reply without running it. */
  readonly cancelled: boolean;
}

/** A reply as the pool reads it. */
export type SlotReply = FromWorker;

/** The pool's end. */
export class PoolSlot extends Slot {
  /**
   * Writes a job; `post` sends it on the port instead when its input does not fit.
   */
  send(id: number, kind: number, target: number, input: Uint8Array, post: () => void): void {
    const h = this.header;
    h[ID] = id;
    h[VALUE] = target;
    if (input.length <= this.payload.length) {
      this.payload.set(input);
      h[KIND] = kind;
      h[LENGTH] = input.length;
    } else {
      post();
      h[KIND] = kind | PORTED;
    }
    this.publish(JOB);
  }

  /** Withdraws a job the worker has not taken yet, cancelled or not; false when it has (or there was none). */
  retract(): boolean {
    return Atomics.compareExchange(this.header, STATE, JOB, IDLE) === JOB || Atomics.compareExchange(this.header, STATE, CANCELLED, IDLE) === CANCELLED;
  }

  /** Marks a job the worker has not taken yet as cancelled; false when it has. */
  cancel(): boolean {
    return Atomics.compareExchange(this.header, STATE, JOB, CANCELLED) === JOB;
  }

  /** True when the worker has written a reply not taken yet. */
  get hasReply(): boolean {
    return Atomics.load(this.header, STATE) === REPLY;
  }

  /** True when the reply waiting here says its job left the host channel out of step. */
  get channelOutOfStep(): boolean {
    return this.header[CHANNEL] === 1;
  }

  /** Asks the worker to read its port, waking it if it waits. */
  mail(): void {
    Atomics.store(this.header, MAIL, 1);
    Atomics.notify(this.header, STATE);
  }

  /**
   * Calls `then` once the worker has replied to job `id`, with false if the slot was closed
   * first or holds the reply of a later job (this one's reply was taken by other means). Never
   * calls it synchronously. A callback rather than a promise: on the path of every call, each
   * async layer is a promise and a microtask more (issue 10).
   */
  whenReplied(id: number, then: (replied: boolean) => void): void {
    this.checkReplied(id, then, false);
  }

  /** `deferred`: called from a promise reaction, so `then` may run at once. */
  private checkReplied(id: number, then: (replied: boolean) => void, deferred: boolean): void {
    for (;;) {
      const state = Atomics.load(this.header, STATE);
      if (state === REPLY || state === CLOSED) {
        const replied = state === REPLY && this.header[ID] === id;
        if (deferred) then(replied);
        else queueMicrotask(() => then(replied));
        return;
      }
      const waiting = Atomics.waitAsync(this.header, STATE, state);
      if (waiting.async) return void waiting.value.then(() => this.checkReplied(id, then, true));
    }
  }

  /** Reads the reply and frees the slot; `ported` takes the reply from the port. */
  take(ported: () => SlotReply): SlotReply {
    const h = this.header;
    const kind = h[KIND];
    const id = h[ID];
    // A worker that left its channel out of step waits for this reply to be taken.
    if (h[CHANNEL] === 1) {
      h[CHANNEL] = 0;
      this.publish(IDLE);
    } else Atomics.store(h, STATE, IDLE);
    if (kind & PORTED) return ported();
    if (kind === KIND_VERSION) return { id, version: new Float64Array(this.payload.buffer, this.payload.byteOffset, 1)[0] };
    const length = h[LENGTH];
    if (kind === KIND_ERROR) {
      const { error, printed } = JSON.parse(fromUtf8.decode(this.payload.slice(0, length))) as { error: ErrorData; printed?: GuestOutput };
      return { id, error, printed };
    }
    // A Buffer: a small one is cut from Node's pooled slab, where the decoder's DataView costs
    // nothing (a small sliced Uint8Array lives on V8's heap, and the view moves it off: a malloc).
    const output = Buffer.from(this.payload.subarray(0, length));
    const printedLength = h[PRINTED];
    return { id, output, printed: printedLength > 0 ? (JSON.parse(fromUtf8.decode(this.payload.slice(length, length + printedLength))) as GuestOutput) : undefined };
  }

  /** Wakes anything waiting on the slot for good (the worker is gone). */
  close(): void {
    this.publish(CLOSED);
  }
}

/** The worker's end. */
export class WorkerSlot extends Slot {
  /** `outOfStep` says, when a reply is written, whether its job left the host channel out of step. */
  constructor(
    buffer: SharedArrayBuffer,
    private readonly outOfStep: () => boolean = () => false,
  ) {
    super(buffer);
  }

  /**
   * Blocks until there is a job, reading mail through `readMail` whenever asked. It does not spin
   * before sleeping: a worker is done before the main thread has read its reply, so polling
   * for the next job burned worker CPU without shortening the wait (issue 10's bench).
   */
  next(readMail: () => void): SlotJob | undefined {
    const h = this.header;
    for (;;) {
      if (Atomics.exchange(h, MAIL, 0) === 1) readMail();
      const state = Atomics.load(h, STATE);
      // The pool may withdraw or cancel a job not taken yet: then look again.
      if (state === JOB || state === CANCELLED) {
        if (Atomics.compareExchange(h, STATE, state, RUNNING) === state) {
          return { id: h[ID], kind: h[KIND], target: h[VALUE], input: this.payload.subarray(0, h[LENGTH]), cancelled: state === CANCELLED };
        }
        continue;
      }
      if (state === CLOSED) return undefined;
      Atomics.wait(h, STATE, state);
    }
  }

  /** Blocks until the pool has taken the reply written here (or closed the slot). */
  awaitTaken(): void {
    for (let state = Atomics.load(this.header, STATE); state === REPLY; state = Atomics.load(this.header, STATE)) Atomics.wait(this.header, STATE, REPLY);
  }

  private publishReply(): void {
    this.header[CHANNEL] = this.outOfStep() ? 1 : 0;
    this.publish(REPLY);
  }

  replyOutput(id: number, output: Uint8Array, printed: GuestOutput | undefined, post: () => void): void {
    const h = this.header;
    const text = printed ? utf8.encode(JSON.stringify(printed)) : undefined;
    h[ID] = id;
    if (output.length + (text?.length ?? 0) <= this.payload.length) {
      this.payload.set(output);
      if (text) this.payload.set(text, output.length);
      h[KIND] = KIND_OUTPUT;
      h[LENGTH] = output.length;
      h[PRINTED] = text?.length ?? 0;
    } else {
      post();
      h[KIND] = KIND_OUTPUT | PORTED;
    }
    this.publishReply();
  }

  replyVersion(id: number, version: number): void {
    const h = this.header;
    h[ID] = id;
    h[KIND] = KIND_VERSION;
    new Float64Array(this.payload.buffer, this.payload.byteOffset, 1)[0] = version;
    this.publishReply();
  }

  replyError(id: number, error: ErrorData, printed: GuestOutput | undefined, post: () => void): void {
    const h = this.header;
    const json = utf8.encode(JSON.stringify({ error, printed }));
    h[ID] = id;
    if (json.length <= this.payload.length) {
      this.payload.set(json);
      h[KIND] = KIND_ERROR;
      h[LENGTH] = json.length;
    } else {
      post();
      h[KIND] = KIND_ERROR | PORTED;
    }
    this.publishReply();
  }
}
