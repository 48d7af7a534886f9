import { ArtistBiographyRequest, ArtistBiographyResponse } from '../../generated/ts/api';
import { startConfiguredSidecar } from '../helpers/configured-sidecar';
import { requireDebianPackages } from '../helpers/debian-packages';
import { manifestFor, PluginsFolder } from '../helpers/plugins-folder';
import { parsePrometheusText, sampleValue } from '../helpers/prometheus-text';
import { PYTHON } from '../helpers/python-client';
import { runProgram } from '../helpers/run-program';
import type { TestSidecar } from '../helpers/test-sidecar';
import { watFixture } from '../helpers/wat';

// A caller that gives up on calls still waiting for a worker (Python's grpcio cancelling its
// futures: an RST_STREAM on the wire) costs the plugins nothing: those calls are dropped when
// they would start. One worker: `sleepy` holds it for 1 s while seven `quick` calls are written
// behind it (JOB_SLOTS, which the worker takes itself) and five more wait in the queue.

const PATH = '/api.MetadataAgent/GetArtistBiography';
const RPC = 'MetadataAgent/GetArtistBiography';

const PYTHON_GIVE_UP = `
import json, sys, time, grpc
address, path, request = sys.argv[1], sys.argv[2], bytes.fromhex(sys.argv[3])
identity = lambda data: data
with grpc.insecure_channel(address) as channel:
    method = channel.unary_unary(path, request_serializer=identity, response_deserializer=identity)
    call = lambda plugin: method.future(request, metadata=[("x-plugin", plugin)], timeout=30)
    holding = call("sleepy")
    time.sleep(0.1)
    ahead = [call("quick") for _ in range(7)]
    time.sleep(0.1)
    given_up = [call("quick") for _ in range(5)]
    time.sleep(0.2)
    for future in given_up:
        future.cancel()
    def outcome(future):
        try:
            return {"code": "OK", "response": future.result().hex()}
        except grpc.FutureCancelledError:
            return {"code": "CANCELLED"}
        except grpc.RpcError as error:
            return {"code": error.code().name, "details": error.details()}
    print(json.dumps([outcome(future) for future in [holding] + ahead + given_up]))
`;

describe('calls their caller cancelled while they waited for a worker', () => {
  const plugins = new PluginsFolder().copy('fixture-two', 'quick');
  let s: TestSidecar;

  beforeAll(async () => {
    plugins.write('sleepy', { manifest: manifestFor(['MetadataAgent']), wasm: await watFixture('sleepy') });
    s = await startConfiguredSidecar(plugins.folder, { args: ['--plugins-min-workers', '1', '--plugins-max-workers', '1', '--metrics-address', '127.0.0.1:0'] });
  });
  afterAll(async () => {
    await s?.close();
    plugins.cleanup();
  });

  it('are never run: a Python grpcio client cancels five of thirteen futures, and the plugins see eight calls', async () => {
    requireDebianPackages('Python client');
    const request = Buffer.from(ArtistBiographyRequest.encode({ id: '', name: 'Ann', mbid: '' }).finish()).toString('hex');
    const results = JSON.parse(await runProgram(PYTHON, ['-c', PYTHON_GIVE_UP, s.address, PATH, request])) as { code: string; response?: string }[];
    const answer = (biography: string) => Buffer.from(ArtistBiographyResponse.encode({ biography }).finish()).toString('hex');
    expect(results).toEqual([{ code: 'OK', response: answer('slept') }, ...Array(7).fill({ code: 'OK', response: answer('two:Ann') }), ...Array(5).fill({ code: 'CANCELLED' })]);

    const metrics = parsePrometheusText(await (await fetch(`http://127.0.0.1:${s.sidecar.metricsPort}/metrics`)).text());
    expect(sampleValue(metrics, 'ndphost_plugin_calls_total', { plugin: 'sleepy', rpc: RPC, status: 'OK' })).toBe(1);
    expect(sampleValue(metrics, 'ndphost_plugin_calls_total', { plugin: 'quick', rpc: RPC, status: 'OK' })).toBe(7);
    // Dropped, not run: their plugin calls end CANCELLED, and so do the contract calls.
    expect(sampleValue(metrics, 'ndphost_plugin_calls_total', { plugin: 'quick', rpc: RPC, status: 'CANCELLED' })).toBe(5);
    expect(sampleValue(metrics, 'ndphost_calls_total', { rpc: RPC, status: 'CANCELLED' })).toBe(5);
  }, 30_000);
});
