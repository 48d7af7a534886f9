import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { rpcExports } from '../../src/contract';
import { startConfiguredSidecar } from '../helpers/configured-sidecar';
import { manifestFor, PluginsFolder } from '../helpers/plugins-folder';
import { PROTO_ROOT } from '../helpers/paths';
import { generatePythonStubs, runPython } from '../helpers/python-client';
import type { TestSidecar } from '../helpers/test-sidecar';
import { watFixture, watToWasm } from '../helpers/wat';

// A caller and a plugin built for a newer contract than the sidecar's: api.proto with a field
// added to GetArtistBiography's request (`mood`, 15) and to its response (`source`, 16), as a
// later Navidrome might add them. The sidecar's generated types know neither, and pass both on:
// the plugin gets the caller's request as it was sent, and the caller the plugin's response.
// The caller is Python's grpcio with stubs from the newer api.proto (upb, which checks UTF-8).

const NEWER_FIELDS: [message: string, field: string][] = [
  ['message ArtistBiographyRequest {', '  string mood = 15;'],
  ['message ArtistBiographyResponse {', '  string source = 16;'],
];

/** A copy of proto/ whose api.proto has the newer contract's fields. */
function newerProtos(): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'ndphost-newer-proto-'));
  cpSync(PROTO_ROOT, root, { recursive: true });
  const file = path.join(root, 'api.proto');
  let text = readFileSync(file, 'utf8');
  for (const [message, field] of NEWER_FIELDS) {
    if (!text.includes(message)) throw new Error(`api.proto has no "${message}"`);
    text = text.replace(message, `${message}\n${field}`);
  }
  writeFileSync(file, text);
  return root;
}

/** A MetadataAgent plugin whose biography is "Bj\xf6rk": Latin-1, which released Navidrome passed on. */
function latin1Wat(): string {
  const others = rpcExports('MetadataAgent').filter((name) => name !== 'metadata_agent_get_artist_biography');
  return `(module
    (memory (export "memory") 1)
    (data (i32.const 256) "\\0a\\05Bj\\f6rk")
    (func (export "malloc") (param i32) (result i32) (i32.const 1024))
    (func (export "free") (param i32))
    (func (export "metadata_agent_api_version") (result i64) (i64.const 1))
    (func (export "metadata_agent_get_artist_biography") (param i32 i32) (result i64) (i64.const ${(256n << 32n) | 7n}))
    (func $empty (param i32 i32) (result i64) (i64.const 0))
    ${others.map((name) => `(export "${name}" (func $empty))`).join('\n    ')})`;
}

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
  const protos = newerProtos();
  const stubs = mkdtempSync(path.join(os.tmpdir(), 'ndphost-newer-stubs-'));
  let s: TestSidecar;

  beforeAll(async () => {
    generatePythonStubs(stubs, protos);
    plugins.write('newer', { manifest: manifestFor(['MetadataAgent']), wasm: await watFixture('newer-contract') });
    plugins.write('latin1', { manifest: manifestFor(['MetadataAgent']), wasm: await watToWasm(latin1Wat(), 'latin1.wat') });
    // The newer plugin answers first in a fan-out.
    s = await startConfiguredSidecar(plugins.folder, { args: ['--plugins-order', 'newer,latin1'] });
  }, 60_000);
  afterAll(async () => {
    await s?.close();
    plugins.cleanup();
    for (const folder of [protos, stubs]) rmSync(folder, { recursive: true, force: true });
  });

  let results: unknown[];
  beforeAll(async () => {
    results = JSON.parse(await runPython(['-c', PYTHON_NEWER_CALLER, s.address, stubs])) as unknown[];
  }, 30_000);

  it('pass through both ways: the plugin gets the very bytes sent, and the caller the field the plugin added', () => {
    const expected = { sameBytes: true, seen: { id: 'a1', name: 'Björk', mood: 'wistful' }, source: 'newer-contract plugin' };
    // With x-plugin (that plugin's answer as is), and fanned out (the first answer in order).
    expect(results.slice(0, 2)).toEqual([
      { plugin: 'newer', ...expected },
      { plugin: null, ...expected },
    ]);
  });

  it('an answer holding a string that is not UTF-8 reaches a strict client re-encoded, U+FFFD in place of the bytes', () => {
    expect(results[2]).toEqual({ plugin: 'latin1', biography: 'Bj\ufffdrk' });
  });
});
