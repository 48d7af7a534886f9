import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { requireDebianPackages } from './debian-packages';
import { runSync } from './run-program';

/** A certificate and its key, as PEM files. */
export interface CertificateFiles {
  readonly cert: string;
  readonly key: string;
}

/**
 * Certificates made at test time with the openssl command, valid for a day: a CA, a server
 * certificate for 127.0.0.1 and localhost signed by it, a client certificate signed by it, and
 * a client certificate from another CA the server does not trust.
 */
export class TestCertificates {
  readonly folder = mkdtempSync(path.join(os.tmpdir(), 'ndphost-tls-'));
  readonly ca: CertificateFiles;
  readonly server: CertificateFiles;
  readonly client: CertificateFiles;
  readonly strangerClient: CertificateFiles;

  constructor() {
    requireDebianPackages('TLS certificates');
    this.ca = this.selfSigned('ca', 'ndphost test CA');
    this.server = this.signed('server', 'localhost', this.ca, ['subjectAltName = IP:127.0.0.1, DNS:localhost', 'extendedKeyUsage = serverAuth']);
    this.client = this.signed('client', 'navidrome backend', this.ca, ['extendedKeyUsage = clientAuth']);
    const stranger = this.selfSigned('stranger-ca', 'another CA');
    this.strangerClient = this.signed('stranger-client', 'stranger', stranger, ['extendedKeyUsage = clientAuth']);
  }

  /** A file in the folder (to write a broken one beside the good ones). */
  file(name: string, text?: string): string {
    const file = path.join(this.folder, name);
    if (text !== undefined) writeFileSync(file, text);
    return file;
  }

  cleanup(): void {
    rmSync(this.folder, { recursive: true, force: true });
  }

  private selfSigned(name: string, commonName: string): CertificateFiles {
    const files = this.names(name);
    runSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', files.key, '-out', files.cert, '-days', '1', '-subj', `/CN=${commonName}`, '-addext', 'basicConstraints = critical, CA:TRUE', '-addext', 'keyUsage = critical, keyCertSign, cRLSign']);
    return files;
  }

  private signed(name: string, commonName: string, issuer: CertificateFiles, extensions: string[]): CertificateFiles {
    const files = this.names(name);
    const request = this.file(`${name}.csr`);
    runSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', files.key, '-out', request, '-subj', `/CN=${commonName}`]);
    const extfile = this.file(`${name}.ext`, `${extensions.join('\n')}\n`);
    runSync('openssl', ['x509', '-req', '-in', request, '-CA', issuer.cert, '-CAkey', issuer.key, '-CAcreateserial', '-out', files.cert, '-days', '1', '-extfile', extfile]);
    return files;
  }

  private names(name: string): CertificateFiles {
    return { cert: this.file(`${name}.pem`), key: this.file(`${name}.key`) };
  }
}
