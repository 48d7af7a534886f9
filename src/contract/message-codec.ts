import { BinaryReader, BinaryWriter } from '@bufbuild/protobuf/wire';

/** A generated (ts-proto) message type, as far as encoding and decoding go. */
export interface MessageType<T> {
  encode(message: T, writer?: BinaryWriter): BinaryWriter;
  decode(input: BinaryReader | Uint8Array): T;
  /** The message with every field at its default. */
  create(): T;
}

/**
 * Messages above this size do not keep their writer's buffer: one large response must not pin
 * megabytes for the life of the process.
 */
const KEPT_BUFFER_BYTES = 64 * 1024;

/**
 * V8 keeps a typed array this small on its own heap; asking it for its ArrayBuffer moves the
 * bytes off the heap, a malloc and a copy, and later a free in the collector.
 */
const ON_HEAP_BYTES = 64;

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
  // Most requests and responses are small: copied into Node's pooled slab, which is off the heap already.
  return bytes.length <= ON_HEAP_BYTES ? Buffer.from(bytes) : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

// A leading U+FEFF is text in a protobuf string, not a byte-order mark (as the library's own decoder keeps it).
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function decodeStrictUtf8(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new Error(`a string field holds ${bytes.length} bytes that are not UTF-8`);
  }
}

/**
 * Decodes a message as the proto3 parsers of Go, Java and C++ do: a string field whose bytes are
 * not UTF-8 is an error (the decoder's default puts U+FFFD in their place, so `Bj\xf6rk` sent in
 * Latin-1 would reach a plugin as `Bj\ufffdrk`, and nobody would be told).
 */
export function decodeStrictly<T>(type: MessageType<T>, bytes: Uint8Array): T {
  return type.decode(new BinaryReader(bytes, decodeStrictUtf8));
}

/**
 * A test for messages of `type` that encode to no bytes, without encoding them: ts-proto writes
 * a field only when it differs from the default `create()` gives it (a scalar other than its
 * zero, a repeated field, bytes or map not empty, a message or optional field set), so a message
 * with every field at that default is empty. Decided once per type from its defaults.
 */
export function emptyTest<T>(type: MessageType<T>): (message: T) => boolean {
  const defaults = Object.entries(type.create() as object);
  return (message) => defaults.every(([field, zero]) => isDefault((message as Record<string, unknown>)[field], zero));
}

function isDefault(value: unknown, zero: unknown): boolean {
  if (zero === undefined) return value === undefined;
  if (Array.isArray(zero) || zero instanceof Uint8Array) return (value as ArrayLike<unknown>).length === 0;
  if (typeof zero === 'object' && zero !== null) return Object.keys(value as object).length === 0;
  return value === zero;
}

/** A ts-proto generic service definition, as far as its methods' message types go. */
export interface GenericService {
  readonly fullName: string;
  readonly methods: Readonly<Record<string, { readonly name: string } & MessageTypes>>;
}

/** A method's request and response message types. */
export interface MessageTypes {
  readonly requestType: MessageType<unknown>;
  readonly responseType: MessageType<unknown>;
}

/**
 * The message types of a method of ts-proto's grpc-js definition, found in the generic one by
 * the gRPC path, the one name both agree on (they key methods differently: `getArtistMbid`,
 * `getArtistMBID`).
 */
export function messageTypesOf(service: GenericService, path: string): MessageTypes {
  for (const method of Object.values(service.methods)) if (`/${service.fullName}/${method.name}` === path) return method;
  throw new Error(`${path} is not a method of ${service.fullName}: generated/ts is out of date (run npm run generate)`);
}
