import { Server, ServerCredentials, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { HealthImplementation, type ServingStatus } from 'grpc-health-check';
import type { Logger } from 'pino';
import { NdpError } from '../errors';
import type { Handler, ServiceHandlerSet } from '../services';
import type { ContractCallObserver, RpcWatch } from './contract-call-observer';
import { addReflection } from './reflection';
import { SERVED_SERVICES } from './served-services';
import { unaryCall } from './unary-call';

export interface ServerOptions {
  /** host:port; port 0 picks a free one. */
  readonly address: string;
  readonly handlers: ServiceHandlerSet;
  readonly log: Logger;
  /** Watches every contract call (access log, metrics, spans), when telemetry is on. */
  readonly observer?: ContractCallObserver;
}

/** A listening sidecar. */
export interface RunningServer {
  /** The bound port (useful with port 0). */
  readonly port: number;
  /** Sets the overall health status (`""`) and every served service's. */
  setServing(serving: boolean): void;
  /** Sets one health service name's status (e.g. a plugin's). */
  setStatus(name: string, serving: boolean): void;
  /** Stops accepting calls, lets in-flight calls finish, then closes. */
  shutdown(): Promise<void>;
}

/**
 * Builds the grpc-js server once, at start: every handler is composed here, nothing per call.
 * Serves the contract's services, grpc.health.v1.Health and server reflection.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { address, handlers, log, observer } = options;
  const server = new Server();
  const serviceNames: string[] = [];
  for (const [key, serviceHandlers] of Object.entries(handlers) as [keyof ServiceHandlerSet, object][]) {
    const { definition, name } = SERVED_SERVICES[key];
    server.addService(definition, implementation(definition, serviceHandlers, log, observer));
    serviceNames.push(name);
  }
  const health = new HealthImplementation({ '': 'NOT_SERVING', ...Object.fromEntries(serviceNames.map((name) => [name, 'NOT_SERVING'])) });
  health.addToServer(server);
  addReflection(server, [...serviceNames, 'grpc.health.v1.Health']);
  const port = await bind(server, address);
  return {
    port,
    setServing(serving) {
      for (const name of ['', ...serviceNames]) health.setStatus(name, statusOf(serving));
    },
    setStatus(name, serving) {
      health.setStatus(name, statusOf(serving));
    },
    shutdown: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}

function statusOf(serving: boolean): ServingStatus {
  return serving ? 'SERVING' : 'NOT_SERVING';
}

function implementation(definition: ServiceDefinition, handlers: object, log: Logger, observer: ContractCallObserver | undefined): UntypedServiceImplementation {
  // Each handler's request type matches its definition's; grpc-js's untyped map cannot say so.
  const entries = Object.entries(handlers) as [string, Handler<unknown, unknown>][];
  return Object.fromEntries(entries.map(([key, handler]) => [key, unaryCall(handler, log, observer && watchOf(observer, definition[key].path))]));
}

/** The watch of one rpc, named from its path (`/api.MetadataAgent/GetArtistBiography`). */
function watchOf(observer: ContractCallObserver, path: string): RpcWatch {
  const [service, method] = path.slice(1).split('/');
  return observer.forRpc(service.slice(service.lastIndexOf('.') + 1), method);
}

function bind(server: Server, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, ServerCredentials.createInsecure(), (error, port) => {
      if (error) reject(new NdpError('bad_config', `cannot listen on ${address}: ${error.message}`, { key: 'Address', cause: error }));
      else resolve(port);
    });
  });
}
