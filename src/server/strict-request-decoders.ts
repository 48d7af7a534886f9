import type { ServiceDefinition } from '@grpc/grpc-js';
import { decodeStrictly, messageTypesOf, type ServiceDefinitions, type WireMessage } from '../contract';
import { messageOf, NdpError } from '../errors';

/**
 * The served definition with request deserializers that decode strictly (a string that is not
 * UTF-8 is refused, as Go's, Java's and C++'s proto3 parsers refuse it) and return bytes that are
 * not a valid message of the rpc as an `invalid_argument` error value instead of throwing.
 * grpc-js answers a throwing deserializer with INTERNAL "Error deserializing request" (the reason
 * only with a debug variable set), as if the server had broken; the call adapter (unary-call.ts)
 * answers the value through the one error mapping instead: INVALID_ARGUMENT, naming the rpc and
 * what the decoder found. With `keepBytes`, a request arrives as a {@link WireMessage}: decoded,
 * and with the bytes it came in, which the contract services pass on to plugins as they are.
 */
export function strictRequestDecoders<D extends ServiceDefinition>(definition: D, { generic }: ServiceDefinitions<D>, keepBytes = false): D {
  const methods = Object.entries(definition).map(([key, method]) => {
    const rpc = method.path.slice(method.path.lastIndexOf('/') + 1);
    const { requestType } = messageTypesOf(generic, method.path);
    const requestDeserialize = (bytes: Buffer): unknown => {
      try {
        const message = decodeStrictly(requestType, bytes);
        return keepBytes ? ({ message, bytes } satisfies WireMessage<unknown>) : message;
      } catch (error) {
        return NdpError.withoutStack('invalid_argument', `the request (${bytes.length} bytes) is not a valid ${rpc} request: ${messageOf(error)}`);
      }
    };
    return [key, { ...method, requestDeserialize }];
  });
  // The same keys and methods; a deserializer may now also return an NdpError, which unaryCall answers.
  return Object.fromEntries(methods) as D;
}
