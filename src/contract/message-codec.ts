import { BinaryWriter } from '@bufbuild/protobuf/wire';

/** A generated (ts-proto) message type, as far as encoding and decoding go. */
export interface MessageType<T> {
  encode(message: T, writer?: BinaryWriter): BinaryWriter;
  decode(input: Uint8Array): T;
}

/**
 * Messages above this size do not keep their writer's buffer: one large response must not pin
 * megabytes for the life of the process.
 */
const KEPT_BUFFER_BYTES = 64 * 1024;

// ts-proto's serializers make a writer per message, grow its buffer from nothing, slice it and
// copy the slice into a Buffer: three allocations and two copies, 1-3 us a message, and the
// sidecar encodes each call's request and response (issue 10). Encoding is synchronous and
// never re-entered, so one writer serves the thread; `finish` leaves it empty for the next.
let writer = new BinaryWriter();

/** Encodes a message into a Buffer of its own, with the thread's reused writer. */
export function encodeMessage<T>(type: MessageType<T>, message: T): Buffer {
  let bytes: Uint8Array;
  try {
    bytes = type.encode(message, writer).finish();
  } catch (error) {
    // A value encode rejects (a number out of range) leaves the writer mid-message.
    writer = new BinaryWriter();
    throw error;
  }
  if (bytes.length > KEPT_BUFFER_BYTES) writer = new BinaryWriter();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}
