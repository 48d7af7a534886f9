import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeRoutingCalls, expectRawCalls, RAW_PLAN, ROUTING_CALLS, type CallResult } from '../helpers/interop-calls';
import { BIOGRAPHIES, SERVED_SERVICES, startInteropSidecar, type InteropSidecar } from '../helpers/interop-sidecar';
import { REPO_ROOT } from '../helpers/paths';
import { generatePythonStubs, runPython } from '../helpers/python-client';

// A client we did not write: Python's grpcio with stubs generated from our protos by
// grpc_tools, and protobuf's descriptor_pool, which validates every descriptor it is given.

interface ReflectionResult {
  readonly services: string[];
  readonly files: string[];
  readonly methods: Record<string, string[]>;
  readonly errors: string[];
}

interface PythonResult {
  readonly calls: CallResult[];
  readonly reflection: Record<'v1' | 'v1alpha', ReflectionResult>;
  readonly describe: Record<string, [string, number, string][]>;
  readonly raw: CallResult[];
}

describe('a Python client (Debian python3-grpcio, stubs from grpc_tools)', () => {
  const stubs = mkdtempSync(path.join(os.tmpdir(), 'ndphost-python-'));
  let sidecar: InteropSidecar;
  let result: PythonResult;

  beforeAll(async () => {
    generatePythonStubs(stubs);
    sidecar = await startInteropSidecar();
    const plan = {
      address: sidecar.api.address,
      stubs,
      calls: ROUTING_CALLS,
      reflect: ['v1', 'v1alpha'],
      describe: ['api.ScrobblerIsAuthorizedRequest', 'api.InitRequest'],
      raw: RAW_PLAN,
    };
    const output = await runPython([path.join(REPO_ROOT, 'test', 'interop', 'python', 'interop_client.py')], { stdin: JSON.stringify(plan) });
    result = JSON.parse(output) as PythonResult;
  }, 60_000);
  afterAll(async () => {
    await sidecar?.close();
    rmSync(stubs, { recursive: true, force: true });
  });

  describeRoutingCalls(() => result.calls);

  it("reaches the C plugin's biography service through the host's HttpService", async () => {
    const request = await sidecar.bio.waitFor((r) => r.query.get('artist') === 'Björk');
    expect(request).toMatchObject({ method: 'GET', path: '/biography', url: '/biography?artist=Bj%C3%B6rk' });
    expect(request.headers.accept).toBe('text/plain');
    expect(BIOGRAPHIES.Björk).toBeDefined();
  });

  it("reaches the Rust plugin's endpoint through the host's HttpService, the track as JSON", async () => {
    const posted = await sidecar.reports.waitFor((r) => r.path === '/scrobbles' && r.body.includes('"user":"bob"'));
    expect(posted.headers['content-type']).toBe('application/json');
    expect(JSON.parse(posted.body.toString())).toEqual({ event: 'now_playing', user: 'bob', track: 'Joga', artists: ['Björk'], album: '', length: 305, timestamp: 0 });
  });

  it('runs the timer callback it named, which POSTs its report', async () => {
    const report = await sidecar.reports.waitFor((r) => r.path === '/report');
    expect(report.method).toBe('POST');
  });

  expectRawCalls(() => result.raw);

  it.each(['v1', 'v1alpha'] as const)('builds a descriptor_pool from what reflection %s serves, for every service', (version) => {
    const reflection = result.reflection[version];
    expect(reflection.errors).toEqual([]);
    expect([...reflection.services].sort()).toEqual(SERVED_SERVICES);
    expect(reflection.files).toEqual(expect.arrayContaining(['api.proto', 'grpc/health/v1/health.proto']));
    expect(reflection.methods['api.MetadataAgent']).toHaveLength(8);
    expect(reflection.methods['api.Scrobbler']).toEqual(['IsAuthorized', 'NowPlaying', 'Scrobble']);
    // The admin service is served apart, at AdminAddress.
    expect(reflection.methods['ndphost.admin.v1.PluginAdmin']).toBeUndefined();
  });

  it('describes messages from reflection with the exact field names, maps included', () => {
    expect(result.describe['api.ScrobblerIsAuthorizedRequest']).toEqual([
      ['user_id', 1, 'string'],
      ['username', 2, 'string'],
    ]);
    expect(result.describe['api.InitRequest']).toEqual([['config', 1, 'api.InitRequest.ConfigEntry']]);
  });
});
