import { RPCS } from '../contract';
import { NdpError } from '../errors';
import type { SchedulerCallbackRequest, SchedulerCallbackResponse } from '../../generated/ts/api';
import { limitsOf, type ForwardingHandler, type ServiceDeps } from './call-context';
import { pluginCaller, selectPlugins } from './call-plugin';

/** SchedulerCallback: a schedule belongs to one plugin, so the caller must name it with `x-plugin`. */
export function schedulerCallbackHandlers(deps: ServiceDeps) {
  return { onSchedulerCallback: onSchedulerCallback(deps) };
}

/**
 * Runs a fired schedule's OnSchedulerCallback in the owning plugin; rejects (for the scheduler to
 * log) when it fails or answers with an `error`. A plugin that is gone or does not declare
 * SchedulerCallback gets nothing, as released.
 */
export function schedulerFirer(deps: ServiceDeps): (pluginId: string, scheduleId: string, payload: Uint8Array, isRecurring: boolean) => Promise<void> {
  const handler = onSchedulerCallback(deps);
  const { request } = RPCS.SchedulerCallback.onSchedulerCallback;
  return async (pluginId, scheduleId, payload, isRecurring) => {
    // A schedule made in OnInit may fall due while its plugin is still loading: it goes to the
    // version that comes out of that load.
    await deps.plugins.settled(pluginId);
    if (!deps.plugins.get(pluginId)?.serves('SchedulerCallback')) {
      deps.log.debug({ pluginId, scheduleId }, 'schedule fired for a plugin without SchedulerCallback; dropped');
      return;
    }
    const { error } = (await handler(request({ scheduleId, payload: Buffer.from(payload), isRecurring }), { pluginId, deadline: Infinity })).message;
    if (error) throw new NdpError('plugin_error', `plugin ${pluginId}: OnSchedulerCallback for schedule ${scheduleId} answered: ${error}`, { pluginId });
  };
}

function onSchedulerCallback(deps: ServiceDeps): ForwardingHandler<SchedulerCallbackRequest, SchedulerCallbackResponse> {
  const rpc = RPCS.SchedulerCallback.onSchedulerCallback;
  const callPlugin = pluginCaller(deps.observer);
  return async (request, context) => {
    if (context.pluginId === undefined) {
      throw new NdpError('invalid_argument', 'SchedulerCallback calls need the x-plugin metadata naming the plugin that owns the schedule', { key: 'x-plugin' });
    }
    const [plugin] = selectPlugins(deps.plugins, rpc.service, context);
    return callPlugin(plugin, rpc, request.bytes, limitsOf(context, deps.timerCallbackTimeoutMs));
  };
}
