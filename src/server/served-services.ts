import type { ServiceDefinition } from '@grpc/grpc-js';
import { PluginAdminDefinition, PluginAdminService } from '../../generated/ts/ndphost/admin/v1/admin';
import { decodeStrictly, messageTypesOf, RPCS, SERVICE_DEFINITIONS, withForwardedResponses, withReusedWriter, type RpcContract, type ServiceDefinitions, type ServiceName } from '../contract';
import type { ServiceHandlerSet } from '../services';
import { strictRequestDecoders } from './strict-request-decoders';

/** Every service the sidecar serves: its grpc-js definition and full name, by handler set key. */
export const SERVED_SERVICES: { readonly [K in keyof ServiceHandlerSet]: { readonly definition: ServiceDefinition; readonly name: string } } = {
  MetadataAgent: forwarded('MetadataAgent'),
  Scrobbler: forwarded('Scrobbler'),
  TimerCallback: forwarded('TimerCallback'),
  SchedulerCallback: forwarded('SchedulerCallback'),
  PluginAdmin: served({ grpc: PluginAdminService, generic: PluginAdminDefinition }),
};

/**
 * A contract service: requests and responses pass between caller and plugins as the bytes sent
 * (WireMessage), read by the contract's rpcs, keyed as the grpc-js definition.
 */
function forwarded(service: ServiceName): { readonly definition: ServiceDefinition; readonly name: string } {
  const definitions = SERVICE_DEFINITIONS[service] as ServiceDefinitions<ServiceDefinition>;
  const rpcs = RPCS[service] as Readonly<Record<string, RpcContract<unknown, unknown>>>;
  return { definition: strictRequestDecoders(withForwardedResponses(definitions.grpc), (key) => rpcs[key].readRequest), name: definitions.generic.fullName };
}

/** The sidecar's own service: its messages decoded and encoded by the generated types. */
function served(definitions: ServiceDefinitions<ServiceDefinition>): { readonly definition: ServiceDefinition; readonly name: string } {
  const readerOf = (_key: string, path: string) => {
    const { requestType } = messageTypesOf(definitions.generic, path);
    return (bytes: Buffer) => decodeStrictly(requestType, bytes);
  };
  return { definition: strictRequestDecoders(withReusedWriter(definitions), readerOf), name: definitions.generic.fullName };
}
