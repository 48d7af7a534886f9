import { WebSocketServiceService } from '../../../generated/ts/host/websocket/websocket';
import { hostFunction, type HostFunction } from '../host-function';

/** WebSocketService's `env` imports. Connections are keyed by the plugin id the job carries. */
export const WEBSOCKET_FUNCTIONS: readonly HostFunction[] = [
  hostFunction('websocket', WebSocketServiceService.connect, ({ websockets }, { pluginId, deadline, grant }, request) =>
    websockets.connect({ pluginId, deadline, policy: grant.websocket }, request),
  ),
  hostFunction('websocket', WebSocketServiceService.sendText, ({ websockets }, { pluginId }, request) => websockets.sendText(pluginId, request)),
  hostFunction('websocket', WebSocketServiceService.sendBinary, ({ websockets }, { pluginId }, request) => websockets.sendBinary(pluginId, request)),
  hostFunction('websocket', WebSocketServiceService.close, ({ websockets }, { pluginId }, request) => websockets.closeConnection(pluginId, request)),
];
