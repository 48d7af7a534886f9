import type { ServiceDefinition } from '@grpc/grpc-js';
import { encodeMessage, messageTypesOf, type ServiceDefinitions } from '../contract';

/**
 * A served service's grpc-js definition (ts-proto's) with its responses, the only messages a
 * server encodes, written by the thread's reused writer (contract/message-codec.ts) instead of a
 * writer per message: the same keys, paths and codecs otherwise, the response type taken from
 * ts-proto's generic definition.
 */
export function withReusedWriter({ grpc, generic }: ServiceDefinitions<ServiceDefinition>): ServiceDefinition {
  const methods = Object.entries(grpc).map(([key, method]) => {
    const { responseType } = messageTypesOf(generic, method.path);
    return [key, { ...method, responseSerialize: (response: unknown) => encodeMessage(responseType, response) }];
  });
  return Object.fromEntries(methods) as ServiceDefinition;
}
