import type { Logger } from 'pino';
import { ScrobblerNowPlayingRequest } from '../../generated/ts/api';
import { CapturedLog } from '../helpers/capture-log';
import { pluginConfigSection, startConfiguredSidecar } from '../helpers/configured-sidecar';
import { requireDebianPackages } from '../helpers/debian-packages';
import { defer } from '../helpers/defer';
import { localHttp, manifestFor, PluginsFolder } from '../helpers/plugins-folder';
import { sampleValue } from '../helpers/prometheus-text';
import { biographyRequestHex, biographyResponseHex, hex, PYTHON } from '../helpers/python-client';
import { RecordingHttpServer } from '../helpers/recording-http-server';
import { runProgram, startProgram } from '../helpers/run-program';
import { scrape } from '../helpers/scrape-metrics';
import type { TestSidecar } from '../helpers/test-sidecar';
import { watFixture } from '../helpers/wat';

// A caller that gives up on calls still waiting for a worker (Python's grpcio cancelling its
// futures: an RST_STREAM on the wire) costs the plugins nothing: those calls are dropped when
// they would start. One worker: `sleepy` holds it for 1 s while seven `quick` calls are written
// behind it (JOB_SLOTS, which the worker takes itself) and five more wait in the queue.

const PATH = '/api.MetadataAgent/GetArtistBiography';
const RPC = 'MetadataAgent/GetArtistBiography';

/** Python: a grpcio future's outcome, for printing as JSON. */
const PYTHON_OUTCOME = `
def outcome(future):
    try:
        return {"code": "OK", "response": future.result().hex()}
    except grpc.FutureCancelledError:
        return {"code": "CANCELLED"}
    except grpc.RpcError as error:
        return {"code": error.code().name, "details": error.details()}
`;

// The five given up are GetArtistBiography for "quick", or (given a path, request and no
// plugin) any other call, such as a Scrobbler fan-out.
const PYTHON_GIVE_UP = `
import json, sys, time, grpc
${PYTHON_OUTCOME}address, path, request = sys.argv[1], sys.argv[2], bytes.fromhex(sys.argv[3])
given_up_path, given_up_request, given_up_plugin = (sys.argv[4], bytes.fromhex(sys.argv[5]), sys.argv[6]) if len(sys.argv) > 4 else (path, request, "quick")
identity = lambda data: data
with grpc.insecure_channel(address) as channel:
    method = channel.unary_unary(path, request_serializer=identity, response_deserializer=identity)
    call = lambda plugin: method.future(request, metadata=[("x-plugin", plugin)], timeout=30)
    holding = call("sleepy")
    time.sleep(0.1)
    ahead = [call("quick") for _ in range(7)]
    time.sleep(0.1)
    other = channel.unary_unary(given_up_path, request_serializer=identity, response_deserializer=identity)
    given_up = [other.future(given_up_request, metadata=[("x-plugin", given_up_plugin)] if given_up_plugin else None, timeout=30) for _ in range(5)]
    time.sleep(0.2)
    for future in given_up:
        future.cancel()
    print(json.dumps([outcome(future) for future in [holding] + ahead + given_up]))
`;

describe('calls their caller cancelled while they waited for a worker', () => {
  const plugins = new PluginsFolder().copy('fixture-two', 'quick');
  const log = new CapturedLog();
  let s: TestSidecar;

  beforeAll(async () => {
    plugins.write('sleepy', { manifest: manifestFor(['MetadataAgent']), wasm: await watFixture('sleepy') });
    s = await startConfiguredSidecar(plugins.folder, { args: ['--plugins-min-workers', '1', '--plugins-max-workers', '1', '--metrics-address', '127.0.0.1:0'], log: log.log });
  });
  afterAll(async () => {
    await s?.close();
    plugins.cleanup();
  });

  it('are never run: a Python grpcio client cancels five of thirteen futures, and the plugins see eight calls', async () => {
    requireDebianPackages('Python client');
    const results = JSON.parse(await runProgram(PYTHON, ['-c', PYTHON_GIVE_UP, s.address, PATH, biographyRequestHex('Ann')])) as { code: string; response?: string }[];
    expect(results).toEqual([{ code: 'OK', response: biographyResponseHex('slept') }, ...Array(7).fill({ code: 'OK', response: biographyResponseHex('two:Ann') }), ...Array(5).fill({ code: 'CANCELLED' })]);

    const metrics = await scrape(s);
    expect(sampleValue(metrics, 'ndphost_plugin_calls_total', { plugin: 'sleepy', rpc: RPC, status: 'OK' })).toBe(1);
    expect(sampleValue(metrics, 'ndphost_plugin_calls_total', { plugin: 'quick', rpc: RPC, status: 'OK' })).toBe(7);
    // Dropped, not run: their plugin calls end CANCELLED, and so do the contract calls.
    expect(sampleValue(metrics, 'ndphost_plugin_calls_total', { plugin: 'quick', rpc: RPC, status: 'CANCELLED' })).toBe(5);
    expect(sampleValue(metrics, 'ndphost_calls_total', { rpc: RPC, status: 'CANCELLED' })).toBe(5);
  }, 30_000);

  it('a Scrobbler fan-out given up that way ends CANCELLED, with no scrobbler plugin logged as failed', async () => {
    requireDebianPackages('Python client');
    const nowPlaying = hex(ScrobblerNowPlayingRequest.encode({ userId: 'u1', username: 'ann', track: undefined, timestamp: 0 }).finish());
    const results = JSON.parse(await runProgram(PYTHON, ['-c', PYTHON_GIVE_UP, s.address, PATH, biographyRequestHex('Ann'), '/api.Scrobbler/NowPlaying', nowPlaying, ''])) as { code: string }[];
    expect(results.map((result) => result.code)).toEqual([...Array(8).fill('OK'), ...Array(5).fill('CANCELLED')]);

    const metrics = await scrape(s);
    expect(sampleValue(metrics, 'ndphost_calls_total', { rpc: 'Scrobbler/NowPlaying', status: 'CANCELLED' })).toBe(5);
    expect(sampleValue(metrics, 'ndphost_plugin_calls_total', { plugin: 'quick', rpc: 'Scrobbler/NowPlaying', status: 'CANCELLED' })).toBe(5);
    expect(log.withMessage('scrobbler plugin failed')).toEqual([]);
  }, 30_000);
});

// Calls written ahead behind a busy worker's job (up to seven, which the worker takes by itself)
// and given up there are passed over, not run: `sleepy` holds the one worker for 1 s (a WASI
// sleep, no host call), seven bio-http calls are written behind it, and Python cancels three.
const PYTHON_GIVE_UP_AHEAD = `
import json, sys, time, grpc
${PYTHON_OUTCOME}address, path, held = sys.argv[1], sys.argv[2], bytes.fromhex(sys.argv[3])
requests = [bytes.fromhex(request) for request in sys.argv[4:]]
identity = lambda data: data
with grpc.insecure_channel(address) as channel:
    method = channel.unary_unary(path, request_serializer=identity, response_deserializer=identity)
    holding = method.future(held, metadata=[("x-plugin", "sleepy")], timeout=30)
    time.sleep(0.1)
    ahead = [method.future(request, metadata=[("x-plugin", "bio-http")], timeout=30) for request in requests]
    time.sleep(0.2)
    for index in (0, 3, 6):
        ahead[index].cancel()
    print(json.dumps([outcome(future) for future in [holding] + ahead]))
`;

describe('calls their caller cancelled while written ahead on a busy worker', () => {
  let held: HeldBio;

  beforeAll(async () => {
    held = await startHeldBio(['bio-http'], () => false, () => undefined, { maxWorkers: 1, sleepy: true });
  });
  afterAll(() => held?.close());

  it('are never run: of seven bio-http calls, the three cancelled make no HTTP request', async () => {
    requireDebianPackages('Python client');
    const artists = Array.from({ length: 7 }, (_, n) => `Ahead${n}`);
    const results = JSON.parse(await runProgram(PYTHON, ['-c', PYTHON_GIVE_UP_AHEAD, held.s.address, PATH, biographyRequestHex('Ann'), ...artists.map(biographyRequestHex)])) as unknown[];
    const answered = (artist: string) => ({ code: 'OK', response: biographyResponseHex(`Biography of ${artist}`) });
    const cancelled = { code: 'CANCELLED' };
    expect(results).toEqual([{ code: 'OK', response: biographyResponseHex('slept') }, cancelled, answered('Ahead1'), answered('Ahead2'), cancelled, answered('Ahead4'), answered('Ahead5'), cancelled]);
    expect(held.server.requests.map((request) => request.query.get('artist'))).toEqual(['Ahead1', 'Ahead2', 'Ahead4', 'Ahead5']);

    const metrics = await scrape(held.s);
    expect(sampleValue(metrics, 'ndphost_plugin_calls_total', { plugin: 'bio-http', rpc: RPC, status: 'OK' })).toBe(4);
    expect(sampleValue(metrics, 'ndphost_plugin_calls_total', { plugin: 'bio-http', rpc: RPC, status: 'CANCELLED' })).toBe(3);
  }, 30_000);
});

// A caller that gives up on a call whose plugin waits for an HTTP answer: the request is abandoned
// (its connection closed), so the plugin returns and its worker is free for the next call, rather
// than waiting out the server's silence. One worker, as before: the next call proves it.
const PYTHON_GIVE_UP_ON_HTTP = `
import json, sys, time, grpc
address, path, held, answered = sys.argv[1], sys.argv[2], bytes.fromhex(sys.argv[3]), bytes.fromhex(sys.argv[4])
identity = lambda data: data
with grpc.insecure_channel(address) as channel:
    method = channel.unary_unary(path, request_serializer=identity, response_deserializer=identity)
    waiting = method.future(held, metadata=[("x-plugin", "bio-http")], timeout=30)
    sys.stdin.readline()
    waiting.cancel()
    try:
        print(json.dumps({"code": "OK", "response": method(answered, metadata=[("x-plugin", "bio-http")], timeout=5).hex()}))
    except grpc.RpcError as error:
        print(json.dumps({"code": error.code().name, "details": error.details()}))
`;

/** A sidecar whose bio-http plugins fetch from a local server that holds some requests. */
interface HeldBio {
  readonly s: TestSidecar;
  readonly server: RecordingHttpServer;
  close(): Promise<void>;
}

/**
 * bio-http under each of `ids` (metrics on, at most `maxWorkers` workers), fetching biographies
 * from a local server that answers every artist but those `holds` picks: those it never answers
 * before close, so only the sidecar can end them. `onHeld` is told of each held request;
 * `sleepy` adds sleepy.wat's plugin.
 */
async function startHeldBio(ids: string[], holds: (artist: string) => boolean, onHeld: () => void, options: { maxWorkers: number; log?: Logger; sleepy?: boolean }): Promise<HeldBio> {
  const plugins = new PluginsFolder();
  const released = defer();
  const server = await RecordingHttpServer.start(async ({ query }) => {
    const artist = query.get('artist') ?? '';
    if (holds(artist)) {
      onHeld();
      await released.promise;
    }
    return { body: `Biography of ${artist}` };
  });
  const close = async (s?: TestSidecar) => {
    released.resolve();
    await s?.close();
    await server.close();
    plugins.cleanup();
  };
  try {
    for (const id of ids) plugins.copyWithHttp('bio-http', id, localHttp(server.url('/*'), ['GET']));
    if (options.sleepy) plugins.write('sleepy', { manifest: manifestFor(['MetadataAgent']), wasm: await watFixture('sleepy') });
    const s = await startConfiguredSidecar(plugins.folder, {
      toml: ids.map((id) => pluginConfigSection(id, { base_url: server.url('/') })).join('\n'),
      args: ['--plugins-min-workers', '1', '--plugins-max-workers', String(options.maxWorkers), '--metrics-address', '127.0.0.1:0'],
      log: options.log,
    });
    return { s, server, close: () => close(s) };
  } catch (error) {
    await close();
    throw error;
  }
}

describe('a call cancelled while its plugin waits on an HTTP request', () => {
  const heldArrived = defer();
  let held: HeldBio;
  let s: TestSidecar;
  let server: RecordingHttpServer;

  beforeAll(async () => {
    held = await startHeldBio(['bio-http'], (artist) => artist === 'Held', heldArrived.resolve, { maxWorkers: 1 });
    ({ s, server } = held);
  });
  afterAll(() => held?.close());

  it('abandons the request, closing its connection, and frees the worker for the next call', async () => {
    requireDebianPackages('Python client');
    const python = startProgram(PYTHON, ['-c', PYTHON_GIVE_UP_ON_HTTP, s.address, PATH, biographyRequestHex('Held'), biographyRequestHex('Ann')]);
    await heldArrived.promise;
    expect(await server.openConnections()).toBe(1);
    // Now that the plugin waits on the held request, Python cancels, then calls again.
    python.end('cancel\n');

    const next = JSON.parse(await python.output) as { code: string; response?: string };
    expect(next).toEqual({ code: 'OK', response: biographyResponseHex('Biography of Ann') });
    const metrics = await scrape(s);
    expect(sampleValue(metrics, 'ndphost_host_http_requests_total', { plugin: 'bio-http', outcome: 'error' })).toBe(1);
    expect(sampleValue(metrics, 'ndphost_host_http_requests_total', { plugin: 'bio-http', outcome: '2xx' })).toBe(1);
    // The held request's connection was closed by the sidecar: only the answered one's may stay open.
    expect(await server.openConnections()).toBeLessThanOrEqual(1);
  }, 30_000);
});

// The same in a MetadataAgent fan-out: twelve plugins, each waiting on its own held request when
// the caller cancels. Every request is abandoned and none of the plugins is logged as broken.
const PYTHON_GIVE_UP_ON_FAN_OUT = `
import sys, grpc
address, path, request = sys.argv[1], sys.argv[2], bytes.fromhex(sys.argv[3])
identity = lambda data: data
with grpc.insecure_channel(address) as channel:
    method = channel.unary_unary(path, request_serializer=identity, response_deserializer=identity)
    waiting = method.future(request, timeout=30)
    sys.stdin.readline()
    waiting.cancel()
`;

describe('a MetadataAgent fan-out cancelled while its plugins wait on HTTP', () => {
  const WIDTH = 12;
  const ids = Array.from({ length: WIDTH }, (_, n) => `bio-${String(n + 1).padStart(2, '0')}`);
  const log = new CapturedLog();
  let arrived = 0;
  const allArrived = defer();
  let held: HeldBio;
  let s: TestSidecar;
  let server: RecordingHttpServer;

  beforeAll(async () => {
    const counted = () => (++arrived === WIDTH ? allArrived.resolve() : undefined);
    held = await startHeldBio(ids, () => true, counted, { maxWorkers: WIDTH, log: log.log });
    ({ s, server } = held);
  });
  afterAll(() => held?.close());

  it('abandons every request and logs no plugin as failed', async () => {
    requireDebianPackages('Python client');
    const python = startProgram(PYTHON, ['-c', PYTHON_GIVE_UP_ON_FAN_OUT, s.address, PATH, biographyRequestHex('Ann')]);
    await allArrived.promise;
    python.end('cancel\n');
    await python.output;
    // Every held request's connection is closed by the sidecar (bounded wait).
    expect(await server.connectionsLeft(5_000)).toBe(0);
    const metrics = await scrape(s);
    expect(sampleValue(metrics, 'ndphost_host_http_requests_total', { plugin: 'bio-01', outcome: 'error' })).toBe(1);
    expect(sampleValue(metrics, 'ndphost_calls_total', { rpc: RPC, status: 'CANCELLED' })).toBe(1);
    expect(log.withMessage('plugin failed; asking the next')).toEqual([]);
  }, 30_000);
});
