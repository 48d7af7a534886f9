/** The serving part of the bench's plain grpc-js server processes (bare-server.ts, hop-server.ts). */
import { Server, ServerCredentials, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';
import type { CloseServer, ServerReady } from './child-messages';

/** Serves one service on a free loopback port, reports the port over IPC and shuts down when asked. */
export function serveInChild(definition: ServiceDefinition, handlers: UntypedServiceImplementation): void {
  const server = new Server();
  server.addService(definition, handlers);
  server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, port) => {
    if (error) throw error;
    process.send?.({ type: 'ready', port } satisfies ServerReady);
  });
  process.on('message', (message: CloseServer) => {
    if (message.type === 'close') server.tryShutdown(() => process.exit(0));
  });
}
