import { credentials, status as grpcStatus, type ChannelCredentials } from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { ApiClients, status } from '../helpers/api-clients';
import { startConfiguredSidecar } from '../helpers/configured-sidecar';
import { PluginsFolder } from '../helpers/plugins-folder';
import { PYTHON } from '../helpers/python-client';
import { runProgram } from '../helpers/run-program';
import { TestCertificates, type CertificateFiles } from '../helpers/test-certificates';
import type { TestSidecar } from '../helpers/test-sidecar';

const certificates = new TestCertificates();
const plugins = new PluginsFolder().copy('fixture', 'bio');
afterAll(() => {
  plugins.cleanup();
  certificates.cleanup();
});

/** TLS credentials trusting the test CA, with a client certificate when given. */
function tls(client?: CertificateFiles): ChannelCredentials {
  const ca = readFileSync(certificates.ca.cert);
  return client === undefined ? credentials.createSsl(ca) : credentials.createSsl(ca, readFileSync(client.key), readFileSync(client.cert));
}

/** GetArtistBiography from the fixture plugin, over `channel`. */
async function biography(address: string, channel: ChannelCredentials): Promise<unknown> {
  const clients = new ApiClients(address, { credentials: channel });
  try {
    return await clients.call(clients.metadataAgent, 'GetArtistBiography', { name: 'x' }, { plugin: 'bio', timeoutMs: 10_000 });
  } finally {
    clients.close();
  }
}

/**
 * A client we did not write: Debian's python3-grpcio, over TLS trusting the test CA (with a
 * client certificate when given), asking grpc.health.v1.Health/Check with raw bytes: the empty
 * request, and `08 01` back (status SERVING).
 */
function pythonHealthCheck(address: string, client?: CertificateFiles): Promise<string> {
  const program = `
import sys, grpc
ca, key, cert = (open(path, 'rb').read() if path else None for path in sys.argv[2:5])
channel = grpc.secure_channel(sys.argv[1], grpc.ssl_channel_credentials(root_certificates=ca, private_key=key, certificate_chain=cert))
check = channel.unary_unary('/grpc.health.v1.Health/Check', request_serializer=lambda b: b, response_deserializer=lambda b: b)
print(check(b'', timeout=10).hex())
`;
  return runProgram(PYTHON, ['-c', program, address, certificates.ca.cert, client?.key ?? '', client?.cert ?? '']);
}

describe('TLS on the gRPC listener (TLS.Cert, TLS.Key)', () => {
  let s: TestSidecar;
  beforeAll(async () => {
    s = await startConfiguredSidecar(plugins.folder, { args: ['--tls-cert', certificates.server.cert, '--tls-key', certificates.server.key] });
  });
  afterAll(() => s?.close());

  it('a grpc-js client trusting the CA calls a plugin', async () => {
    await expect(biography(s.address, tls())).resolves.toEqual({ biography: 'fixture:x:calls=1' });
  });

  it('localhost matches the certificate too', async () => {
    await expect(biography(s.address.replace('127.0.0.1', 'localhost'), tls())).resolves.toMatchObject({ biography: expect.any(String) });
  });

  it('a plaintext client gets no answer', async () => {
    await expect(biography(s.address, credentials.createInsecure())).rejects.toMatchObject(status(grpcStatus.UNAVAILABLE));
  });

  it('a client that does not trust the CA is refused', async () => {
    await expect(biography(s.address, credentials.createSsl(readFileSync(certificates.strangerClient.cert)))).rejects.toMatchObject(status(grpcStatus.UNAVAILABLE));
  });

  it('Python grpcio makes a TLS call', async () => {
    await expect(pythonHealthCheck(s.address)).resolves.toBe('0801\n');
  });
});

describe('mTLS: TLS.ClientCA requires a client certificate it signed', () => {
  let s: TestSidecar;
  beforeAll(async () => {
    s = await startConfiguredSidecar(plugins.folder, {
      args: ['--tls-cert', certificates.server.cert, '--tls-key', certificates.server.key, '--tls-client-ca', certificates.ca.cert],
    });
  });
  afterAll(() => s?.close());

  it('a client certificate signed by the CA is served', async () => {
    await expect(biography(s.address, tls(certificates.client))).resolves.toEqual({ biography: 'fixture:x:calls=1' });
  });

  it('a client without a certificate is refused', async () => {
    await expect(biography(s.address, tls())).rejects.toMatchObject(status(grpcStatus.UNAVAILABLE));
  });

  it('a client certificate from another CA is refused', async () => {
    await expect(biography(s.address, tls(certificates.strangerClient))).rejects.toMatchObject(status(grpcStatus.UNAVAILABLE));
  });

  it('Python grpcio with its client certificate is served, and refused without one', async () => {
    await expect(pythonHealthCheck(s.address, certificates.client)).resolves.toBe('0801\n');
    await expect(pythonHealthCheck(s.address)).rejects.toThrow(/UNAVAILABLE/);
  });

  it('the admin listener stays plaintext on its unix socket', async () => {
    await expect(s.clients.call(s.clients.admin, 'ListPlugins', {})).resolves.toMatchObject({ plugins: [expect.objectContaining({ id: 'bio' })] });
  });
});

describe('TLS files that cannot be used stop start-up naming the key', () => {
  it.each([
    ['a missing key file', () => ['--tls-cert', certificates.server.cert, '--tls-key', certificates.file('absent.key')], 'TLS.Key', /cannot read .*absent\.key/],
    ['a certificate that is not PEM', () => ['--tls-cert', certificates.file('junk.pem', 'not a certificate\n'), '--tls-key', certificates.server.key], 'TLS.Cert', /junk\.pem is not a usable PEM file/],
    ['a key of another certificate', () => ['--tls-cert', certificates.server.cert, '--tls-key', certificates.client.key], 'TLS.Key', /is not the private key of TLS\.Cert/],
    ['an unreadable client CA', () => ['--tls-cert', certificates.server.cert, '--tls-key', certificates.server.key, '--tls-client-ca', certificates.folder], 'TLS.ClientCA', /cannot read/],
  ])('%s', async (_what, args, key, message) => {
    await expect(startConfiguredSidecar(plugins.folder, { args: args() })).rejects.toMatchObject({ kind: 'bad_config', key, message: expect.stringMatching(new RegExp(`^${key.replace('.', '\\.')}: .*${message.source}`)) });
  });
});
