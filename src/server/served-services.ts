import type { ServiceDefinition } from '@grpc/grpc-js';
import { PluginAdminDefinition, PluginAdminService } from '../../generated/ts/ndphost/admin/v1/admin';
import { SERVICE_DEFINITIONS, withForwardedResponses, withReusedWriter, type ServiceDefinitions } from '../contract';
import type { ServiceHandlerSet } from '../services';
import { strictRequestDecoders } from './strict-request-decoders';

/** Every service the sidecar serves: its grpc-js definition and full name, by handler set key. */
export const SERVED_SERVICES: { readonly [K in keyof ServiceHandlerSet]: { readonly definition: ServiceDefinition; readonly name: string } } = {
  MetadataAgent: forwarded(SERVICE_DEFINITIONS.MetadataAgent),
  Scrobbler: forwarded(SERVICE_DEFINITIONS.Scrobbler),
  TimerCallback: forwarded(SERVICE_DEFINITIONS.TimerCallback),
  SchedulerCallback: forwarded(SERVICE_DEFINITIONS.SchedulerCallback),
  PluginAdmin: served({ grpc: PluginAdminService, generic: PluginAdminDefinition }),
};

/** A contract service: requests and responses pass between caller and plugins as the bytes sent. */
function forwarded(definitions: ServiceDefinitions<ServiceDefinition>): { readonly definition: ServiceDefinition; readonly name: string } {
  return { definition: strictRequestDecoders(withForwardedResponses(definitions.grpc), definitions, true), name: definitions.generic.fullName };
}

/** The sidecar's own service: its messages decoded and encoded by the generated types. */
function served(definitions: ServiceDefinitions<ServiceDefinition>): { readonly definition: ServiceDefinition; readonly name: string } {
  return { definition: strictRequestDecoders(withReusedWriter(definitions), definitions), name: definitions.generic.fullName };
}
