import path from 'node:path';
import { credentials as grpcCredentials, loadPackageDefinition, Metadata, type ChannelCredentials, type Client, type GrpcObject, type ServiceClientConstructor, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { PROTO_ROOT } from './paths';

/** A decoded response, with the proto's own field names (keepCase). */
export type Message = Record<string, unknown>;

type UnaryMethod = (
  request: object,
  metadata: Metadata,
  options: { deadline?: number },
  callback: (error: ServiceError | null, response: Message) => void,
) => void;

export interface ClientsOptions {
  /** Where `admin` connects (the sidecar's AdminAddress); default: `address`, where it is UNIMPLEMENTED. */
  readonly adminAddress?: string;
  /** Default: plaintext. */
  readonly credentials?: ChannelCredentials;
}

export interface CallOptions {
  /** Sent as `x-plugin` metadata. */
  readonly plugin?: string;
  /** Relative deadline in ms. */
  readonly timeoutMs?: number;
  /** Other metadata, e.g. a W3C `traceparent`. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/**
 * Clients built at run time with proto-loader from the .proto files, as a caller in another
 * language would build them: an independent codec from the server's ts-proto one, using the
 * proto's own field names (`user_id`, `artistName`).
 */
export class ApiClients {
  private readonly clients: Client[] = [];
  readonly metadataAgent: Client;
  readonly scrobbler: Client;
  readonly timerCallback: Client;
  readonly schedulerCallback: Client;
  /** ndphost.admin.v1.PluginAdmin at the admin listener, what `ndphost plugin` asks a running sidecar. */
  readonly admin: Client;

  constructor(address: string, options: ClientsOptions = {}) {
    const load = (file: string) => loadPackageDefinition(loadSync(path.join(PROTO_ROOT, file), { keepCase: true, longs: Number, defaults: true, includeDirs: [PROTO_ROOT] }));
    const api = load('api.proto').api as GrpcObject;
    const admin = ((load('ndphost/admin/v1/admin.proto').ndphost as GrpcObject).admin as GrpcObject).v1 as GrpcObject;
    const make = (services: GrpcObject, service: string, at = address, credentials = options.credentials ?? grpcCredentials.createInsecure()): Client => {
      const client = new (services[service] as ServiceClientConstructor)(at, credentials);
      this.clients.push(client);
      return client;
    };
    this.metadataAgent = make(api, 'MetadataAgent');
    this.scrobbler = make(api, 'Scrobbler');
    this.timerCallback = make(api, 'TimerCallback');
    this.schedulerCallback = make(api, 'SchedulerCallback');
    // The admin listener is always plaintext (a unix socket or loopback).
    this.admin = options.adminAddress === undefined ? make(admin, 'PluginAdmin') : make(admin, 'PluginAdmin', options.adminAddress, grpcCredentials.createInsecure());
  }

  /** Calls a unary rpc by its method name (`GetArtistBiography`). */
  call(client: Client, method: string, request: object, options: CallOptions = {}): Promise<Message> {
    const metadata = new Metadata();
    if (options.plugin !== undefined) metadata.set('x-plugin', options.plugin);
    for (const [key, value] of Object.entries(options.metadata ?? {})) metadata.set(key, value);
    const deadline = options.timeoutMs === undefined ? undefined : Date.now() + options.timeoutMs;
    const unary = (client as unknown as Record<string, UnaryMethod>)[method];
    return new Promise((resolve, reject) => {
      unary.call(client, request, metadata, { deadline }, (error, response) => (error ? reject(error) : resolve(response)));
    });
  }

  close(): void {
    for (const client of this.clients) client.close();
  }
}

/** The status code and details of a failed call, for `expect(...).rejects.toMatchObject`. */
export function status(code: number, details?: RegExp | string): { code: number; details?: unknown } {
  return details === undefined ? { code } : { code, details: typeof details === 'string' ? expect.stringContaining(details) : expect.stringMatching(details) };
}
