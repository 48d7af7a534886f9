import { RPCS } from '../contract';
import type { WebSocketEvent } from '../host';
import { limitsOf, type ServiceDeps } from './call-context';
import { pluginCaller } from './call-plugin';

/**
 * Delivers one WebSocket event to the owning plugin's WebSocketCallback (released Navidrome's
 * OnTextMessage, OnBinaryMessage, OnError, OnClose), within Plugins.TimerCallbackTimeout. A
 * plugin that is gone, or does not declare WebSocketCallback, gets nothing, as released.
 */
export function webSocketDelivery(deps: ServiceDeps): (pluginId: string, event: WebSocketEvent) => Promise<void> {
  const rpcs = RPCS.WebSocketCallback;
  const callPlugin = pluginCaller(deps.observer);
  return async (pluginId, event) => {
    const plugin = deps.plugins.get(pluginId);
    if (!plugin?.serves('WebSocketCallback')) {
      deps.log.debug({ pluginId, connectionId: event.connectionId, event: event.kind }, 'WebSocket event for a plugin without WebSocketCallback; dropped');
      return;
    }
    const limits = limitsOf({ deadline: Infinity }, deps.timerCallbackTimeoutMs);
    const { connectionId } = event;
    switch (event.kind) {
      case 'text':
        await callPlugin(plugin, rpcs.onTextMessage, rpcs.onTextMessage.request({ connectionId, message: event.message }).bytes, limits);
        return;
      case 'binary':
        await callPlugin(plugin, rpcs.onBinaryMessage, rpcs.onBinaryMessage.request({ connectionId, data: event.data }).bytes, limits);
        return;
      case 'error':
        await callPlugin(plugin, rpcs.onError, rpcs.onError.request({ connectionId, error: event.error }).bytes, limits);
        return;
      case 'close':
        await callPlugin(plugin, rpcs.onClose, rpcs.onClose.request({ connectionId, code: event.code, reason: event.reason }).bytes, limits);
    }
  };
}
