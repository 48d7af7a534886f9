import { types } from 'node:util';
import { NdpError } from '../../errors';

// Codes from dns.lookup (getaddrinfo) and undici, turned into what a plugin author can act on.
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA', 'EAI_NONAME']);
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_)/;

/**
 * One sentence for an error thrown while a request was under way. An NdpError was raised by this
 * service (refused address, timeout) and already says what happened, so it is kept as is.
 */
export function describeFailure(error: unknown, host: string): string {
  if (error instanceof NdpError) return error.message;
  // Errors from node:net and node:dns may come from another realm (jest's vm), so no instanceof.
  if (!types.isNativeError(error) && !(error instanceof Error)) return `unexpected failure: ${String(error)}`;
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (DNS_CODES.has(code)) return `DNS lookup of ${host} failed (${code})`;
  if (code === 'ECONNREFUSED') return `connection to ${host} refused (ECONNREFUSED)`;
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET') return `connection to ${host} closed unexpectedly (${code})`;
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return `${host} is unreachable (${code})`;
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return `connecting to ${host} timed out`;
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return `${host} timed out (${code})`;
  if (code === 'UND_ERR_HEADERS_OVERFLOW') return `response headers from ${host} are too large`;
  if (code === 'UND_ERR_INVALID_ARG' || code === 'UND_ERR_NOT_SUPPORTED') return `invalid request: ${error.message}`;
  if (code.startsWith('HPE_') || code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH') return `malformed response from ${host}: ${error.message}`;
  if (TLS_CODE.test(code)) return `TLS with ${host} failed: ${error.message} (${code})`;
  return code === '' ? error.message : `${error.message} (${code})`;
}
