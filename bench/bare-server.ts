/**
 * The baseline: a bare grpc-js server with the same service definition (generated from the same
 * .proto by ts-proto) that answers GetArtistBiography as the fixture plugin does, with no
 * plugin. Run as a child process by the bench; it reports its port over IPC.
 */
import { Server, ServerCredentials, type sendUnaryData, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { MetadataAgentService } from '../generated/ts/api';
import type { CloseServer, ServerReady } from './child-messages';

const answer = { biography: 'fixture:bench:calls=1' };
const handlers: UntypedServiceImplementation = Object.fromEntries(
  Object.keys(MetadataAgentService).map((method) => [method, (_call: unknown, callback: sendUnaryData<object>) => callback(null, method === 'getArtistBiography' ? answer : {})]),
);

const server = new Server();
server.addService(MetadataAgentService, handlers);
server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, port) => {
  if (error) throw error;
  process.send?.({ type: 'ready', port } satisfies ServerReady);
});
process.on('message', (message: CloseServer) => {
  if (message.type === 'close') server.tryShutdown(() => process.exit(0));
});
