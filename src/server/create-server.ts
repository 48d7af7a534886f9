import { Server, setLogger, type ServerCredentials, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { HealthImplementation, type ServingStatus } from 'grpc-health-check';
import type { Logger } from 'pino';
import type { TlsConfig } from '../config';
import { NdpError } from '../errors';
import type { Handler, ServiceHandlerSet } from '../services';
import { ConcurrentCalls } from './concurrent-calls';
import type { ContractCallObserver, RpcWatch } from './contract-call-observer';
import { addReflection } from './reflection';
import { SERVED_SERVICES } from './served-services';
import { serverCredentials } from './server-credentials';
import { StreamingCalls } from './streaming-calls';
import { unaryCall } from './unary-call';
import { claimSocketPath, removeSocket, restrictSocket } from './unix-socket';

export interface ServerOptions {
  /** host:port (port 0 picks a free one), or `unix:/absolute/path`. */
  readonly address: string;
  /** The config key `address` came from, named in errors (`Address`, `AdminAddress`). */
  readonly addressKey: string;
  /** The socket file, when `address` is a unix socket: claimed before binding, made 0600 after. */
  readonly socketPath?: string;
  /** The services this listener serves. */
  readonly handlers: Partial<ServiceHandlerSet>;
  /** Absent: plaintext. */
  readonly tls?: TlsConfig;
  readonly log: Logger;
  /** Watches every contract call (access log, metrics, spans), when telemetry is on. */
  readonly observer?: ContractCallObserver;
  /** Calls served at once; more are refused with RESOURCE_EXHAUSTED. Absent: no limit (the admin listener). */
  readonly maxConcurrentCalls?: number;
}

/** A listening server. */
export interface RunningServer {
  /** The bound port (useful with port 0); 0 on a unix socket. */
  readonly port: number;
  /** Sets the overall health status (`""`) and every served service's. */
  setServing(serving: boolean): void;
  /** Sets one health service name's status (e.g. a plugin's). */
  setStatus(name: string, serving: boolean): void;
  /** Calls being served (what `maxConcurrentCalls` bounds). */
  readonly callsInFlight: number;
  /**
   * Stops accepting, reports NOT_SERVING, ends streaming calls (health Watch) with UNAVAILABLE
   * and lets unary calls finish; after `timeoutMs` cuts off whatever is still open (a call, or a
   * connection that went quiet). Resolves whether it had to cut anything off.
   */
  shutdown(timeoutMs: number): Promise<{ readonly forced: boolean }>;
}

/**
 * Builds a grpc-js server once, at start: every handler is composed here, nothing per call.
 * Serves the given services, grpc.health.v1.Health and server reflection.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { address, addressKey, handlers, log, observer } = options;
  // grpc-js writes its own errors to stderr (a failed bind adds a line of its own to ours): they
  // go to the log instead, where LogLevel decides.
  setLogger({ error: (...args: unknown[]) => log.debug({ grpc: args.join(' ') }, 'grpc-js') });
  const credentials = serverCredentials(options.tls);
  const server = new Server();
  const streams = new StreamingCalls();
  const registrar = streams.registrar(server);
  const serviceNames: string[] = [];
  // One count for every service of the listener: the limit is on what it serves, whichever rpc.
  const calls = new ConcurrentCalls(options.maxConcurrentCalls ?? Infinity);
  for (const [key, serviceHandlers] of Object.entries(handlers) as [keyof ServiceHandlerSet, object][]) {
    const { definition, name } = SERVED_SERVICES[key];
    registrar.addService(definition, implementation(definition, serviceHandlers, log, calls, observer));
    serviceNames.push(name);
  }
  const health = new HealthImplementation({ '': 'NOT_SERVING', ...Object.fromEntries(serviceNames.map((name) => [name, 'NOT_SERVING'])) });
  health.addToServer(registrar);
  addReflection(registrar, [...serviceNames, 'grpc.health.v1.Health']);
  if (options.socketPath !== undefined) await claimSocketPath(options.socketPath, addressKey);
  const port = await bind(server, address, addressKey, credentials);
  if (options.socketPath !== undefined) await restrictSocket(options.socketPath);
  // Once shutting down, every name stays NOT_SERVING: a plugin unloading must not report anything else.
  const names = new Set(['', ...serviceNames]);
  let closing = false;
  const setStatus = (name: string, serving: boolean): void => {
    names.add(name);
    if (!closing) health.setStatus(name, statusOf(serving));
  };
  return {
    port,
    get callsInFlight() {
      return calls.inFlight;
    },
    setServing(serving) {
      for (const name of ['', ...serviceNames]) setStatus(name, serving);
    },
    setStatus,
    async shutdown(timeoutMs) {
      for (const name of names) setStatus(name, false);
      closing = true;
      const forced = await new Promise<boolean>((resolve) => {
        const deadline = setTimeout(() => {
          server.forceShutdown();
          resolve(true);
        }, timeoutMs);
        server.tryShutdown(() => {
          clearTimeout(deadline);
          resolve(false);
        });
        // After tryShutdown, so no new stream can start in between.
        streams.endAll('the server is shutting down');
      });
      if (options.socketPath !== undefined) await removeSocket(options.socketPath);
      return { forced };
    },
  };
}

function statusOf(serving: boolean): ServingStatus {
  return serving ? 'SERVING' : 'NOT_SERVING';
}

function implementation(definition: ServiceDefinition, handlers: object, log: Logger, calls: ConcurrentCalls, observer: ContractCallObserver | undefined): UntypedServiceImplementation {
  // Each handler's request type matches its definition's; grpc-js's untyped map cannot say so.
  const entries = Object.entries(handlers) as [string, Handler<unknown, unknown>][];
  return Object.fromEntries(entries.map(([key, handler]) => [key, unaryCall(handler, log, calls, observer && watchOf(observer, definition[key].path))]));
}

/** The watch of one rpc, named from its path (`/api.MetadataAgent/GetArtistBiography`). */
function watchOf(observer: ContractCallObserver, path: string): RpcWatch {
  const [service, method] = path.slice(1).split('/');
  return observer.forRpc(service.slice(service.lastIndexOf('.') + 1), method);
}

/**
 * A busy port or a refused bind is an operational failure (exit 1), not a usage error: the
 * address itself passed the config checks.
 */
function bind(server: Server, address: string, key: string, credentials: ServerCredentials): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, credentials, (error, port) => {
      if (error) reject(new NdpError('failed_precondition', `cannot listen on ${address} (${key}): ${bindReason(error)}`, { key, cause: error }));
      else resolve(port);
    });
  });
}

/** grpc-js wraps the system error ("No address added out of total 1 resolved errors: [listen EADDRINUSE: ...]"). */
function bindReason(error: Error): string {
  const inner = /errors: \[(.*)\]$/s.exec(error.message)?.[1];
  if (inner?.includes('EADDRINUSE')) return 'the address is already in use (is another ndphost running?)';
  return inner ?? error.message;
}
