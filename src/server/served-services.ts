import type { ServiceDefinition } from '@grpc/grpc-js';
import { MetadataAgentDefinition, SchedulerCallbackDefinition, ScrobblerDefinition, TimerCallbackDefinition } from '../../generated/ts/api';
import { PluginAdminDefinition } from '../../generated/ts/ndphost/admin/v1/admin';
import type { ServiceHandlerSet } from '../services';
import { grpcDefinition } from './grpc-definition';

/** Every service the sidecar serves: its grpc-js definition and full name, by handler set key. */
export const SERVED_SERVICES: { readonly [K in keyof ServiceHandlerSet]: { readonly definition: ServiceDefinition; readonly name: string } } = {
  MetadataAgent: { definition: grpcDefinition(MetadataAgentDefinition), name: MetadataAgentDefinition.fullName },
  Scrobbler: { definition: grpcDefinition(ScrobblerDefinition), name: ScrobblerDefinition.fullName },
  TimerCallback: { definition: grpcDefinition(TimerCallbackDefinition), name: TimerCallbackDefinition.fullName },
  SchedulerCallback: { definition: grpcDefinition(SchedulerCallbackDefinition), name: SchedulerCallbackDefinition.fullName },
  PluginAdmin: { definition: grpcDefinition(PluginAdminDefinition), name: PluginAdminDefinition.fullName },
};
