import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { ServerCredentials } from '@grpc/grpc-js';
import type { TlsConfig } from '../config';
import { messageOf, NdpError } from '../errors';

/**
 * The listener's credentials: plaintext, TLS, or TLS that requires a client certificate chaining
 * to TLS.ClientCA (mTLS). The files are read and checked here, at start, each one on its own,
 * so a wrong file is reported under its own key rather than as a failed handshake later.
 */
export function serverCredentials(tls: TlsConfig | undefined): ServerCredentials {
  if (tls === undefined) return ServerCredentials.createInsecure();
  const cert = readPem('TLS.Cert', tls.cert, (pem) => createSecureContext({ cert: pem }));
  const key = readPem('TLS.Key', tls.key, (pem) => createSecureContext({ key: pem }));
  const ca = tls.clientCa === undefined ? null : readPem('TLS.ClientCA', tls.clientCa, (pem) => createSecureContext({ ca: pem }));
  try {
    createSecureContext({ cert, key });
  } catch (cause) {
    throw new NdpError('bad_config', `TLS.Key: ${tls.key} is not the private key of TLS.Cert ${tls.cert} (${messageOf(cause)})`, { key: 'TLS.Key', path: tls.key, cause });
  }
  return ServerCredentials.createSsl(ca, [{ cert_chain: cert, private_key: key }], ca !== null);
}

function readPem(key: string, path: string, parse: (pem: Buffer) => unknown): Buffer {
  let pem: Buffer;
  try {
    pem = readFileSync(path);
  } catch (cause) {
    throw new NdpError('bad_config', `${key}: cannot read ${path}: ${messageOf(cause)}`, { key, path, cause });
  }
  try {
    parse(pem);
  } catch (cause) {
    throw new NdpError('bad_config', `${key}: ${path} is not a usable PEM file (${messageOf(cause)})`, { key, path, cause });
  }
  return pem;
}
