import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type WebSocket from 'ws';
import type {
  CloseRequest,
  CloseResponse,
  ConnectRequest,
  ConnectResponse,
  SendBinaryRequest,
  SendBinaryResponse,
  SendTextRequest,
  SendTextResponse,
} from '../../../generated/ts/host/websocket/websocket';
import { describeFailure, localNetworkGuard, requestHeaders } from '../http';
import type { WebSocketPolicy } from './websocket-policy';

/** released-dialect.md: gorilla's DefaultDialer allowed a 45 s handshake. */
const HANDSHAKE_TIMEOUT_MS = 45_000;
export const DEFAULT_MAX_WEBSOCKETS = 16;
export const DEFAULT_MAX_MESSAGE_BYTES = 10 * 1024 * 1024;
/**
 * Events received and not yet delivered on one connection past which its socket is paused (with
 * their bytes past the largest message allowed): TCP then holds the server back until the plugin
 * has caught up to half of either, so a server sending faster than the plugin's callbacks run
 * cannot fill the sidecar's memory. Released Navidrome read the next frame only after the
 * callback of the last one had returned.
 */
export const MAX_BACKLOG_EVENTS = 64;

/** What reaches the plugin's WebSocketCallback, one at a time per connection. */
export type WebSocketEvent =
  | { readonly kind: 'text'; readonly connectionId: string; readonly message: string }
  | { readonly kind: 'binary'; readonly connectionId: string; readonly data: Buffer }
  | { readonly kind: 'error'; readonly connectionId: string; readonly error: string }
  | { readonly kind: 'close'; readonly connectionId: string; readonly code: number; readonly reason: string };

export interface WebSocketServiceOptions {
  /** Open connections one plugin may have (Plugins.MaxWebSockets). */
  readonly maxPerPlugin?: number;
  /** The largest incoming message; a larger one ends the connection (code 1009). */
  readonly maxMessageBytes?: number;
  /** Lets every plugin reach local-network addresses (Plugins.AllowLocalNetwork). */
  readonly allowLocalNetwork: boolean;
  /** Runs the plugin's WebSocketCallback for one event; a rejection is logged. */
  readonly deliver: (pluginId: string, event: WebSocketEvent) => Promise<void>;
  readonly log: Logger;
}

/** One connect call: who asks (from the job), until when, under which policy. */
export interface ConnectCall {
  readonly pluginId: string;
  readonly deadline: number;
  readonly policy: WebSocketPolicy | undefined;
}

interface Connection {
  readonly pluginId: string;
  readonly connectionId: string;
  readonly socket: WebSocket;
  /** The last delivery queued: the next one starts after it, so a connection's events arrive in order. */
  deliveries: Promise<void>;
  /** Events queued and not yet delivered, and their bytes (MAX_BACKLOG_EVENTS). */
  readonly backlog: { events: number; bytes: number };
  /** Set when the plugin goes (or the id is reused): nothing more is delivered. */
  released: boolean;
  /** Set once the socket has closed. */
  ended: boolean;
}

const guard = localNetworkGuard('permissions.websocket');

/**
 * The WebSocket host service, on `ws`. Connections are keyed by the plugin id the job carries
 * and the plugin's connection id, so plugins never reach each other's sockets. Incoming frames,
 * errors and the end of a connection (when the peer or the plugin closes it) go to the plugin's
 * WebSocketCallback, one at a time per connection. Every failure a plugin can act on is in the
 * response's `error`; a dial failure too (released Navidrome trapped the call).
 */
export class WebSocketService {
  private readonly maxPerPlugin: number;
  private readonly maxMessageBytes: number;
  /** plugin id -> connection id -> connection */
  private readonly connections = new Map<string, Map<string, Connection>>();
  private closed = false;

  constructor(private readonly options: WebSocketServiceOptions) {
    this.maxPerPlugin = options.maxPerPlugin ?? DEFAULT_MAX_WEBSOCKETS;
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  }

  async connect(call: ConnectCall, request: ConnectRequest): Promise<ConnectResponse> {
    const { pluginId, policy } = call;
    const refused = (why: string): ConnectResponse => ({ connectionId: '', error: `connection to ${show(request.url)} refused: ${why}` });
    if (this.closed) return refused('the host is shutting down');
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return { connectionId: '', error: `bad URL ${JSON.stringify(request.url)}` };
    }
    if (policy === undefined) return refused('the plugin has no permissions.websocket');
    const refusal = policy.refusal(url);
    if (refusal !== undefined) return refused(`not permitted: ${refusal}`);
    const connectionId = request.connectionId === '' ? randomBytes(8).toString('base64url').slice(0, 10) : request.connectionId;
    const own = this.connections.get(pluginId);
    if (!own?.has(connectionId) && (own?.size ?? 0) >= this.maxPerPlugin) return refused(`plugin ${pluginId} already has ${this.maxPerPlugin} open WebSocket connections, the most allowed`);

    const local = this.options.allowLocalNetwork || policy.allowLocalNetwork;
    const literal = local ? undefined : guard.refuseLiteral(url.hostname);
    if (literal !== undefined) return refused(literal.message);
    const budget = Math.min(HANDSHAKE_TIMEOUT_MS, call.deadline - Date.now());
    if (!(budget > 0)) return refused("the plugin call's deadline has passed");

    let connection: Connection;
    try {
      connection = await this.dial(url, request.headers, budget, local, (socket) => ({ pluginId, connectionId, socket, deliveries: Promise.resolve(), backlog: { events: 0, bytes: 0 }, released: false, ended: false }));
    } catch (error) {
      return { connectionId: '', error: `connecting to ${show(request.url)} failed: ${describeFailure(error, url.host)}` };
    }
    if (this.closed) {
      connection.released = true;
      connection.socket.terminate();
      return refused('the host is shutting down');
    }
    // Reusing an id replaces that connection; the old socket is closed without callbacks, since
    // they would carry the same id as the new one.
    const previous = this.connections.get(pluginId)?.get(connectionId);
    if (previous) this.drop(previous, 1000, 'replaced');
    // A connection the peer already closed is not kept (its OnClose is on its way).
    if (!connection.ended) {
      let own = this.connections.get(pluginId);
      if (!own) this.connections.set(pluginId, (own = new Map()));
      own.set(connectionId, connection);
    }
    return { connectionId, error: '' };
  }

  async sendText(pluginId: string, { connectionId, message }: SendTextRequest): Promise<SendTextResponse> {
    return { error: await this.send(pluginId, connectionId, message, false) };
  }

  async sendBinary(pluginId: string, { connectionId, data }: SendBinaryRequest): Promise<SendBinaryResponse> {
    return { error: await this.send(pluginId, connectionId, Buffer.from(data), true) };
  }

  /** Sends a close frame; OnClose follows once the closing handshake is over. */
  async closeConnection(pluginId: string, { connectionId, code, reason }: CloseRequest): Promise<CloseResponse> {
    const connection = this.connections.get(pluginId)?.get(connectionId);
    if (!connection) return { error: 'connection not found' };
    // 0 is proto3's "unset": a normal closure.
    const closeCode = code === 0 ? 1000 : code;
    try {
      connection.socket.close(closeCode, reason);
    } catch (error) {
      return { error: `cannot close with code ${code} and that reason: ${describeFailure(error, '')}` };
    }
    // Gone from the table at once (sends now fail), as released; the socket's close event still
    // delivers OnClose.
    this.forget(connection);
    return { error: '' };
  }

  /** Open connections of a plugin (for tests and health). */
  count(pluginId: string): number {
    return this.connections.get(pluginId)?.size ?? 0;
  }

  /**
   * What `pluginId` holds now, as a release of exactly that (see PluginState): its connections
   * are closed without callbacks, since the version they belong to is going; those a refreshed
   * version opens while it loads (in its OnInit) are spared.
   */
  hold(pluginId: string): () => Promise<void> {
    const held = [...(this.connections.get(pluginId)?.values() ?? [])];
    return async () => {
      for (const connection of held) if (!connection.released && !connection.ended) this.drop(connection, 1001, 'plugin unloaded');
    };
  }

  /** Ends every connection at shutdown, without callbacks and without waiting for peers. */
  close(): void {
    this.closed = true;
    for (const own of [...this.connections.values()]) {
      for (const connection of [...own.values()]) {
        connection.released = true;
        this.forget(connection);
        connection.socket.terminate();
      }
    }
  }

  /**
   * Opens the socket; `connection` makes its record as the handshake completes, and its events
   * are listened to from that moment, since a server may send its first message at once.
   */
  private dial(url: URL, headers: Readonly<Record<string, string>>, timeoutMs: number, local: boolean, connection: (socket: WebSocket) => Connection): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = new (ws())(url, {
        headers: socketHeaders(headers),
        handshakeTimeout: timeoutMs,
        maxPayload: this.maxMessageBytes,
        // A redirect would need its own permission check; released Navidrome's dialer followed none either.
        followRedirects: false,
        ...(local ? {} : { lookup: guard.lookup }),
      });
      const failed = (error: Error) => {
        socket.off('open', opened);
        socket.terminate();
        reject(error);
      };
      const opened = () => {
        socket.off('error', failed);
        const record = connection(socket);
        this.listen(record);
        resolve(record);
      };
      socket.once('open', opened);
      socket.once('error', failed);
      socket.once('unexpected-response', (_request, response) => failed(new Error(`the server answered HTTP ${response.statusCode} instead of switching to WebSocket`)));
    });
  }

  private listen(connection: Connection): void {
    const { connectionId, socket } = connection;
    socket.on('message', (data: Buffer, isBinary: boolean) =>
      this.queue(connection, isBinary ? { kind: 'binary', connectionId, data } : { kind: 'text', connectionId, message: data.toString('utf8') }, data.length),
    );
    socket.on('error', (error) => this.queue(connection, { kind: 'error', connectionId, error: describeFailure(error, '') }));
    socket.on('close', (code: number, reason: Buffer) => {
      connection.ended = true;
      this.forget(connection);
      this.queue(connection, { kind: 'close', connectionId, code, reason: reason.toString('utf8') });
    });
  }

  private queue(connection: Connection, event: WebSocketEvent, bytes = 0): void {
    if (connection.released) return;
    const { backlog, socket } = connection;
    backlog.events++;
    backlog.bytes += bytes;
    if (!socket.isPaused && (backlog.events > MAX_BACKLOG_EVENTS || backlog.bytes > this.maxMessageBytes)) socket.pause();
    connection.deliveries = connection.deliveries.then(async () => {
      try {
        if (!connection.released) await this.options.deliver(connection.pluginId, event);
      } catch (error) {
        this.options.log.warn({ pluginId: connection.pluginId, connectionId: connection.connectionId, event: event.kind, err: error }, 'WebSocketCallback failed');
      } finally {
        backlog.events--;
        backlog.bytes -= bytes;
        if (socket.isPaused && backlog.events <= MAX_BACKLOG_EVENTS / 2 && backlog.bytes <= this.maxMessageBytes / 2) socket.resume();
      }
    });
  }

  private async send(pluginId: string, connectionId: string, data: string | Buffer, binary: boolean): Promise<string> {
    const connection = this.connections.get(pluginId)?.get(connectionId);
    if (!connection || connection.socket.readyState !== connection.socket.OPEN) return 'connection not found';
    return new Promise((resolve) => {
      connection.socket.send(data, { binary }, (error) => resolve(error ? `failed to send message: ${describeFailure(error, '')}` : ''));
    });
  }

  /** Closes a connection with no more callbacks. */
  private drop(connection: Connection, code: number, reason: string): void {
    connection.released = true;
    this.forget(connection);
    connection.socket.close(code, reason);
  }

  private forget(connection: Connection): void {
    const own = this.connections.get(connection.pluginId);
    if (own?.get(connection.connectionId) !== connection) return;
    own.delete(connection.connectionId);
    if (own.size === 0) this.connections.delete(connection.pluginId);
  }
}

/** A plugin's handshake headers, without the ones the host (or ws) owns. */
function socketHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(requestHeaders(headers)).filter(([name]) => !name.startsWith('sec-websocket-')));
}

/** A URL for messages, without user info or query (they often carry tokens). */
function show(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return JSON.stringify(url);
  }
}

/** ws, required with the first connection instead of at start-up, where most sidecars would load it for nothing. */
function ws(): typeof WebSocket {
  return require('ws') as typeof WebSocket;
}
