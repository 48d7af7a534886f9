import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startConfiguredSidecar } from '../helpers/configured-sidecar';
import { goBuild, generateGoStubs } from '../helpers/go-client';
import { describeRoutingCalls, expectRawCalls, RAW_PLAN, ROUTING_CALLS, type CallResult } from '../helpers/interop-calls';
import { SERVED_SERVICES, startInteropSidecar, type InteropSidecar } from '../helpers/interop-sidecar';
import { REPO_ROOT } from '../helpers/paths';
import { manifestFor, PluginsFolder } from '../helpers/plugins-folder';
import { runProgram } from '../helpers/run-program';
import type { TestSidecar } from '../helpers/test-sidecar';
import { watFixture } from '../helpers/wat';

// A client we did not write: grpc-go with protoc-gen-go stubs, built offline from Debian's
// packages in GOPATH mode, and protobuf-go's protodesc, which validates every descriptor that
// reflection serves as strictly as Go's own registry.

interface GoResult {
  readonly together: CallResult[];
  readonly calls: CallResult[];
  readonly raw: CallResult[];
  readonly reflection: Record<'v1' | 'v1alpha', { services: string[]; files: string[]; methods: Record<string, string[]>; errors: string[] }>;
}

describe('a Go client (Debian grpc-go 1.33, GOPATH mode, offline)', () => {
  const gopath = mkdtempSync(path.join(os.tmpdir(), 'ndphost-go-'));
  let sidecar: InteropSidecar;
  let result: GoResult;
  // A sidecar that serves three calls at once, each held 1 s by sleepy.wat.
  const limitedPlugins = new PluginsFolder();
  let limited: TestSidecar;
  let overload: GoResult;

  beforeAll(async () => {
    generateGoStubs(gopath);
    const program = path.join(gopath, 'src', 'ndphost.local', 'client');
    mkdirSync(program, { recursive: true });
    copyFileSync(path.join(REPO_ROOT, 'test', 'interop', 'go', 'interop_client.go'), path.join(program, 'main.go'));
    const binary = path.join(gopath, 'bin', 'client');
    goBuild(gopath, 'ndphost.local/client', binary);
    sidecar = await startInteropSidecar();
    const output = await runProgram(binary, [], { stdin: JSON.stringify({ address: sidecar.api.address, calls: ROUTING_CALLS, raw: RAW_PLAN, reflect: ['v1', 'v1alpha'] }) });
    result = JSON.parse(output) as GoResult;

    limitedPlugins.write('sleepy', { manifest: manifestFor(['MetadataAgent']), wasm: await watFixture('sleepy') });
    limited = await startConfiguredSidecar(limitedPlugins.folder, { args: ['--max-concurrent-calls', '3'] });
    const held = { service: 'api.MetadataAgent', method: 'GetArtistBiography', request: { name: 'Ann' }, plugin: 'sleepy' };
    overload = JSON.parse(await runProgram(binary, [], { stdin: JSON.stringify({ address: limited.address, together: Array(7).fill(held) }) })) as GoResult;
  }, 300_000);
  afterAll(async () => {
    await limited?.close();
    limitedPlugins.cleanup();
    await sidecar?.close();
    rmSync(gopath, { recursive: true, force: true });
  });

  describeRoutingCalls(() => result.calls);
  expectRawCalls(() => result.raw);

  it('seven calls at once from goroutines against MaxConcurrentCalls 3: three served, four RESOURCE_EXHAUSTED with the reason', () => {
    expect(overload.together.filter((call) => call.code === 'OK')).toEqual(Array(3).fill(expect.objectContaining({ response: { biography: 'slept' } })));
    expect(overload.together.filter((call) => call.code !== 'OK')).toEqual(Array(4).fill({ code: 'RESOURCE_EXHAUSTED', details: 'ndphost is serving 3 calls at once, its MaxConcurrentCalls: try again later' }));
  });

  it.each(['v1', 'v1alpha'] as const)('builds protodesc files from what reflection %s serves, for every service', (version) => {
    const reflection = result.reflection[version];
    expect(reflection.errors).toEqual([]);
    expect([...reflection.services].sort()).toEqual(SERVED_SERVICES);
    expect(reflection.methods['api.MetadataAgent']).toHaveLength(8);
    expect(reflection.methods['grpc.health.v1.Health']).toEqual(['Check', 'Watch', 'List']);
  });
});
