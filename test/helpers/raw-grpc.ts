import http2, { type IncomingHttpHeaders } from 'node:http2';

/** The status a raw call ended with. */
export interface RawStatus {
  readonly code: number;
  readonly details: string;
}

/**
 * One unary gRPC call over node:http2, with headers a grpc-js client never sends as asked (it
 * turns a deadline into its own `grpc-timeout` and refuses one already passed), e.g.
 * `grpc-timeout: 1n`, the way a hostile or careless client would.
 */
export async function rawUnaryCall(address: string, path: string, message: Uint8Array, headers: Record<string, string | string[]>): Promise<RawStatus> {
  const session = http2.connect(`http://${address}`);
  try {
    const stream = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers', ...headers });
    const frame = Buffer.alloc(5 + message.length);
    frame.writeUInt32BE(message.length, 1);
    frame.set(message, 5);
    stream.end(frame);
    return await new Promise<RawStatus>((resolve, reject) => {
      let head: IncomingHttpHeaders = {};
      const settle = (fields: IncomingHttpHeaders) => resolve({ code: Number(fields['grpc-status']), details: decodeURIComponent(String(fields['grpc-message'] ?? '')) });
      stream.on('response', (fields) => (head = fields));
      stream.on('trailers', settle);
      // A trailers-only response carries the status in its one header block.
      stream.on('end', () => settle(head));
      stream.on('error', reject);
      stream.resume();
    });
  } finally {
    session.close();
  }
}
