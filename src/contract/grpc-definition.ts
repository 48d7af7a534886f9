import type { ServiceDefinition } from '@grpc/grpc-js';
import { encodeMessage, messageTypesOf } from './message-codec';
import type { ServiceDefinitions, WireMessage } from './services';

/**
 * A ts-proto grpc-js definition with its responses, the only messages its server side encodes,
 * written by the thread's reused writer (message-codec.ts) instead of a writer per message: the
 * same keys, paths and codecs otherwise, the response type taken from ts-proto's generic
 * definition. For the services the sidecar serves over gRPC and for the host services plugins
 * call through `env` (a host call's response: ~3.8 -> ~1.9 us for an HttpResponse with a 1 KB
 * body, in a loop).
 */
export function withReusedWriter<D extends ServiceDefinition>({ grpc, generic }: ServiceDefinitions<D>): D {
  const methods = Object.entries(grpc).map(([key, method]) => {
    const { responseType } = messageTypesOf(generic, method.path);
    return [key, { ...method, responseSerialize: (response: unknown) => encodeMessage(responseType, response) }];
  });
  // The same keys and methods, only responseSerialize swapped for one of the same signature.
  return Object.fromEntries(methods) as D;
}

/**
 * A ts-proto grpc-js definition whose handlers answer with {@link WireMessage}s: each response is
 * written as the bytes it came in (a plugin's answer) or was encoded to (one the sidecar made),
 * not decoded and encoded again.
 */
export function withForwardedResponses<D extends ServiceDefinition>(grpc: D): D {
  const methods = Object.entries(grpc).map(([key, method]) => [key, { ...method, responseSerialize: wireBytes }]);
  return Object.fromEntries(methods) as D;
}

// grpc-js frames a response by copying a Buffer; a plugin's answer is a Uint8Array of its own.
function wireBytes({ bytes }: WireMessage<unknown>): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
