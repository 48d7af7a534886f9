import type { ServiceDefinition } from '@grpc/grpc-js';
import { messageOf, NdpError } from '../errors';

/** Reads one rpc's request bytes, throwing for bytes that are not a valid request. */
export type RequestReader = (bytes: Buffer) => unknown;

/**
 * The served definition with request deserializers that decode strictly (a string that is not
 * UTF-8 is refused, as Go's, Java's and C++'s proto3 parsers refuse it; `readerOf` gives each
 * method's reader) and return bytes that are not a valid message of the rpc as an
 * `invalid_argument` error value instead of throwing. grpc-js answers a throwing deserializer
 * with INTERNAL "Error deserializing request" (the reason only with a debug variable set), as if
 * the server had broken; the call adapter (unary-call.ts) answers the value through the one
 * error mapping instead: INVALID_ARGUMENT, naming the rpc and what the decoder found.
 */
export function strictRequestDecoders<D extends ServiceDefinition>(definition: D, readerOf: (key: string, path: string) => RequestReader): D {
  const methods = Object.entries(definition).map(([key, method]) => {
    const rpc = method.path.slice(method.path.lastIndexOf('/') + 1);
    const read = readerOf(key, method.path);
    const requestDeserialize = (bytes: Buffer): unknown => {
      try {
        return read(bytes);
      } catch (error) {
        return NdpError.withoutStack('invalid_argument', `the request (${bytes.length} bytes) is not a valid ${rpc} request: ${messageOf(error)}`);
      }
    };
    return [key, { ...method, requestDeserialize }];
  });
  // The same keys and methods; a deserializer may now also return an NdpError, which unaryCall answers.
  return Object.fromEntries(methods) as D;
}
