import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { defer, type Deferred } from './defer';

/** A frame the server received. */
export interface ReceivedFrame {
  readonly data: Buffer;
  readonly binary: boolean;
}

/** One connection the server accepted, with what it received and how it ended. */
export class ServerConnection {
  readonly frames: ReceivedFrame[] = [];
  /** Resolves with the close code and reason once the connection is closed, by either side. */
  readonly closed: Deferred<{ code: number; reason: string }> = defer();
  private waiters: { count: number; resolve: () => void }[] = [];

  constructor(
    readonly socket: WebSocket,
    readonly path: string,
    readonly headers: IncomingHttpHeaders,
  ) {
    socket.on('message', (data: Buffer, binary: boolean) => {
      this.frames.push({ data, binary });
      this.waiters = this.waiters.filter((waiter) => !(this.frames.length >= waiter.count && (waiter.resolve(), true)));
    });
    socket.on('close', (code, reason) => this.closed.resolve({ code, reason: reason.toString() }));
  }

  /** Resolves once `count` frames have arrived. */
  async frame(count: number): Promise<ReceivedFrame> {
    if (this.frames.length < count) {
      const waiter = defer();
      this.waiters.push({ count, resolve: waiter.resolve });
      await waiter.promise;
    }
    return this.frames[count - 1];
  }

  /** The text frames received, in order. */
  texts(): string[] {
    return this.frames.filter((frame) => !frame.binary).map((frame) => frame.data.toString());
  }
}

/**
 * A real `ws` server on 127.0.0.1:0 that records every connection; tests wait on connections and
 * frames, not time.
 */
export class TestWebSocketServer {
  readonly connections: ServerConnection[] = [];
  private waiters: { count: number; resolve: (connection: ServerConnection) => void }[] = [];
  private readonly server: WebSocketServer;

  private constructor(server: WebSocketServer) {
    this.server = server;
    server.on('connection', (socket, request) => {
      const connection = new ServerConnection(socket, request.url ?? '/', request.headers);
      this.connections.push(connection);
      this.waiters = this.waiters.filter((waiter) => !(this.connections.length >= waiter.count && (waiter.resolve(connection), true)));
    });
  }

  static async start(): Promise<TestWebSocketServer> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => server.once('listening', resolve));
    return new TestWebSocketServer(server);
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** `ws://<host>:<port><path>` on this server. */
  url(path = '/', host = '127.0.0.1'): string {
    return `ws://${host}:${this.port}${path}`;
  }

  /** Resolves with the `count`-th connection (1-based) once it has been accepted. */
  connection(count: number): Promise<ServerConnection> {
    if (this.connections.length >= count) return Promise.resolve(this.connections[count - 1]);
    const waiter = defer<ServerConnection>();
    this.waiters.push({ count, resolve: waiter.resolve });
    return waiter.promise;
  }

  async close(): Promise<void> {
    for (const client of this.server.clients) client.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
