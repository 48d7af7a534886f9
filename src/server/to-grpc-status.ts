import { status, type StatusObject } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { NdpError, type ErrorKind } from '../errors';

const CODES: Record<ErrorKind, status> = {
  not_found: status.NOT_FOUND,
  unknown_plugin: status.NOT_FOUND,
  not_implemented: status.UNIMPLEMENTED,
  plugin_error: status.UNKNOWN,
  trap: status.INTERNAL,
  bad_abi: status.INTERNAL,
  deadline: status.DEADLINE_EXCEEDED,
  plugin_timeout: status.DEADLINE_EXCEEDED,
  invalid_argument: status.INVALID_ARGUMENT,
  resource_exhausted: status.RESOURCE_EXHAUSTED,
  shutting_down: status.UNAVAILABLE,
  unavailable: status.UNAVAILABLE,
  failed_precondition: status.FAILED_PRECONDITION,
  internal: status.INTERNAL,
  // Load-time kinds never reach a caller; if one does, it is our bug.
  bad_manifest: status.INTERNAL,
  bad_module: status.INTERNAL,
  bad_package: status.INTERNAL,
  bad_config: status.INTERNAL,
};

/** The one place an error becomes a gRPC status. */
export function toGrpcStatus(error: unknown, log: Logger): Partial<StatusObject> {
  if (error instanceof NdpError) return { code: CODES[error.kind], details: error.message };
  log.error({ err: error }, 'unexpected error while serving a call');
  return { code: status.INTERNAL, details: 'internal error' };
}
