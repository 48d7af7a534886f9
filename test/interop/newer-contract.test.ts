import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startConfiguredSidecar } from '../helpers/configured-sidecar';
import { goBuild, generateGoStubs } from '../helpers/go-client';
import { metadataAgentWat, packed } from '../helpers/guest-wat';
import { BIOGRAPHIES, startInteropSidecar, type InteropSidecar } from '../helpers/interop-sidecar';
import { manifestFor, PluginsFolder } from '../helpers/plugins-folder';
import { PROTO_ROOT, REPO_ROOT } from '../helpers/paths';
import { generatePythonStubs, runPython } from '../helpers/python-client';
import { runProgram } from '../helpers/run-program';
import type { TestSidecar } from '../helpers/test-sidecar';
import { watFixture, watToWasm } from '../helpers/wat';

// A caller and a plugin built for a newer contract than the sidecar's: api.proto with fields
// added as a later Navidrome might add them, to GetArtistBiography's request (`mood`, 15) and
// response (`source`, 16), to NowPlaying's request (`client`, 15) and, nested, to TrackInfo
// (`isrc`, 20). The sidecar's generated types know none of them, and pass them on: the plugin
// gets the caller's request as it was sent, and the caller the plugin's response. The callers are
// Python's grpcio (upb, which checks UTF-8) and grpc-go with protobuf-go (which refuses a proto3
// string that is not UTF-8), each with stubs from the newer api.proto.

const NEWER_FIELDS: [message: string, field: string][] = [
  ['message ArtistBiographyRequest {', '  string mood = 15;'],
  ['message ArtistBiographyResponse {', '  string source = 16;'],
  ['message ScrobblerNowPlayingRequest {', '  string client = 15;'],
  ['message TrackInfo {', '  string isrc = 20;'],
];

/** A copy of proto/ whose api.proto has the newer contract's fields, in `root`. */
function writeNewerProto(root: string): void {
  cpSync(PROTO_ROOT, root, { recursive: true });
  const file = path.join(root, 'api.proto');
  let text = readFileSync(file, 'utf8');
  for (const [message, field] of NEWER_FIELDS) {
    if (!text.includes(message)) throw new Error(`api.proto has no "${message}"`);
    text = text.replace(message, `${message}\n${field}`);
  }
  writeFileSync(file, text);
}

// One newer proto/ and one set of newer Python stubs for both suites below.
const newerProto = mkdtempSync(path.join(os.tmpdir(), 'ndphost-newer-proto-'));
const stubs = mkdtempSync(path.join(os.tmpdir(), 'ndphost-newer-stubs-'));
beforeAll(() => {
  writeNewerProto(newerProto);
  generatePythonStubs(stubs, newerProto);
}, 60_000);
afterAll(() => {
  for (const folder of [newerProto, stubs]) rmSync(folder, { recursive: true, force: true });
});

/** A MetadataAgent plugin whose biography is "Bj\xf6rk": Latin-1, which released Navidrome passed on. */
const LATIN1 = metadataAgentWat({ body: packed(256, 7), extra: '(data (i32.const 256) "\\0a\\05Bj\\f6rk")' });

// `biography` holds the bytes the plugin received: decoded here with the newer request type.
const PYTHON_NEWER_CALLER = `
import json, sys, grpc
sys.path.insert(0, sys.argv[2])
import api_pb2, api_pb2_grpc
request = api_pb2.ArtistBiographyRequest(id="a1", name="Björk", mood="wistful")
results = []
with grpc.insecure_channel(sys.argv[1]) as channel:
    stub = api_pb2_grpc.MetadataAgentStub(channel)
    for metadata in ([("x-plugin", "newer")], None):
        response = stub.GetArtistBiography(request, metadata=metadata, timeout=20)
        received = response.biography.encode("utf-8")
        seen = api_pb2.ArtistBiographyRequest.FromString(received)
        results.append({
            "plugin": metadata[0][1] if metadata else None,
            "sameBytes": received == request.SerializeToString(),
            "seen": {"id": seen.id, "name": seen.name, "mood": seen.mood},
            "source": response.source,
        })
    latin1 = stub.GetArtistBiography(request, metadata=[("x-plugin", "latin1")], timeout=20)
    results.append({"plugin": "latin1", "biography": latin1.biography})
print(json.dumps(results))
`;

describe('a caller and a plugin of a newer contract (fields the sidecar does not know)', () => {
  const plugins = new PluginsFolder();
  let s: TestSidecar;

  beforeAll(async () => {
    plugins.write('newer', { manifest: manifestFor(['MetadataAgent']), wasm: await watFixture('newer-contract') });
    plugins.write('latin1', { manifest: manifestFor(['MetadataAgent']), wasm: await watToWasm(LATIN1, 'latin1.wat') });
    // The newer plugin answers first in a fan-out.
    s = await startConfiguredSidecar(plugins.folder, { args: ['--plugins-order', 'newer,latin1'] });
  }, 60_000);
  afterAll(async () => {
    await s?.close();
    plugins.cleanup();
  });

  const callers: Record<string, unknown[]> = {};
  const gopath = mkdtempSync(path.join(os.tmpdir(), 'ndphost-newer-go-'));
  beforeAll(async () => {
    callers.Python = JSON.parse(await runPython(['-c', PYTHON_NEWER_CALLER, s.address, stubs])) as unknown[];
    generateGoStubs(gopath, newerProto);
    const program = path.join(gopath, 'src', 'ndphost.local', 'newer');
    mkdirSync(program, { recursive: true });
    copyFileSync(path.join(REPO_ROOT, 'test', 'interop', 'go', 'newer_contract_client.go'), path.join(program, 'main.go'));
    const binary = path.join(gopath, 'bin', 'newer');
    goBuild(gopath, 'ndphost.local/newer', binary);
    callers.Go = JSON.parse(await runProgram(binary, [s.address])) as unknown[];
  }, 300_000);
  afterAll(() => rmSync(gopath, { recursive: true, force: true }));

  it.each(['Python', 'Go'])('pass through both ways (%s): the plugin gets the very bytes sent, and the caller the field the plugin added', (caller) => {
    const expected = { sameBytes: true, seen: { id: 'a1', name: 'Björk', mood: 'wistful' }, source: 'newer-contract plugin' };
    // With x-plugin (that plugin's answer as is), and fanned out (the first answer in order).
    expect(callers[caller].slice(0, 2)).toEqual([
      { plugin: 'newer', ...expected },
      { plugin: null, ...expected },
    ]);
  });

  it.each(['Python', 'Go'])('an answer holding a string that is not UTF-8 reaches a strict client (%s) re-encoded, U+FFFD in place of the bytes', (caller) => {
    expect(callers[caller][2]).toEqual({ plugin: 'latin1', biography: 'Bj\ufffdrk' });
  });
});

// The example plugins of every toolchain (AssemblyScript's as-proto, C's nanopb, Rust's prost)
// were built from the sidecar's api.proto: a newer caller's fields reach them now, and each
// decoder must pass over what it does not know. Each call is made twice, with the newer fields
// set and without: the answers must be the same bytes.
const PYTHON_NEWER_AND_OLDER = `
import json, sys, grpc
sys.path.insert(0, sys.argv[2])
from google.protobuf import json_format
import api_pb2, api_pb2_grpc
def track(newer):
    track = api_pb2.TrackInfo(name="Joga", artists=[api_pb2.Artist(name="Björk")], length=305)
    if newer:
        track.isrc = "ISXX00000001"
    return track
def now_playing(username):
    return lambda newer: api_pb2.ScrobblerNowPlayingRequest(user_id="1", username=username, track=track(newer), **({"client": "newer"} if newer else {}))
def biography(name):
    return lambda newer: api_pb2.ArtistBiographyRequest(name=name, **({"mood": "wistful"} if newer else {}))
calls = [
    ("wikibio", "MetadataAgent", "GetArtistBiography", biography("Nirvana")),
    ("c-metadata", "MetadataAgent", "GetArtistBiography", biography("Björk")),
    ("rust-scrobbler", "Scrobbler", "NowPlaying", now_playing("bob")),
    ("scrobble-check", "Scrobbler", "NowPlaying", now_playing("ann")),
]
results = []
identity = lambda data: data
with grpc.insecure_channel(sys.argv[1]) as channel:
    raw = channel.unary_unary("/api.MetadataAgent/GetArtistBiography", request_serializer=identity, response_deserializer=identity)
    for plugin in ("wikibio", "c-metadata"):
        # name "Nirvana" (field 2), then id (field 1, a string) written as a number: no encoder
        # writes that, and a decoder that reads field 1 by its number alone misreads the rest.
        clean = api_pb2.ArtistBiographyRequest(name="Nirvana").SerializeToString()
        misplaced = clean + bytes([0x08, 0x96, 0x01])
        answers = [raw(request, metadata=[("x-plugin", plugin)], timeout=20) for request in (clean, misplaced)]
        results.append({"plugin": plugin, "misplacedSame": answers[0] == answers[1]})
    stubs = {"MetadataAgent": api_pb2_grpc.MetadataAgentStub(channel), "Scrobbler": api_pb2_grpc.ScrobblerStub(channel)}
    for plugin, service, method, request in calls:
        call = getattr(stubs[service], method)
        older, newer = (call(request(newer), metadata=[("x-plugin", plugin)], timeout=20) for newer in (False, True))
        results.append({"plugin": plugin, "same": older.SerializeToString() == newer.SerializeToString(), "answer": json_format.MessageToDict(newer)})
print(json.dumps(results))
`;

describe('the example plugins of every toolchain, asked by a newer caller', () => {
  let sidecar: InteropSidecar;

  beforeAll(async () => {
    sidecar = await startInteropSidecar();
  }, 60_000);
  afterAll(() => sidecar?.close());

  it("answer as they answer an older one: each decoder passes over the fields it does not know, nested ones too", async () => {
    const results = JSON.parse(await runPython(['-c', PYTHON_NEWER_AND_OLDER, sidecar.api.address, stubs])) as unknown[];
    expect(results).toEqual([
      // A field the contract declares, in the wrong wire type: dropped before it reaches them.
      { plugin: 'wikibio', misplacedSame: true },
      { plugin: 'c-metadata', misplacedSame: true },
      { plugin: 'wikibio', same: true, answer: { biography: expect.stringContaining('Nirvana') } },
      { plugin: 'c-metadata', same: true, answer: { biography: BIOGRAPHIES.Björk } },
      // NowPlaying succeeded for each: an empty error.
      { plugin: 'rust-scrobbler', same: true, answer: {} },
      { plugin: 'scrobble-check', same: true, answer: {} },
    ]);
    // The Rust plugin saw the track and posted it, the field it does not know left out.
    const posted = await sidecar.reports.waitFor((r) => r.path === '/scrobbles');
    expect(JSON.parse(posted.body.toString())).toMatchObject({ event: 'now_playing', user: 'bob', track: 'Joga', artists: ['Björk'], length: 305 });
  }, 30_000);
});
