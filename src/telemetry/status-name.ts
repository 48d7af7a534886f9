import { status } from '@grpc/grpc-js';

/** The gRPC name of a status code (`NOT_FOUND`), as grpc-js's enum spells it. */
export function statusName(code: status): string {
  return status[code] ?? String(code);
}
