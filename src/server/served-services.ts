import type { ServiceDefinition } from '@grpc/grpc-js';
import { MetadataAgentService, ScrobblerService, TimerCallbackService } from '../../generated/ts/api';
import { PluginAdminService } from '../../generated/ts/ndphost/admin/v1/admin';
import type { ServiceHandlerSet } from '../services';

/** Every service the sidecar serves: its grpc-js definition and full name, by handler set key. */
export const SERVED_SERVICES: { readonly [K in keyof ServiceHandlerSet]: { readonly definition: ServiceDefinition; readonly name: string } } = {
  MetadataAgent: { definition: MetadataAgentService, name: 'api.MetadataAgent' },
  Scrobbler: { definition: ScrobblerService, name: 'api.Scrobbler' },
  TimerCallback: { definition: TimerCallbackService, name: 'api.TimerCallback' },
  PluginAdmin: { definition: PluginAdminService, name: 'ndphost.admin.v1.PluginAdmin' },
};
