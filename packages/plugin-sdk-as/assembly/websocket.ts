// WebSocketService (capabilities form, permissions.websocket): client connections whose frames
// arrive in the plugin's WebSocketCallback exports.

import { callHost } from "./abi";
import { CloseRequest } from "./messages/websocket/CloseRequest";
import { CloseResponse } from "./messages/websocket/CloseResponse";
import { ConnectRequest } from "./messages/websocket/ConnectRequest";
import { ConnectResponse } from "./messages/websocket/ConnectResponse";
import { SendBinaryRequest } from "./messages/websocket/SendBinaryRequest";
import { SendBinaryResponse } from "./messages/websocket/SendBinaryResponse";
import { SendTextRequest } from "./messages/websocket/SendTextRequest";
import { SendTextResponse } from "./messages/websocket/SendTextResponse";

@external("env", "connect") declare function hostConnect(ptr: usize, len: i32): u64;
@external("env", "send_text") declare function hostSendText(ptr: usize, len: i32): u64;
@external("env", "send_binary") declare function hostSendBinary(ptr: usize, len: i32): u64;
@external("env", "close") declare function hostClose(ptr: usize, len: i32): u64;

/**
 * WebSocketService.Connect (permissions.websocket): frames and the end of the connection arrive
 * in this plugin's WebSocketCallback exports. A refused or failed dial is in `error`.
 */
export function wsConnect(request: ConnectRequest): ConnectResponse {
  return callHost<ConnectRequest, ConnectResponse>(hostConnect, request, ConnectRequest.encode, ConnectResponse.decode);
}

/** WebSocketService.SendText. */
export function wsSendText(request: SendTextRequest): SendTextResponse {
  return callHost<SendTextRequest, SendTextResponse>(hostSendText, request, SendTextRequest.encode, SendTextResponse.decode);
}

/** WebSocketService.SendBinary. */
export function wsSendBinary(request: SendBinaryRequest): SendBinaryResponse {
  return callHost<SendBinaryRequest, SendBinaryResponse>(hostSendBinary, request, SendBinaryRequest.encode, SendBinaryResponse.decode);
}

/** WebSocketService.Close: sends a close frame (code 0: 1000); OnClose follows when it is done. */
export function wsClose(request: CloseRequest): CloseResponse {
  return callHost<CloseRequest, CloseResponse>(hostClose, request, CloseRequest.encode, CloseResponse.decode);
}
