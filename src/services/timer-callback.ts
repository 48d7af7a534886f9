import { RPCS } from '../contract';
import { NdpError } from '../errors';
import type { TimerCallbackRequest, TimerCallbackResponse } from '../../generated/ts/api';
import { limitsOf, type ForwardingHandler, type ServiceDeps } from './call-context';
import { pluginCaller, selectPlugins } from './call-plugin';

/** TimerCallback: a timer belongs to one plugin, so the caller must name it with `x-plugin`. */
export function timerCallbackHandlers(deps: ServiceDeps) {
  return { onTimerCallback: onTimerCallback(deps) };
}

/**
 * Runs a fired timer's OnTimerCallback in the owning plugin; rejects (for the timer service to
 * log with plugin and timer id) when the plugin is gone, fails, or answers with an `error`.
 */
export function timerFirer(deps: ServiceDeps): (pluginId: string, timerId: string, payload: Uint8Array) => Promise<void> {
  const handler = onTimerCallback(deps);
  const { request } = RPCS.TimerCallback.onTimerCallback;
  return async (pluginId, timerId, payload) => {
    const { error } = (await handler(request({ timerId, payload: Buffer.from(payload) }), { pluginId, deadline: Infinity })).message;
    if (error) throw new NdpError('plugin_error', `plugin ${pluginId}: OnTimerCallback for timer ${timerId} answered: ${error}`, { pluginId });
  };
}

function onTimerCallback(deps: ServiceDeps): ForwardingHandler<TimerCallbackRequest, TimerCallbackResponse> {
  const rpc = RPCS.TimerCallback.onTimerCallback;
  const callPlugin = pluginCaller(deps.observer);
  return async (request, context) => {
    if (context.pluginId === undefined) {
      throw new NdpError('invalid_argument', 'TimerCallback calls need the x-plugin metadata naming the plugin that owns the timer', { key: 'x-plugin' });
    }
    const [plugin] = selectPlugins(deps.plugins, rpc.service, context);
    return callPlugin(plugin, rpc, request.bytes, limitsOf(context, deps.timerCallbackTimeoutMs));
  };
}
