import type { ServiceDefinition } from '@grpc/grpc-js';
import { NdpError } from '../errors';

/**
 * The definition with each request deserializer returning an `invalid_argument` error value for
 * bytes that are not a valid message of its rpc, instead of throwing. grpc-js answers a throwing
 * deserializer with INTERNAL "Error deserializing request" (the reason only with a debug variable
 * set), as if the server had broken; the call adapter (unary-call.ts) answers the value through
 * the one error mapping instead: INVALID_ARGUMENT, naming the rpc and what the decoder found.
 */
export function malformedRequestsAsErrors<D extends ServiceDefinition>(definition: D): D {
  const methods = Object.entries(definition).map(([key, method]) => {
    const rpc = method.path.slice(method.path.lastIndexOf('/') + 1);
    const decode = method.requestDeserialize;
    const requestDeserialize = (bytes: Buffer): unknown => {
      try {
        return decode(bytes);
      } catch (error) {
        return NdpError.withoutStack('invalid_argument', `the request (${bytes.length} bytes) is not a valid ${rpc} request: ${error instanceof Error ? error.message : String(error)}`);
      }
    };
    return [key, { ...method, requestDeserialize }];
  });
  // The same keys and methods; a deserializer may now also return an NdpError, which unaryCall answers.
  return Object.fromEntries(methods) as D;
}
