/** The WebSocket host service: client connections under `permissions.websocket`, frames delivered to WebSocketCallback. */
export {
  /** Plugins' WebSocket connections; `release(pluginId)` when a plugin goes, `close()` at shutdown. */
  WebSocketService,
} from './websocket-service';
export type { WebSocketEvent, WebSocketServiceOptions } from './websocket-service';
export {
  /** Checks `permissions.websocket` patterns at load; throws `bad_manifest`. */
  compileWebSocketPolicy,
} from './websocket-policy';
export type { WebSocketPermission, WebSocketPolicy } from './websocket-policy';
export {
  /** Its `env` imports: connect, send_text, send_binary, close. */
  WEBSOCKET_FUNCTIONS,
} from './websocket-functions';
