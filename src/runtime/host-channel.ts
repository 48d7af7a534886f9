/**
 * The synchronous channel a worker uses to call the host: the guest is blocked in a host import
 * (`env.get`) while the main thread performs an asynchronous service (HTTP, timers). Both ends
 * live here so the frame writer and reader cannot drift apart.
 *
 * One SharedArrayBuffer per worker:
 *
 *   byte 0          4          8          12         16         20         24                 24 + capacity
 *        +----------+----------+----------+----------+----------+----------+------------------+
 *        |  STATE   |   SEQ    |  LENGTH  |  TOTAL   |   KIND   |   JOB    |  payload chunk   |
 *        +----------+----------+----------+----------+----------+----------+------------------+
 *
 * STATE says whose turn it is, and whoever holds the turn owns every other byte: the guest
 * writes only while it is not HOST_TURN, the host only while it is. SEQ numbers the exchange
 * (one request and its reply): the guest counts its calls, the host copies the number of the
 * request into every frame it writes back, and the guest takes a frame only when STATE is
 * GUEST_TURN *and* SEQ is its current call's number. A message of TOTAL bytes travels in chunks
 * of at most `capacity` bytes (LENGTH each): the sender writes a chunk and hands the turn over;
 * the receiver copies it and, while bytes are missing, hands the turn back for the next one.
 * So no message is ever truncated, whatever its size. KIND is the host function's index in a
 * request, and OK or a fault in a reply. JOB is the id of the job the worker runs, written with
 * each request: a worker may start its next job before the pool has read the last one's reply
 * (a job written ahead, worker-pool.ts), so only the worker can say whose call it is.
 *
 * The worker waits with Atomics.wait (it has nothing else to do); the main thread waits with
 * Atomics.waitAsync so its event loop keeps serving. A wake-up is never taken as an answer:
 * each side re-reads STATE after every wake, because a notify can arrive late (the host stores
 * the turn, the guest sees it while spinning and moves on, and the notify then lands in the
 * guest's next wait) or come from anyone sharing the word (issue 8, item 1).
 */

const STATE = 0;
const SEQ = 1;
const LENGTH = 2;
const TOTAL = 3;
const KIND = 4;
const JOB = 5;
const HEADER_BYTES = 24;

const IDLE = 0;
const HOST_TURN = 1;
const GUEST_TURN = 2;
const CLOSED = 3;

/** The frame's slots and turns, for tests that play a broken host or a stray notifier. */
export const FRAME = { STATE, SEQ, HOST_TURN, GUEST_TURN } as const;

/** Reply kinds: the response, or a failure that is the host's fault or the guest's. */
const OK = 0;
const HOST_FAULT = 1;
const GUEST_FAULT = 2;

/**
 * How long a worker polls for the host's answer before it sleeps in Atomics.wait. Waking a
 * sleeping thread costs tens of microseconds (field-notes.md: 51 us across CPUs); a host call
 * answered at once (a timer, the plugin's config) comes back well within this window, and the
 * worker has nothing else to do meanwhile. The main thread never spins: it serves gRPC.
 */
const SPIN_MS = 0.05;
/**
 * A worker polls only when its last answer came this recently: the main thread is then still
 * awake serving it (a guest making host calls one after another, a message in chunks). Any other
 * host call finds the main thread asleep in its event loop, so the answer cannot come within the
 * window: polling then burnt the whole window for nothing, and where the two threads share a CPU
 * kept the main thread from running at all (issue 10: a plugin making one cache call per call,
 * at c=1, 45 us of worker CPU and 45 us of latency per call).
 */
const AWAKE_MS = 0.1;

/** Default chunk size: most host messages (small JSON over HTTP) fit in one. */
export const DEFAULT_CAPACITY = 64 * 1024;

/** A host call's answer: the encoded response, or why the host could not give one. */
export type HostReply =
  | { readonly ok: true; readonly bytes: Uint8Array }
  /** `guest`: the request was malformed (a broken ABI); `host`: the host could not serve it. */
  | { readonly ok: false; readonly fault: 'guest' | 'host'; readonly message: string };

/** Creates the shared buffer of one worker's channel. */
export function createChannelBuffer(capacity = DEFAULT_CAPACITY): SharedArrayBuffer {
  return new SharedArrayBuffer(HEADER_BYTES + capacity);
}

class Frames {
  protected readonly header: Int32Array;
  protected readonly payload: Uint8Array;

  constructor(buffer: SharedArrayBuffer) {
    this.header = new Int32Array(buffer, 0, HEADER_BYTES / 4);
    this.payload = new Uint8Array(buffer, HEADER_BYTES);
  }

  /** Writes the chunk of `bytes` starting at `offset`; returns the offset after it. */
  protected writeChunk(seq: number, bytes: Uint8Array, offset: number, kind: number): number {
    const length = Math.min(this.payload.length, bytes.length - offset);
    this.payload.set(bytes.subarray(offset, offset + length));
    this.header[SEQ] = seq;
    this.header[LENGTH] = length;
    this.header[TOTAL] = bytes.length;
    this.header[KIND] = kind;
    return offset + length;
  }

  /** Copies the current chunk into `into` at `offset`; returns the offset after it. */
  protected readChunk(into: Uint8Array, offset: number): number {
    const length = Math.min(this.header[LENGTH], into.length - offset);
    into.set(this.payload.subarray(0, length), offset);
    return offset + length;
  }

  /** Stores the turn (which publishes every plain write before it), then wakes the other side. */
  protected handTo(turn: number): void {
    Atomics.store(this.header, STATE, turn);
    Atomics.notify(this.header, STATE);
  }
}

/** Why the guest's wait ended: its own reply frame, a closed channel, or a frame of another exchange. */
const REPLIED = 0;
const GONE = 1;
const OUT_OF_STEP = 2;

/** The worker's end: a blocking call. */
export class GuestChannel extends Frames {
  /** The number of the current exchange; it only grows, so a frame of any earlier one is refused. */
  private seq = 0;
  /** The id of the job the worker runs: every request names it. */
  job = 0;
  /** About when the host's last answer arrived (performance.now()), for AWAKE_MS. */
  private answeredAt = -Infinity;
  /**
   * Set when a call gave up on a frame of another exchange: the host may still hold that
   * exchange open, so the worker must not run another job until the pool has reset the channel.
   */
  outOfStep = false;

  /** Sends a request to host function `index` and blocks until the whole reply has arrived. */
  call(index: number, request: Uint8Array): HostReply {
    const seq = (this.seq = (this.seq + 1) | 0);
    this.header[JOB] = this.job;
    let offset = 0;
    let outcome: number;
    do {
      offset = this.writeChunk(seq, request, offset, index);
      if ((outcome = this.handToHostAndWait(seq)) !== REPLIED) return failure(outcome, seq, this.header[SEQ]);
    } while (offset < request.length);
    const reply = new Uint8Array(this.header[TOTAL]);
    const kind = this.header[KIND];
    for (let received = this.readChunk(reply, 0); received < reply.length; received = this.readChunk(reply, received)) {
      if ((outcome = this.handToHostAndWait(seq)) !== REPLIED) return failure(outcome, seq, this.header[SEQ]);
    }
    Atomics.store(this.header, STATE, IDLE);
    if (kind === OK) return { ok: true, bytes: reply };
    return { ok: false, fault: kind === GUEST_FAULT ? 'guest' : 'host', message: new TextDecoder().decode(reply) };
  }

  /** Hands the turn to the host and blocks until the host hands it back for exchange `seq`. */
  private handToHostAndWait(seq: number): number {
    this.handTo(HOST_TURN);
    // The answer's time is taken from the clock reads the wait makes anyway: one more read
    // between an answer and the next request was enough to make back-to-back host calls miss
    // the main thread's turn and take its event loop's path (1 -> 3 us each).
    let now = performance.now();
    let state = Atomics.load(this.header, STATE);
    if (now - this.answeredAt < AWAKE_MS) {
      const spinUntil = now + SPIN_MS;
      while (state === HOST_TURN && (now = performance.now()) < spinUntil) state = Atomics.load(this.header, STATE);
    }
    if (state === HOST_TURN) {
      // Waking up proves nothing (see the top of this file): only a changed state word ends the wait.
      do {
        Atomics.wait(this.header, STATE, HOST_TURN);
        state = Atomics.load(this.header, STATE);
      } while (state === HOST_TURN);
      now = performance.now();
    }
    this.answeredAt = now;
    if (state === CLOSED) return GONE;
    if (state === GUEST_TURN && this.header[SEQ] === seq) return REPLIED;
    this.outOfStep = true;
    return OUT_OF_STEP;
  }
}

function failure(outcome: number, seq: number, got: number): HostReply {
  const message = outcome === GONE ? 'the host closed the channel' : `the host channel is out of step: a frame of exchange ${got} came back for exchange ${seq}, and was refused`;
  return { ok: false, fault: 'host', message };
}

/** What the main thread does with one request: resolve to a reply (never reject). */
export type ChannelHandler = (index: number, request: Uint8Array, job: number) => Promise<HostReply>;

/** The main thread's end: serves requests until closed. */
export class HostChannel extends Frames {
  private closed = false;
  /** Bumped by reset(): a serving loop of an earlier epoch stops at its next step, writing nothing. */
  private epoch = 0;
  private handle: ChannelHandler | undefined;

  /** Starts serving; each request is handled to completion before the next is read. */
  serve(handle: ChannelHandler): void {
    this.handle = handle;
    void this.loop(this.epoch);
  }

  /**
   * Abandons an open exchange before the worker runs another job (its guest gave up on it):
   * whatever its handler answers later is dropped, and a fresh loop serves the next request at
   * once instead of waiting for that handler. Only while the worker runs no guest code.
   */
  reset(): void {
    if (this.closed || !this.handle) return;
    this.epoch++;
    Atomics.store(this.header, STATE, IDLE);
    void this.loop(this.epoch);
  }

  /** Stops serving and wakes a guest blocked on the channel. */
  close(): void {
    this.closed = true;
    this.handTo(CLOSED);
  }

  /**
   * Serves requests one exchange at a time. Every step re-checks that this loop is still the
   * current one (else it stops, writing nothing) and that the frame still belongs to the
   * exchange it serves, `seq` (else the exchange is dropped unwritten and the loop serves
   * whatever request the frame holds now). One async function, no per-exchange promise: this is
   * the hot path of every host call.
   */
  private async loop(epoch: number): Promise<void> {
    const handle = this.handle as ChannelHandler;
    serving: while (await this.turn(epoch)) {
      const seq = this.header[SEQ];
      const index = this.header[KIND];
      const job = this.header[JOB];
      const request = new Uint8Array(this.header[TOTAL]);
      for (let received = this.readChunk(request, 0); received < request.length; received = this.readChunk(request, received)) {
        this.handTo(GUEST_TURN);
        if (!(await this.turn(epoch))) return;
        if (this.header[SEQ] !== seq) continue serving;
      }
      const reply = await handle(index, request, job);
      if (!this.current(epoch)) return;
      // The guest must still be waiting for this very exchange: never write into another one's frame.
      if (Atomics.load(this.header, STATE) !== HOST_TURN || this.header[SEQ] !== seq) continue;
      const [kind, bytes] = reply.ok ? [OK, reply.bytes] : [reply.fault === 'guest' ? GUEST_FAULT : HOST_FAULT, new TextEncoder().encode(reply.message)];
      let offset = this.writeChunk(seq, bytes, 0, kind);
      this.handTo(GUEST_TURN);
      while (offset < bytes.length) {
        if (!(await this.turn(epoch))) return;
        if (this.header[SEQ] !== seq) continue serving;
        offset = this.writeChunk(seq, bytes, offset, kind);
        this.handTo(GUEST_TURN);
      }
    }
  }

  private current(epoch: number): boolean {
    return !this.closed && epoch === this.epoch;
  }

  /** Waits until it is the host's turn; false once the channel is closed or this loop was replaced. */
  private async turn(epoch: number): Promise<boolean> {
    for (;;) {
      if (!this.current(epoch)) return false;
      const state = Atomics.load(this.header, STATE);
      if (state === CLOSED) return false;
      if (state === HOST_TURN) return true;
      const waiting = Atomics.waitAsync(this.header, STATE, state);
      if (waiting.async) await waiting.value;
    }
  }
}
