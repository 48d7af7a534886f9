import { credentials, loadPackageDefinition, type Client, type ClientReadableStream, type GrpcObject, type ServiceClientConstructor, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { protoPath } from 'grpc-health-check';
import type { ChildProcess } from 'node:child_process';
import { connect as connectHttp2, constants, type ClientHttp2Session } from 'node:http2';
import { connect as connectTcp } from 'node:net';
import { ApiClients } from '../helpers/api-clients';
import { manifestFor, PluginsFolder } from '../helpers/plugins-folder';
import { startServe } from '../helpers/serve-process';
import { watFixture } from '../helpers/wat';

type WatchStream = ClientReadableStream<{ status: string }>;

/** A health Watch with no deadline, as client-side health checking opens one: it never ends by itself. */
function watchHealth(address: string): { client: Client; stream: WatchStream } {
  const definition = loadSync(protoPath, { keepCase: true, enums: String, defaults: true });
  const Health = (((loadPackageDefinition(definition).grpc as GrpcObject).health as GrpcObject).v1 as GrpcObject).Health as ServiceClientConstructor;
  const client = new Health(address, credentials.createInsecure());
  return { client, stream: (client as unknown as { Watch(request: object): WatchStream }).Watch({ service: '' }) };
}

describe('ndphost serve, shutting down with clients that would hold it open', () => {
  const plugins = new PluginsFolder();
  beforeAll(async () => {
    plugins.write('sleepy', { manifest: manifestFor(['MetadataAgent']), wasm: await watFixture('sleepy') });
  });
  afterAll(() => plugins.cleanup());
  // A failed expectation must not leave a sidecar behind.
  let running: ChildProcess | undefined;
  afterEach(() => running?.kill('SIGKILL'));

  it('SIGTERM: the Watch ends with UNAVAILABLE at once, the unary call in flight finishes, quiet connections are cut at ShutdownTimeout, exit 0', async () => {
    const serve = await startServe(['--address', '127.0.0.1:0', '--plugins-folder', plugins.folder, '--data-folder', plugins.root, '--shutdown-timeout', '4s']);
    running = serve.child;
    const address = `127.0.0.1:${serve.port}`;
    const clients = new ApiClients(address);
    const { client: health, stream } = watchHealth(address);
    // A raw HTTP/2 client that opens a call and never sends its request: the server waits for it.
    const quiet = connectHttp2(`http://${address}`);
    // And a TCP connection that never says a word, not even the HTTP/2 preface.
    const silent = connectTcp(serve.port, '127.0.0.1');
    const silentConnected = new Promise<void>((resolve, reject) => {
      silent.once('connect', resolve);
      silent.once('error', reject);
    });
    try {
      const seen: string[] = [];
      let processExited = false;
      const watchEnded = new Promise<{ code: number; exitedBefore: boolean }>((resolve) => {
        stream.on('data', ({ status }: { status: string }) => seen.push(status));
        stream.on('error', (error: ServiceError) => resolve({ code: error.code, exitedBefore: processExited }));
      });
      await new Promise<void>((resolve) => stream.once('data', () => resolve()));
      const held = quiet.request({ ':method': 'POST', ':path': '/api.MetadataAgent/GetArtistBiography', 'content-type': 'application/grpc', te: 'trailers' }, { endStream: false });
      held.on('error', () => undefined);
      await serverHasSeen(quiet);
      let heldClosedBy: number | undefined;
      held.on('close', () => (heldClosedBy = held.rstCode));
      await silentConnected;
      silent.on('error', () => undefined);
      quiet.on('error', () => undefined);

      const inFlight = clients.call(clients.metadataAgent, 'GetArtistBiography', { name: 'x' });
      // The sleepy plugin holds the call for 1 s; the signal lands while it is in flight.
      await new Promise((resolve) => setTimeout(resolve, 200));
      serve.child.kill('SIGTERM');
      void serve.exited.then(() => (processExited = true));

      await expect(inFlight).resolves.toEqual({ biography: 'slept' });
      // Ended by the server with a status, well before the quiet call let the process go.
      await expect(watchEnded).resolves.toEqual({ code: 14, exitedBefore: false });
      expect(seen).toEqual(['SERVING', 'NOT_SERVING']);
      // Only the deadline ends the quiet call and connection; the client's own deadlines are far off (none).
      const started = Date.now();
      expect(await serve.exited).toBe(0);
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(serve.logs.map((entry) => entry.msg)).toContain('ShutdownTimeout passed: cut off the calls and connections still open');
      expect(heldClosedBy).not.toBe(constants.NGHTTP2_NO_ERROR);
    } finally {
      stream.cancel();
      health.close();
      clients.close();
      quiet.destroy();
      silent.destroy();
      serve.child.kill('SIGKILL');
    }
  });

  it('a second signal during the drain exits at once, with 1', async () => {
    const serve = await startServe(['--address', '127.0.0.1:0', '--plugins-folder', plugins.folder, '--data-folder', plugins.root, '--shutdown-timeout', '10m']);
    running = serve.child;
    const quiet = connectHttp2(`http://127.0.0.1:${serve.port}`);
    quiet.on('error', () => undefined);
    try {
      const held = quiet.request({ ':method': 'POST', ':path': '/api.MetadataAgent/GetArtistBiography', 'content-type': 'application/grpc', te: 'trailers' }, { endStream: false });
      held.on('error', () => undefined);
      await serverHasSeen(quiet);
      serve.child.kill('SIGTERM');
      await waitForLog(serve.logs, 'shutting down: refusing new calls, draining in-flight calls');
      serve.child.kill('SIGINT');
      expect(await serve.exited).toBe(1);
    } finally {
      quiet.destroy();
    }
  });
});

/** Resolves once the server has read every frame sent so far: HTTP/2 answers a PING in order. */
async function serverHasSeen(session: ClientHttp2Session): Promise<void> {
  // A request made while connecting is sent on 'connect', before a ping asked for after it.
  if (session.connecting) await new Promise((resolve) => session.once('connect', resolve));
  await new Promise<void>((resolve, reject) => session.ping((error) => (error ? reject(error) : resolve())));
}

/** Resolves once `msg` is among the logs (they grow as the process writes). Bounded by the test's timeout. */
async function waitForLog(logs: readonly { msg: string }[], msg: string): Promise<void> {
  while (!logs.some((entry) => entry.msg === msg)) await new Promise((resolve) => setTimeout(resolve, 20));
}
