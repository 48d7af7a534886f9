import type { ServiceDefinition } from '@grpc/grpc-js';
import {
  MetadataAgentDefinition,
  MetadataAgentService,
  SchedulerCallbackDefinition,
  SchedulerCallbackService,
  ScrobblerDefinition,
  ScrobblerService,
  TimerCallbackDefinition,
  TimerCallbackService,
} from '../../generated/ts/api';
import { PluginAdminDefinition, PluginAdminService } from '../../generated/ts/ndphost/admin/v1/admin';
import type { ServiceHandlerSet } from '../services';
import { withReusedWriter } from './grpc-definition';

/** Every service the sidecar serves: its grpc-js definition and full name, by handler set key. */
export const SERVED_SERVICES: { readonly [K in keyof ServiceHandlerSet]: { readonly definition: ServiceDefinition; readonly name: string } } = {
  MetadataAgent: { definition: withReusedWriter(MetadataAgentService, MetadataAgentDefinition), name: MetadataAgentDefinition.fullName },
  Scrobbler: { definition: withReusedWriter(ScrobblerService, ScrobblerDefinition), name: ScrobblerDefinition.fullName },
  TimerCallback: { definition: withReusedWriter(TimerCallbackService, TimerCallbackDefinition), name: TimerCallbackDefinition.fullName },
  SchedulerCallback: { definition: withReusedWriter(SchedulerCallbackService, SchedulerCallbackDefinition), name: SchedulerCallbackDefinition.fullName },
  PluginAdmin: { definition: withReusedWriter(PluginAdminService, PluginAdminDefinition), name: PluginAdminDefinition.fullName },
};
