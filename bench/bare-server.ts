/**
 * The baseline: a bare grpc-js server with the same service definition (generated from the same
 * .proto by ts-proto) that answers GetArtistBiography as the fixture plugin does, with no
 * plugin. Run as a child process by the bench; it reports its port over IPC.
 */
import type { sendUnaryData, UntypedServiceImplementation } from '@grpc/grpc-js';
import { MetadataAgentService } from '../generated/ts/api';
import { serveInChild } from './serve-child';

const answer = { biography: 'fixture:bench:calls=1' };
const handlers: UntypedServiceImplementation = Object.fromEntries(
  Object.keys(MetadataAgentService).map((method) => [method, (_call: unknown, callback: sendUnaryData<object>) => callback(null, method === 'getArtistBiography' ? answer : {})]),
);

serveInChild(MetadataAgentService, handlers);
