/** The contract's services: routing (`x-plugin`, order, fan-out) and message encoding. */
import { loadWireTypes } from '../contract';
import type { PluginManager } from '../plugins';
import type { ServiceDeps } from './call-context';
import { pluginAdminHandlers } from './plugin-admin';
import { metadataAgentHandlers } from './metadata-agent';
import { schedulerCallbackHandlers } from './scheduler-callback';
import { scrobblerHandlers } from './scrobbler';
import { timerCallbackHandlers } from './timer-callback';

export type { CallContext, Handler, PluginDirectory, ServiceDeps } from './call-context';
/** What telemetry implements to watch plugin calls and fan-out misses. */
export type { AnyRpc, FanOutMiss, PluginCallObserver } from './call-observer';
export {
  /** Runs a fired timer's OnTimerCallback in the plugin that owns it. */
  timerFirer,
} from './timer-callback';
export {
  /** Runs a fired schedule's OnSchedulerCallback in the plugin that owns it. */
  schedulerFirer,
} from './scheduler-callback';
export {
  /** Delivers WebSocket events to the owning plugin's WebSocketCallback. */
  webSocketDelivery,
} from './websocket-callback';

/** A handler per rpc of every contract service, built once at start: what Address serves. */
export function createServiceHandlers(deps: ServiceDeps) {
  // Messages passed between callers and plugins are checked against the compiled descriptors.
  loadWireTypes();
  return {
    MetadataAgent: metadataAgentHandlers(deps),
    Scrobbler: scrobblerHandlers(deps),
    TimerCallback: timerCallbackHandlers(deps),
    SchedulerCallback: schedulerCallbackHandlers(deps),
  };
}

/** The admin service's handlers (ndphost.admin.v1.PluginAdmin): served apart, at AdminAddress. */
export function createAdminHandlers(plugins: PluginManager) {
  return { PluginAdmin: pluginAdminHandlers(plugins) };
}

/** The handlers of every service, contract and admin, as the server wires them. */
export type ServiceHandlerSet = ReturnType<typeof createServiceHandlers> & ReturnType<typeof createAdminHandlers>;
