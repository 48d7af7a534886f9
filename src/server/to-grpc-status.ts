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
  overloaded: status.RESOURCE_EXHAUSTED,
  cancelled: status.CANCELLED,
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

/**
 * The most status details a caller gets, in UTF-8 bytes. Details travel in the trailers, one
 * HTTP/2 header block; a block past the client's header-list limit is never accepted, which held
 * the caller until its deadline and refused every other call on that connection (issue 8: a
 * plugin's 1 MiB error string). Percent-encoding can triple the size on the wire: 12 KiB at most.
 */
export const MAX_DETAILS_BYTES = 4096;

/** How much of a cut message the log keeps, so the rest is not silently lost, nor a log flooded. */
export const MAX_LOGGED_DETAILS_BYTES = 64 * 1024;

/** The status code an error maps to, e.g. for metrics of a plugin call inside a fan-out. */
export function grpcCodeOf(error: unknown): status {
  return error instanceof NdpError ? CODES[error.kind] : status.INTERNAL;
}

/** The one place an error becomes a gRPC status. */
export function toGrpcStatus(error: unknown, log: Logger): Partial<StatusObject> {
  if (error instanceof NdpError) {
    const details = cutText(error.message, MAX_DETAILS_BYTES);
    if (details !== error.message) {
      log.warn(
        { plugin: error.pluginId, kind: error.kind, bytes: Buffer.byteLength(error.message), message: cutText(error.message, MAX_LOGGED_DETAILS_BYTES) },
        `error message cut to ${MAX_DETAILS_BYTES} bytes for the caller`,
      );
    }
    return { code: grpcCodeOf(error), details };
  }
  log.error({ err: error }, 'unexpected error while serving a call');
  return { code: status.INTERNAL, details: 'internal error' };
}

/**
 * `text` if it fits in `maxBytes` of UTF-8, else its start (never half a character) and a marker
 * saying how many bytes were cut, the whole within `maxBytes`.
 */
export function cutText(text: string, maxBytes: number): string {
  // A UTF-16 unit is at most 3 UTF-8 bytes: short texts need no counting.
  if (text.length * 3 <= maxBytes) return text;
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  // The marker's longest form (a 10-digit count) is reserved up front.
  let end = maxBytes - ' ... [cut 0000000000 bytes]'.length;
  // Back up to the first byte of a character: continuation bytes are 10xxxxxx.
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return `${bytes.subarray(0, end).toString('utf8')} ... [cut ${bytes.length - end} bytes]`;
}
