import { WebSocketServiceService, WebSocketServiceDefinition } from '../../../generated/ts/host/websocket/websocket';
import { withReusedWriter } from '../../contract';
import { hostFunction, type HostFunction } from '../host-function';

/** Responses written by the thread's reused writer (contract/grpc-definition.ts). */
const WebSocketService = withReusedWriter({ grpc: WebSocketServiceService, generic: WebSocketServiceDefinition });

/** WebSocketService's `env` imports. Connections are keyed by the plugin id the job carries. */
export const WEBSOCKET_FUNCTIONS: readonly HostFunction[] = [
  hostFunction('websocket', WebSocketService.connect, ({ websockets }, { pluginId, deadline, grant }, request) =>
    websockets.connect({ pluginId, deadline, policy: grant.websocket }, request),
  ),
  hostFunction('websocket', WebSocketService.sendText, ({ websockets }, { pluginId }, request) => websockets.sendText(pluginId, request)),
  hostFunction('websocket', WebSocketService.sendBinary, ({ websockets }, { pluginId }, request) => websockets.sendBinary(pluginId, request)),
  hostFunction('websocket', WebSocketService.close, ({ websockets }, { pluginId }, request) => websockets.closeConnection(pluginId, request)),
];
