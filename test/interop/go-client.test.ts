import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { goBuild, generateGoStubs } from '../helpers/go-client';
import { ROUTING_CALLS, type CodeName } from '../helpers/interop-calls';
import { SERVED_SERVICES, startInteropSidecar, type InteropSidecar } from '../helpers/interop-sidecar';
import { REPO_ROOT } from '../helpers/paths';
import { runProgram } from '../helpers/run-program';

// A client we did not write: grpc-go with protoc-gen-go stubs, built offline from Debian's
// packages in GOPATH mode, and protobuf-go's protodesc, which validates every descriptor that
// reflection serves as strictly as Go's own registry.

interface GoResult {
  readonly calls: { code: CodeName; details: string; response?: Record<string, unknown> }[];
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
    const output = await runProgram(binary, [], { stdin: JSON.stringify({ address: sidecar.api.address, calls: ROUTING_CALLS, reflect: ['v1', 'v1alpha'] }) });
    result = JSON.parse(output) as GoResult;
  }, 300_000);
  afterAll(async () => {
    await sidecar?.close();
    rmSync(gopath, { recursive: true, force: true });
  });

  describe.each(ROUTING_CALLS.map((call, index) => [`${call.row}: ${call.method}${call.plugin ? ` x-plugin ${call.plugin}` : ''}`, index] as const))('%s', (_name, index) => {
    it(`answers ${ROUTING_CALLS[index].code}`, () => {
      const call = ROUTING_CALLS[index];
      const got = result.calls[index];
      expect(got.code).toBe(call.code);
      if (call.response) expect(got.response).toEqual(call.response);
      if (call.details) expect(got.details).toContain(call.details);
    });
  });

  it.each(['v1', 'v1alpha'] as const)('builds protodesc files from what reflection %s serves, for every service', (version) => {
    const reflection = result.reflection[version];
    expect(reflection.errors).toEqual([]);
    expect([...reflection.services].sort()).toEqual(SERVED_SERVICES);
    expect(reflection.methods['api.MetadataAgent']).toHaveLength(8);
    expect(reflection.methods['grpc.health.v1.Health']).toEqual(['Check', 'Watch', 'List']);
  });
});
