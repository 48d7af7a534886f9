/**
 * The synchronous channel a worker uses to call the host: the guest is blocked in a host import
 * (`env.get`) while the main thread performs an asynchronous service (HTTP, timers). Both ends
 * live here so the frame writer and reader cannot drift apart.
 *
 * One SharedArrayBuffer per worker:
 *
 *   byte 0          4          8          12         16                      16 + capacity
 *        +----------+----------+----------+----------+-----------------------+
 *        |  STATE   |  LENGTH  |  TOTAL   |   KIND   |  payload chunk        |
 *        +----------+----------+----------+----------+-----------------------+
 *
 * STATE says whose turn it is. A message of TOTAL bytes travels in chunks of at most
 * `capacity` bytes (LENGTH each): the sender writes a chunk and hands the turn over; the
 * receiver copies it and, while bytes are missing, hands the turn back for the next one. So no
 * message is ever truncated, whatever its size. KIND is the host function's index in a request,
 * and OK or FAILED in a reply.
 *
 * The worker waits with Atomics.wait (it has nothing else to do); the main thread waits with
 * Atomics.waitAsync so its event loop keeps serving.
 */

const STATE = 0;
const LENGTH = 1;
const TOTAL = 2;
const KIND = 3;
const HEADER_BYTES = 16;

const IDLE = 0;
const HOST_TURN = 1;
const GUEST_TURN = 2;
const CLOSED = 3;

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
  protected writeChunk(bytes: Uint8Array, offset: number, kind: number): number {
    const length = Math.min(this.payload.length, bytes.length - offset);
    this.payload.set(bytes.subarray(offset, offset + length));
    this.header[LENGTH] = length;
    this.header[TOTAL] = bytes.length;
    this.header[KIND] = kind;
    return offset + length;
  }

  /** Copies the current chunk into `into` at `offset`; returns the offset after it. */
  protected readChunk(into: Uint8Array, offset: number): number {
    const length = this.header[LENGTH];
    into.set(this.payload.subarray(0, length), offset);
    return offset + length;
  }

  protected handTo(turn: number): void {
    Atomics.store(this.header, STATE, turn);
    Atomics.notify(this.header, STATE);
  }
}

/** The worker's end: a blocking call. */
export class GuestChannel extends Frames {
  /** Sends a request to host function `index` and blocks until the whole reply has arrived. */
  call(index: number, request: Uint8Array): HostReply {
    let offset = 0;
    do {
      offset = this.writeChunk(request, offset, index);
      if (!this.handToHostAndWait()) return CHANNEL_CLOSED;
    } while (offset < request.length);
    const reply = new Uint8Array(this.header[TOTAL]);
    const kind = this.header[KIND];
    for (let received = this.readChunk(reply, 0); received < reply.length; received = this.readChunk(reply, received)) {
      if (!this.handToHostAndWait()) return CHANNEL_CLOSED;
    }
    Atomics.store(this.header, STATE, IDLE);
    if (kind === OK) return { ok: true, bytes: reply };
    return { ok: false, fault: kind === GUEST_FAULT ? 'guest' : 'host', message: new TextDecoder().decode(reply) };
  }

  /** Hands the turn to the host and blocks until it hands it back; false if it closed instead. */
  private handToHostAndWait(): boolean {
    this.handTo(HOST_TURN);
    const spinUntil = performance.now() + SPIN_MS;
    while (Atomics.load(this.header, STATE) === HOST_TURN && performance.now() < spinUntil);
    Atomics.wait(this.header, STATE, HOST_TURN);
    return Atomics.load(this.header, STATE) !== CLOSED;
  }
}

const CHANNEL_CLOSED: HostReply = { ok: false, fault: 'host', message: 'the host closed the channel' };

/** What the main thread does with one request: resolve to a reply (never reject). */
export type ChannelHandler = (index: number, request: Uint8Array) => Promise<HostReply>;

/** The main thread's end: serves requests until closed. */
export class HostChannel extends Frames {
  private closed = false;

  /** Starts serving; each request is handled to completion before the next is read. */
  serve(handle: ChannelHandler): void {
    void this.loop(handle);
  }

  /** Stops serving and wakes a guest blocked on the channel. */
  close(): void {
    this.closed = true;
    this.handTo(CLOSED);
  }

  private async loop(handle: ChannelHandler): Promise<void> {
    while (await this.turn()) {
      const request = new Uint8Array(this.header[TOTAL]);
      const index = this.header[KIND];
      let received = this.readChunk(request, 0);
      while (received < request.length) {
        this.handTo(GUEST_TURN);
        if (!(await this.turn())) return;
        received = this.readChunk(request, received);
      }
      const reply = await handle(index, request);
      if (this.closed) return;
      const [kind, bytes] = reply.ok ? [OK, reply.bytes] : [reply.fault === 'guest' ? GUEST_FAULT : HOST_FAULT, new TextEncoder().encode(reply.message)];
      let offset = this.writeChunk(bytes, 0, kind);
      this.handTo(GUEST_TURN);
      while (offset < bytes.length) {
        if (!(await this.turn())) return;
        offset = this.writeChunk(bytes, offset, kind);
        this.handTo(GUEST_TURN);
      }
    }
  }

  /** Waits until it is the host's turn; false once the channel is closed. */
  private async turn(): Promise<boolean> {
    for (;;) {
      const state = Atomics.load(this.header, STATE);
      if (this.closed || state === CLOSED) return false;
      if (state === HOST_TURN) return true;
      const waiting = Atomics.waitAsync(this.header, STATE, state);
      if (waiting.async) await waiting.value;
    }
  }
}
