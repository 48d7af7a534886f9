import { bufCurl, bufError, type BufCurlResult, type ReflectProtocol } from '../helpers/buf-curl';
import { ROUTING_CALLS } from '../helpers/interop-calls';
import { ADMIN_SERVICES, SERVED_METHODS, SERVED_SERVICES, startInteropSidecar, type InteropSidecar } from '../helpers/interop-sidecar';

// `buf curl` (the devDependency; grpcurl's descriptor checks) with server reflection as its only
// schema: every exposed rpc must be describable and callable, over reflection v1 and v1alpha.


const PLUGINS = ['c-metadata', 'rust-scrobbler', 'scrobble-check', 'timer-report', 'wikibio'];

/** `run` over `items`, at most `limit` at once, results in order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let index = next++; index < items.length; index = next++) results[index] = await run(items[index]);
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}

describe.each(['grpc-v1', 'grpc-v1alpha'] as ReflectProtocol[])('buf curl with reflection %s only', (reflect) => {
  let sidecar: InteropSidecar;
  let routed: BufCurlResult[];

  beforeAll(async () => {
    sidecar = await startInteropSidecar();
    // Each buf curl is a process that fetches the schema by reflection: run them a few at a
    // time, then check each below.
    routed = await mapLimited(ROUTING_CALLS, 4, (call) => {
      const headers = call.plugin ? ['-H', `x-plugin: ${call.plugin}`] : [];
      return bufCurl(sidecar.api, `${call.service}/${call.method}`, [...headers, '-d', JSON.stringify(call.request)], reflect);
    });
  }, 120_000);
  afterAll(() => sidecar?.close());

  const json = async (target: string, args: string[], endpoint = sidecar.api): Promise<unknown> => {
    const result = await bufCurl(endpoint, target, args, reflect);
    if (result.exitCode !== 0) throw new Error(`buf curl ${target} exited ${result.exitCode}: ${result.stderr}`);
    return JSON.parse(result.stdout);
  };

  it('lists every served service', async () => {
    const result = await bufCurl(sidecar.api, '', ['--list-services'], reflect);
    expect(result).toMatchObject({ exitCode: 0 });
    expect(result.stdout.trim().split('\n').sort()).toEqual(SERVED_SERVICES);
  });

  it('lists the admin listener\'s services over its unix socket: the admin service only there', async () => {
    const result = await bufCurl(sidecar.admin, '', ['--list-services'], reflect);
    expect(result).toMatchObject({ exitCode: 0 });
    expect(result.stdout.trim().split('\n').sort()).toEqual(ADMIN_SERVICES);
  });

  it('lists every method, which needs every service described', async () => {
    const result = await bufCurl(sidecar.api, '', ['--list-methods'], reflect);
    expect(result).toMatchObject({ exitCode: 0, stderr: '' });
    expect(result.stdout.trim().split('\n').sort()).toEqual(SERVED_METHODS);
  });

  describe.each(ROUTING_CALLS.map((call, index) => [`${call.row}: ${call.method}${call.plugin ? ` x-plugin ${call.plugin}` : ''}`, index] as const))('%s', (_name, index) => {
    it(`answers ${ROUTING_CALLS[index].code}`, () => {
      const call = ROUTING_CALLS[index];
      const result = routed[index];
      if (call.code === 'OK') {
        expect(result).toMatchObject({ exitCode: 0, stderr: '' });
        if (call.response) expect(JSON.parse(result.stdout)).toEqual(call.response);
      } else {
        expect(bufError(result)).toMatchObject({ code: call.code.toLowerCase(), ...(call.details ? { message: expect.stringContaining(call.details) } : {}) });
      }
    });
  });

  it('health Check: the server and each service', async () => {
    await expect(json('grpc.health.v1.Health/Check', [])).resolves.toEqual({ status: 'SERVING' });
    await expect(json('grpc.health.v1.Health/Check', ['-d', '{"service": "api.MetadataAgent"}'])).resolves.toEqual({ status: 'SERVING' });
    expect(bufError(await bufCurl(sidecar.api, 'grpc.health.v1.Health/Check', ['-d', '{"service": "no.such.Service"}'], reflect))).toMatchObject({ code: 'not_found' });
  });

  it('health List: every service and plugin', async () => {
    const { statuses } = (await json('grpc.health.v1.Health/List', [])) as { statuses: Record<string, { status: string }> };
    expect(Object.keys(statuses).sort()).toEqual(['', 'api.MetadataAgent', 'api.SchedulerCallback', 'api.Scrobbler', 'api.TimerCallback', ...PLUGINS.map((id) => `ndphost.plugin.${id}`)].sort());
    expect(new Set(Object.values(statuses).map(({ status }) => status))).toEqual(new Set(['SERVING']));
  });

  it('admin ListPlugins and GetPlugin', async () => {
    const { plugins } = (await json('ndphost.admin.v1.PluginAdmin/ListPlugins', [], sidecar.admin)) as { plugins: { id: string; state: string }[] };
    expect(plugins.map(({ id, state }) => [id, state])).toEqual(PLUGINS.map((id) => [id, 'ready']));
    const { plugin } = (await json('ndphost.admin.v1.PluginAdmin/GetPlugin', ['-d', '{"id": "c-metadata"}'], sidecar.admin)) as { plugin: Record<string, unknown> };
    expect(plugin).toMatchObject({ id: 'c-metadata', name: 'C Metadata', services: ['MetadataAgent'], state: 'ready', wasmSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it('admin RefreshPlugin and RescanAll', async () => {
    await expect(json('ndphost.admin.v1.PluginAdmin/RefreshPlugin', ['-d', '{"id": "wikibio"}'], sidecar.admin)).resolves.toMatchObject({ plugin: { id: 'wikibio', state: 'ready' }, oldVersion: '1.0.0', newVersion: '1.0.0' });
    const { plugins } = (await json('ndphost.admin.v1.PluginAdmin/RescanAll', [], sidecar.admin)) as { plugins: { id: string }[] };
    expect(plugins.map(({ id }) => id)).toEqual(PLUGINS);
  });
});
