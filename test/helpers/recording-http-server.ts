import { createServer, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defer } from './defer';
import { connectionsLeft, openConnections } from './open-connections';

/** A request as the server received it. */
export interface RecordedRequest {
  readonly method: string;
  /** Path and query as sent, still percent-encoded. */
  readonly url: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** What the server answers to one request. */
export interface Answer {
  readonly status?: number;
  /** Pieces are written one by one: chunked, unless the headers declare a Content-Length. */
  readonly body?: string | Buffer | readonly Buffer[];
  readonly headers?: OutgoingHttpHeaders;
}

/**
 * A real node:http server on 127.0.0.1:0 that records every request and answers with the
 * test's `answer` function. Tests wait on requests, not time: `waitFor` resolves from the
 * request handler itself once a recorded request matches.
 */
export class RecordingHttpServer {
  readonly requests: RecordedRequest[] = [];
  private waiters: { matches: (request: RecordedRequest) => boolean; resolve: (request: RecordedRequest) => void }[] = [];
  private readonly server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const url = new URL(req.url ?? '/', 'http://recorded');
      const request: RecordedRequest = { method: req.method ?? '', url: req.url ?? '/', path: url.pathname, query: url.searchParams, headers: req.headers, body: Buffer.concat(chunks) };
      this.requests.push(request);
      const { status = 200, body = '', headers = {} } = await this.answer(request);
      res.writeHead(status, headers);
      if (typeof body === 'string' || Buffer.isBuffer(body)) res.end(body);
      else {
        for (const piece of body) res.write(piece);
        res.end();
      }
      // After the answer is on its way, so a waiting test never races the plugin's response.
      this.waiters = this.waiters.filter((waiter) => !(waiter.matches(request) && (waiter.resolve(request), true)));
    });
  });

  private constructor(private readonly answer: (request: RecordedRequest) => Answer | Promise<Answer>) {}

  /** `answer` may hold a request by returning a promise (answered when it resolves). */
  static async start(answer: (request: RecordedRequest) => Answer | Promise<Answer> = () => ({})): Promise<RecordingHttpServer> {
    const server = new RecordingHttpServer(answer);
    await new Promise<void>((resolve) => server.server.listen(0, '127.0.0.1', resolve));
    return server;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** `http://<host>:<port><path>` on this server. */
  url(path = '', host = '127.0.0.1'): string {
    return `http://${host}:${this.port}${path}`;
  }

  /** Recorded requests that match. */
  matching(matches: (request: RecordedRequest) => boolean): RecordedRequest[] {
    return this.requests.filter(matches);
  }

  /** Resolves with the first recorded request that matches, now or when it arrives. */
  waitFor(matches: (request: RecordedRequest) => boolean): Promise<RecordedRequest> {
    const seen = this.requests.find(matches);
    if (seen) return Promise.resolve(seen);
    const waiter = defer<RecordedRequest>();
    this.waiters.push({ matches, resolve: waiter.resolve });
    return waiter.promise;
  }

  /** Connections open on the server's side right now. */
  openConnections(): Promise<number> {
    return openConnections(this.server);
  }

  /** The connections still open once every one has closed or `ms` has passed (open-connections.ts). */
  connectionsLeft(ms?: number): Promise<number> {
    return connectionsLeft(this.server, ms);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
  }
}
