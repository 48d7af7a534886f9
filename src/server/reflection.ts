import path from 'node:path';
import type { Server } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { protoPath as healthProto } from 'grpc-health-check';
import { SERVED_PROTOS } from './served-services';

const PROTO_ROOT = path.resolve(__dirname, '..', '..', '..', 'proto');

/**
 * Server reflection over the contract's own .proto files, so grpcurl and other languages'
 * tools see the exact field names. keepCase is essential: without it proto-loader renames
 * `user_id` to `userId` and reflection would describe the wrong fields (contract.md).
 */
export function addReflection(server: Server, services: readonly string[]): void {
  const definition = loadSync([...SERVED_PROTOS.map((file) => path.join(PROTO_ROOT, file)), healthProto], {
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    includeDirs: [PROTO_ROOT],
  });
  new ReflectionService(definition, { services: [...services] }).addToServer(server);
}
