import type { ServiceDefinition } from '@grpc/grpc-js';
import { PluginAdminDefinition, PluginAdminService } from '../../generated/ts/ndphost/admin/v1/admin';
import { SERVICE_DEFINITIONS, withReusedWriter, type ServiceDefinitions } from '../contract';
import type { ServiceHandlerSet } from '../services';
import { strictRequestDecoders } from './strict-request-decoders';

/** Every service the sidecar serves: its grpc-js definition and full name, by handler set key. */
export const SERVED_SERVICES: { readonly [K in keyof ServiceHandlerSet]: { readonly definition: ServiceDefinition; readonly name: string } } = {
  MetadataAgent: served(SERVICE_DEFINITIONS.MetadataAgent),
  Scrobbler: served(SERVICE_DEFINITIONS.Scrobbler),
  TimerCallback: served(SERVICE_DEFINITIONS.TimerCallback),
  SchedulerCallback: served(SERVICE_DEFINITIONS.SchedulerCallback),
  PluginAdmin: served({ grpc: PluginAdminService, generic: PluginAdminDefinition }),
};

function served(definitions: ServiceDefinitions<ServiceDefinition>): { readonly definition: ServiceDefinition; readonly name: string } {
  return { definition: strictRequestDecoders(withReusedWriter(definitions), definitions), name: definitions.generic.fullName };
}
