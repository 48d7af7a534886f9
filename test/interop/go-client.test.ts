import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { goBuild, generateGoStubs } from '../helpers/go-client';
import { describeRoutingCalls, expectRawCalls, RAW_PLAN, ROUTING_CALLS, type CallResult } from '../helpers/interop-calls';
import { SERVED_SERVICES, startInteropSidecar, type InteropSidecar } from '../helpers/interop-sidecar';
import { REPO_ROOT } from '../helpers/paths';
import { runProgram } from '../helpers/run-program';

// A client we did not write: grpc-go with protoc-gen-go stubs, built offline from Debian's
// packages in GOPATH mode, and protobuf-go's protodesc, which validates every descriptor that
// reflection serves as strictly as Go's own registry.

interface GoResult {
  readonly calls: CallResult[];
  readonly raw: CallResult[];
  readonly reflection: Record<'v1' | 'v1alpha', { services: string[]; files: string[]; methods: Record<string, string[]>; errors: string[] }>;
}

describe('a Go client (Debian grpc-go 1.33, GOPATH mode, offline)', () => {
  const gopath = mkdtempSync(path.join(os.tmpdir(), 'ndphost-go-'));
  let sidecar: InteropSidecar;
  let result: GoResult;

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
  }, 300_000);
  afterAll(async () => {
    await sidecar?.close();
    rmSync(gopath, { recursive: true, force: true });
  });

  describeRoutingCalls(() => result.calls);
  expectRawCalls(() => result.raw);

  it.each(['v1', 'v1alpha'] as const)('builds protodesc files from what reflection %s serves, for every service', (version) => {
    const reflection = result.reflection[version];
    expect(reflection.errors).toEqual([]);
    expect([...reflection.services].sort()).toEqual(SERVED_SERVICES);
    expect(reflection.methods['api.MetadataAgent']).toHaveLength(8);
    expect(reflection.methods['grpc.health.v1.Health']).toEqual(['Check', 'Watch', 'List']);
  });
});
