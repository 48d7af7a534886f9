import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defer, type Deferred } from './defer';

/** A span as OTLP/HTTP JSON carries it (the fields the tests read). */
export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  readonly kind: number;
  readonly attributes: Readonly<Record<string, string | number | boolean>>;
  readonly status: { readonly code?: number; readonly message?: string };
  /** The `service.name` of its resource. */
  readonly serviceName: string;
}

type AnyValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
interface KeyValue {
  key: string;
  value: AnyValue;
}
interface ExportRequest {
  resourceSpans: { resource: { attributes: KeyValue[] }; scopeSpans: { spans: (Omit<ReceivedSpan, 'attributes' | 'serviceName' | 'status'> & { attributes?: KeyValue[]; status?: ReceivedSpan['status'] })[] }[] }[];
}

/**
 * A real OTLP/HTTP traces receiver on 127.0.0.1:0: accepts POST /v1/traces with a JSON body
 * (ExportTraceServiceRequest), checks its shape and keeps the spans. Anything else is refused.
 */
export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  readonly problems: string[] = [];
  private waiters: { count: number; done: Deferred<void> }[] = [];
  private readonly server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.method !== 'POST' || request.url !== '/v1/traces' || request.headers['content-type'] !== 'application/json') {
        this.problems.push(`${request.method} ${request.url} ${request.headers['content-type']}`);
        return void response.writeHead(415).end();
      }
      try {
        this.accept(JSON.parse(Buffer.concat(chunks).toString('utf8')) as ExportRequest);
      } catch (error) {
        this.problems.push((error as Error).message);
        return void response.writeHead(400).end();
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      this.waiters = this.waiters.filter((waiter) => !(this.spans.length >= waiter.count && (waiter.done.resolve(), true)));
    });
  });

  static async start(): Promise<OtlpReceiver> {
    const receiver = new OtlpReceiver();
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1/traces`;
  }

  /** Resolves once at least `count` spans have arrived. */
  waitForSpans(count: number): Promise<void> {
    if (this.spans.length >= count) return Promise.resolve();
    const done = defer();
    this.waiters.push({ count, done });
    return done.promise;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(body: ExportRequest): void {
    if (!Array.isArray(body.resourceSpans)) throw new Error('no resourceSpans');
    for (const { resource, scopeSpans } of body.resourceSpans) {
      const serviceName = attributesOf(resource.attributes)['service.name'];
      if (typeof serviceName !== 'string') throw new Error('a resource without service.name');
      for (const { spans } of scopeSpans) {
        for (const span of spans) {
          if (!/^[0-9a-f]{32}$/.test(span.traceId) || !/^[0-9a-f]{16}$/.test(span.spanId)) throw new Error(`bad ids ${span.traceId}/${span.spanId}`);
          if (span.parentSpanId !== undefined && span.parentSpanId !== '' && !/^[0-9a-f]{16}$/.test(span.parentSpanId)) throw new Error(`bad parent id ${span.parentSpanId}`);
          this.spans.push({ ...span, parentSpanId: span.parentSpanId || undefined, attributes: attributesOf(span.attributes ?? []), status: span.status ?? {}, serviceName });
        }
      }
    }
  }
}

function attributesOf(list: KeyValue[]): Record<string, string | number | boolean> {
  const result: Record<string, string | number | boolean> = {};
  for (const { key, value } of list) {
    const scalar = value.stringValue ?? value.boolValue ?? value.doubleValue ?? (value.intValue === undefined ? undefined : Number(value.intValue));
    if (scalar === undefined) throw new Error(`attribute ${key} has no scalar value`);
    result[key] = scalar;
  }
  return result;
}
