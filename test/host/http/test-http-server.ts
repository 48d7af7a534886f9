import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connectionsLeft, openConnections } from '../../helpers/open-connections';

/** A request as the server received it. */
export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/**
 * A real node:http server on 127.0.0.1 with the routes the HTTP service tests need:
 * - `/echo`: 200 with the method in `x-method` and JSON {method, headers, body} as the body;
 * - `/status/<code>`: that status;
 * - `/headers`: two Set-Cookie headers and a plain one;
 * - `/hang`: never answers;
 * - `/bytes/<n>`: n bytes, chunked (no Content-Length); `/declared/<n>`: n bytes with Content-Length;
 * - `/chain/<n>`: 302 to `/chain/<n-1>`, and `/chain/0` answers "end of chain";
 * - `/redirect?status=<s>&to=<url>`: status s (default 302) to that URL.
 */
export class TestHttpServer {
  readonly seen: SeenRequest[] = [];
  private readonly server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://test');
      const seen = { method: req.method ?? '', path: url.pathname, headers: req.headers, body: Buffer.concat(chunks) };
      this.seen.push(seen);
      this.answer(seen, url, res);
    });
  });

  private constructor() {}

  static async start(): Promise<TestHttpServer> {
    const server = new TestHttpServer();
    await new Promise<void>((resolve) => server.server.listen(0, '127.0.0.1', resolve));
    return server;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** `http://127.0.0.1:<port><path>`, or with another host name for the same server. */
  url(path: string, host = '127.0.0.1'): string {
    return `http://${host}:${this.port}${path}`;
  }

  /** Requests seen at `path`. */
  seenAt(path: string): SeenRequest[] {
    return this.seen.filter((request) => request.path === path);
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
    // `/hang` responses and kept-alive sockets would hold close() open otherwise.
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
  }

  private answer(seen: SeenRequest, url: URL, res: ServerResponse): void {
    const [, route, arg] = url.pathname.split('/');
    const n = Number(arg);
    switch (route) {
      case 'echo':
        res.setHeader('x-method', seen.method);
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ method: seen.method, headers: seen.headers, body: seen.body.toString() }));
        return;
      case 'status':
        res.statusCode = n;
        res.end(`status ${n}`);
        return;
      case 'headers':
        res.setHeader('set-cookie', ['a=1', 'b=2']);
        res.setHeader('x-one', '1');
        res.end('ok');
        return;
      case 'hang':
        return;
      case 'bytes':
      case 'declared':
        if (route === 'declared') res.setHeader('content-length', n);
        for (let sent = 0; sent < n; sent += 65536) res.write(Buffer.alloc(Math.min(65536, n - sent), 0x61));
        res.end();
        return;
      case 'chain':
        if (n > 0) res.writeHead(302, { location: `/chain/${n - 1}` }).end();
        else res.end('end of chain');
        return;
      case 'redirect':
        res.writeHead(Number(url.searchParams.get('status') ?? 302), { location: url.searchParams.get('to') ?? '/' }).end();
        return;
      default:
        res.statusCode = 404;
        res.end('no such route');
    }
  }
}
