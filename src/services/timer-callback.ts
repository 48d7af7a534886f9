import { RPCS } from '../contract';
import { NdpError } from '../errors';
import type { TimerCallbackRequest, TimerCallbackResponse } from '../../generated/ts/api';
import { budget, type Handler, type ServiceDeps } from './call-context';
import { callPlugin, selectPlugins } from './call-plugin';

/** TimerCallback: a timer belongs to one plugin, so the caller must name it with `x-plugin`. */
export function timerCallbackHandlers(deps: ServiceDeps) {
  return { onTimerCallback: onTimerCallback(deps) };
}

function onTimerCallback(deps: ServiceDeps): Handler<TimerCallbackRequest, TimerCallbackResponse> {
  const rpc = RPCS.TimerCallback.onTimerCallback;
  return async (request, context) => {
    if (context.pluginId === undefined) {
      throw new NdpError('invalid_argument', 'TimerCallback calls need the x-plugin metadata naming the plugin that owns the timer', { key: 'x-plugin' });
    }
    const [plugin] = selectPlugins(deps.plugins, rpc.service, context);
    return callPlugin(plugin, rpc, rpc.encodeRequest(request), budget(context, deps.callTimeoutMs));
  };
}
