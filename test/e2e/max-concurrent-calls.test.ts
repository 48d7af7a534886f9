import { status as grpcStatus } from '@grpc/grpc-js';
import { status } from '../helpers/api-clients';
import { startConfiguredSidecar } from '../helpers/configured-sidecar';
import { requireDebianPackages } from '../helpers/debian-packages';
import { manifestFor, PluginsFolder } from '../helpers/plugins-folder';
import { sampleValue } from '../helpers/prometheus-text';
import { biographyRequestHex, biographyResponseHex, PYTHON } from '../helpers/python-client';
import { rawUnaryCall } from '../helpers/raw-grpc';
import { runProgram } from '../helpers/run-program';
import { scrape } from '../helpers/scrape-metrics';
import type { TestSidecar } from '../helpers/test-sidecar';
import { watFixture } from '../helpers/wat';

// MaxConcurrentCalls against a plugin that holds each call for 1 s (sleepy.wat), so calls sent
// together are all in flight at once: past the limit they are refused at once, from grpc-js and
// from Python's grpcio alike, and every refused, malformed or served call gives its place back.

const LIMIT = 3;
const PATH = '/api.MetadataAgent/GetArtistBiography';
const REFUSAL = `ndphost is serving ${LIMIT} calls at once, its MaxConcurrentCalls: try again later`;

// Sends `count` calls on one channel at once, as a Python backend's thread pool would; prints each outcome.
const PYTHON_FLOOD = `
import json, sys, grpc
address, path, request, count = sys.argv[1], sys.argv[2], bytes.fromhex(sys.argv[3]), int(sys.argv[4])
identity = lambda data: data
with grpc.insecure_channel(address) as channel:
    method = channel.unary_unary(path, request_serializer=identity, response_deserializer=identity)
    futures = [method.future(request, metadata=[("x-plugin", "sleepy")], timeout=30) for _ in range(count)]
    outcomes = []
    for future in futures:
        try:
            outcomes.append({"code": "OK", "response": future.result().hex()})
        except grpc.RpcError as error:
            outcomes.append({"code": error.code().name, "details": error.details()})
print(json.dumps(outcomes))
`;

/** Starts a sidecar serving sleepy.wat with the limit; `args` add to its flags. */
async function limitedSidecar(plugins: PluginsFolder, args: string[]): Promise<TestSidecar> {
  plugins.write('sleepy', { manifest: manifestFor(['MetadataAgent']), wasm: await watFixture('sleepy') });
  return startConfiguredSidecar(plugins.folder, { args: ['--max-concurrent-calls', String(LIMIT), ...args] });
}

const outcomes = (calls: Promise<unknown>[]) => Promise.allSettled(calls).then((settled) => settled.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value : outcome.reason)));

// Telemetry off and on take different call adapters (chosen once per rpc): both count calls.
describe.each([
  ['without telemetry', []],
  ['with metrics', ['--metrics-address', '127.0.0.1:0']],
])('MaxConcurrentCalls, %s', (_title, args) => {
  const plugins = new PluginsFolder();
  let s: TestSidecar;

  beforeAll(async () => {
    s = await limitedSidecar(plugins, args);
  });
  afterAll(async () => {
    await s?.close();
    plugins.cleanup();
  });

  const biography = () => s.clients.call(s.clients.metadataAgent, 'GetArtistBiography', { name: 'Ann' }, { plugin: 'sleepy', timeoutMs: 30_000 });

  it('refuses the calls past the limit at once with RESOURCE_EXHAUSTED and serves the others', async () => {
    const started = Date.now();
    const refusedAt: number[] = [];
    const calls = Array.from({ length: LIMIT + 5 }, () =>
      biography().catch((error: unknown) => {
        refusedAt.push(Date.now() - started);
        throw error;
      }),
    );
    // While the limit's calls are in flight, the admin listener is not limited by them.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await expect(s.clients.call(s.clients.admin, 'ListPlugins', {})).resolves.toBeDefined();

    const results = await outcomes(calls);
    expect(results.filter((result) => (result as { biography?: string }).biography === 'slept')).toHaveLength(LIMIT);
    expect(results.filter((result) => (result as { code?: number }).code === grpcStatus.RESOURCE_EXHAUSTED)).toEqual(Array(5).fill(expect.objectContaining(status(grpcStatus.RESOURCE_EXHAUSTED, REFUSAL))));
    // Refused before any plugin ran: long before the first call (1 s of sleep) was answered.
    expect(Math.max(...refusedAt)).toBeLessThan(1000);
  }, 30_000);

  it('gives back the places of refused and malformed calls: the limit is served in full afterwards', async () => {
    for (let i = 0; i < LIMIT + 2; i++) expect(await rawUnaryCall(s.address, PATH, Uint8Array.of(0x0a, 0x05), {})).toMatchObject({ code: grpcStatus.INVALID_ARGUMENT });
    const results = await outcomes(Array.from({ length: LIMIT }, biography));
    expect(results).toEqual(Array(LIMIT).fill({ biography: 'slept' }));
  }, 30_000);
});

describe('MaxConcurrentCalls, seen from outside', () => {
  const plugins = new PluginsFolder();
  let s: TestSidecar;

  beforeAll(async () => {
    s = await limitedSidecar(plugins, ['--metrics-address', '127.0.0.1:0']);
  });
  afterAll(async () => {
    await s?.close();
    plugins.cleanup();
  });

  it('a Python grpcio client sending its calls together on one channel is refused past the limit, and Prometheus sees it', async () => {
    requireDebianPackages('Python client');
    const flood = runProgram(PYTHON, ['-c', PYTHON_FLOOD, s.address, PATH, biographyRequestHex('Ann'), String(LIMIT + 4)]);
    // In flight: the limit, while the plugin holds them (bounded wait for Python to connect).
    let inFlight = 0;
    for (let i = 0; i < 100 && inFlight < LIMIT; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      inFlight = sampleValue(await scrape(s), 'ndphost_calls_in_flight') ?? 0;
    }
    expect(inFlight).toBe(LIMIT);

    const results = JSON.parse(await flood) as { code: string; details?: string; response?: string }[];
    expect(results.filter((result) => result.code === 'OK')).toEqual(Array(LIMIT).fill({ code: 'OK', response: biographyResponseHex('slept') }));
    expect(results.filter((result) => result.code !== 'OK')).toEqual(Array(4).fill({ code: 'RESOURCE_EXHAUSTED', details: REFUSAL }));

    const metrics = await scrape(s);
    expect(sampleValue(metrics, 'ndphost_calls_total', { rpc: 'MetadataAgent/GetArtistBiography', status: 'RESOURCE_EXHAUSTED' })).toBe(4);
    expect(sampleValue(metrics, 'ndphost_calls_in_flight')).toBe(0);
    // The plugin was asked only for the calls served.
    expect(sampleValue(metrics, 'ndphost_plugin_calls_total', { plugin: 'sleepy', rpc: 'MetadataAgent/GetArtistBiography', status: 'OK' })).toBe(LIMIT);
  }, 30_000);
});
