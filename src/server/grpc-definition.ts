import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import { encodeMessage, type GenericMethod } from '../contract';

interface GenericService {
  readonly fullName: string;
  readonly methods: Readonly<Record<string, GenericMethod<any, any> & { readonly requestStream: boolean; readonly responseStream: boolean }>>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/**
 * The grpc-js definition of a served service, built from ts-proto's generic definition (its
 * message types by method) instead of ts-proto's grpc-js one: the same paths and codecs, but
 * messages are encoded with the thread's reused writer (contract/message-codec.ts), as the
 * sidecar encodes every response it sends.
 */
export function grpcDefinition(service: GenericService): ServiceDefinition {
  const methods = Object.entries(service.methods).map(([key, method]): [string, MethodDefinition<unknown, unknown>] => {
    const { name, requestType, responseType, requestStream, responseStream } = method;
    return [
      key,
      {
        path: `/${service.fullName}/${name}`,
        requestStream,
        responseStream,
        requestSerialize: (request) => encodeMessage(requestType, request),
        requestDeserialize: (bytes) => requestType.decode(bytes),
        responseSerialize: (response) => encodeMessage(responseType, response),
        responseDeserialize: (bytes) => responseType.decode(bytes),
      },
    ];
  });
  return Object.fromEntries(methods);
}
