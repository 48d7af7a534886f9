import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { status as grpcStatus } from '@grpc/grpc-js';
import { status } from '../helpers/api-clients';
import { pluginConfigSection, startConfiguredSidecar } from '../helpers/configured-sidecar';
import { defer } from '../helpers/defer';
import { localHttp, manifestFor, PluginsFolder } from '../helpers/plugins-folder';
import { lintWithPrometheus } from '../helpers/prometheus-lint';
import { parsePrometheusText, sampleValue } from '../helpers/prometheus-text';
import { RecordingHttpServer } from '../helpers/recording-http-server';
import { scrape, scrapeText } from '../helpers/scrape-metrics';
import type { TestSidecar } from '../helpers/test-sidecar';
import { watFixture } from '../helpers/wat';

// A real sidecar with MetricsAddress set, real plugins and a real HTTP scrape of /metrics,
// parsed strictly, during calls (one held in a plugin's HTTP request) and after them.

const RPC = 'MetadataAgent/GetArtistBiography';

describe('Prometheus metrics of calls, fan-out, pool and host HTTP', () => {
  const plugins = new PluginsFolder();
  const held = defer();
  const heldArrived = defer();
  let server: RecordingHttpServer;
  let s: TestSidecar;

  beforeAll(async () => {
    server = await RecordingHttpServer.start(async ({ query }) => {
      const artist = query.get('artist') ?? '';
      if (artist === 'Nobody') return { status: 404 };
      if (artist === 'Broken') return { status: 500, body: 'oops' };
      if (artist === 'Held') {
        heldArrived.resolve();
        await held.promise;
      }
      return { body: `Biography of ${artist}` };
    });
    plugins.copyWithHttp('bio-http', 'bio-http', localHttp(server.url('/*'), ['GET']));
    plugins.copyWithHttp('bio-http', 'bio-second', localHttp(server.url('/*'), ['GET']));
    s = await startConfiguredSidecar(plugins.folder, {
      toml: [pluginConfigSection('bio-http', { base_url: server.url('/') }), pluginConfigSection('bio-second', { base_url: server.url('/') })].join('\n'),
      args: ['--plugins-min-workers', '1', '--metrics-address', '127.0.0.1:0'],
    });
  });
  afterAll(async () => {
    held.resolve();
    await s?.close();
    await server?.close();
    plugins.cleanup();
  });

  const biography = (name: string, plugin?: string) => s.clients.call(s.clients.metadataAgent, 'GetArtistBiography', { name }, { plugin });

  it('serves only GET and HEAD /metrics', async () => {
    const base = `http://127.0.0.1:${s.sidecar.metricsPort}`;
    expect((await fetch(`${base}/`)).status).toBe(404);
    expect((await fetch(`${base}/metrics/x`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405);
    const head = await fetch(`${base}/metrics`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('counts each call by plugin, rpc and status, during and after the calls', async () => {
    for (const name of ['Ann', 'Bob', 'Cy']) await expect(biography(name, 'bio-http')).resolves.toEqual({ biography: `Biography of ${name}` });
    await expect(biography('Broken', 'bio-http')).rejects.toMatchObject({ code: grpcStatus.UNKNOWN });
    // Fan-out: both plugins answer not_found, so both are misses and the call is NOT_FOUND.
    await expect(biography('Nobody')).rejects.toMatchObject(status(grpcStatus.NOT_FOUND));

    const inFlight = biography('Held', 'bio-http');
    await heldArrived.promise;
    const during = await scrape(s);
    // The held call is running, blocked in its HTTP host call, and not counted yet.
    expect(sampleValue(during, 'ndphost_pool_workers_busy')).toBeGreaterThanOrEqual(1);
    expect(sampleValue(during, 'ndphost_pool_workers_blocked')).toBeGreaterThanOrEqual(1);
    expect(sampleValue(during, 'ndphost_pool_workers')).toBeGreaterThanOrEqual(1);
    expect(sampleValue(during, 'ndphost_pool_queue_length')).toBe(0);
    expect(sampleValue(during, 'ndphost_calls_total', { rpc: RPC, status: 'OK' })).toBe(3);
    expect(sampleValue(during, 'ndphost_plugin_calls_total', { plugin: 'bio-http', rpc: RPC, status: 'OK' })).toBe(3);
    held.resolve();
    await expect(inFlight).resolves.toEqual({ biography: 'Biography of Held' });

    const after = await scrape(s);
    const value = (name: string, labels?: Record<string, string>) => sampleValue(after, name, labels);
    expect(value('ndphost_calls_total', { rpc: RPC, status: 'OK' })).toBe(4);
    expect(value('ndphost_calls_total', { rpc: RPC, status: 'UNKNOWN' })).toBe(1);
    expect(value('ndphost_calls_total', { rpc: RPC, status: 'NOT_FOUND' })).toBe(1);
    expect(value('ndphost_call_duration_seconds_count', { rpc: RPC })).toBe(6);
    expect(value('ndphost_plugin_calls_total', { plugin: 'bio-http', rpc: RPC, status: 'OK' })).toBe(4);
    expect(value('ndphost_plugin_calls_total', { plugin: 'bio-http', rpc: RPC, status: 'UNKNOWN' })).toBe(1);
    expect(value('ndphost_plugin_calls_total', { plugin: 'bio-http', rpc: RPC, status: 'NOT_FOUND' })).toBe(1);
    expect(value('ndphost_plugin_calls_total', { plugin: 'bio-second', rpc: RPC, status: 'NOT_FOUND' })).toBe(1);
    expect(value('ndphost_plugin_call_duration_seconds_count', { plugin: 'bio-http', rpc: RPC })).toBe(6);
    expect(value('ndphost_plugin_call_duration_seconds_count', { plugin: 'bio-second', rpc: RPC })).toBe(1);
    expect(value('ndphost_plugin_call_duration_seconds_bucket', { plugin: 'bio-second', rpc: RPC, le: '+Inf' })).toBe(1);
    expect(value('ndphost_fanout_misses_total', { plugin: 'bio-http', rpc: RPC, reason: 'not_found' })).toBe(1);
    expect(value('ndphost_fanout_misses_total', { plugin: 'bio-second', rpc: RPC, reason: 'not_found' })).toBe(1);
    expect(value('ndphost_host_http_requests_total', { plugin: 'bio-http', outcome: '2xx' })).toBe(4);
    expect(value('ndphost_host_http_requests_total', { plugin: 'bio-http', outcome: '5xx' })).toBe(1);
    expect(value('ndphost_host_http_requests_total', { plugin: 'bio-http', outcome: '4xx' })).toBe(1);
    expect(value('ndphost_host_http_requests_total', { plugin: 'bio-second', outcome: '4xx' })).toBe(1);
    // Both plugins have the same plugin.wasm: compiled once.
    expect(value('ndphost_module_compile_seconds_count')).toBe(1);
    expect(value('ndphost_pool_workers_busy')).toBe(0);
    expect(value('ndphost_timers_pending')).toBe(0);
    expect(value('ndphost_schedules_pending')).toBe(0);
    expect(value('ndphost_worker_replacements_total')).toBe(0);
    // Default process metrics come from prom-client's collectDefaultMetrics.
    expect(value('process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(after.get('nodejs_eventloop_lag_seconds')?.type).toBe('gauge');
  });

  it("reads as Prometheus's own parser and linter expect, every family of ours included", async () => {
    // After the calls above, so every ndphost_ family has samples.
    const text = await scrapeText(s);
    const lint = await lintWithPrometheus(text);

    expect(lint.parseError).toBe('');
    // expfmt leaves out a family with no samples yet (no quarantine has happened here).
    const sampled = [...parsePrometheusText(text).values()].filter((family) => family.samples.length > 0).map((family) => family.name);
    expect([...lint.families].sort()).toEqual(sampled.sort());
    expect(lint.families).toEqual(expect.arrayContaining(['ndphost_calls_total', 'ndphost_plugin_call_duration_seconds', 'ndphost_fanout_misses_total', 'ndphost_host_http_requests_total']));
    // prom-client's default metrics name three gauges ..._total; ours must pass as they are.
    expect(lint.problems.filter((problem) => problem.metric.startsWith('ndphost_'))).toEqual([]);
    expect(lint.problems.map((problem) => problem.metric).sort()).toEqual(['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']);
  }, 300_000);
});

describe('Prometheus metrics of quarantines and worker replacements', () => {
  const plugins = new PluginsFolder().copy('fixture', 'flaky');
  let s: TestSidecar;

  beforeAll(async () => {
    plugins.write('sleepy', { manifest: manifestFor(['MetadataAgent']), wasm: await watFixture('sleepy') });
    s = await startConfiguredSidecar(plugins.folder, {
      args: ['--plugins-min-workers', '1', '--plugins-call-timeout', '300ms', '--plugins-quarantine-failures', '2', '--plugins-quarantine-window', '1m', '--metrics-address', '127.0.0.1:0'],
    });
  });
  afterAll(async () => {
    await s?.close();
    plugins.cleanup();
  });

  const biography = (name: string, plugin: string) => s.clients.call(s.clients.metadataAgent, 'GetArtistBiography', { name }, { plugin });

  it('counts a plugin taken out of service and a worker terminated for overrunning its time limit', async () => {
    for (let i = 0; i < 2; i++) await expect(biography('unreachable', 'flaky')).rejects.toMatchObject({ code: grpcStatus.INTERNAL });
    await expect(biography('Ann', 'flaky')).rejects.toMatchObject({ code: grpcStatus.UNAVAILABLE });
    await expect(biography('Ann', 'sleepy')).rejects.toMatchObject({ code: grpcStatus.DEADLINE_EXCEEDED });

    const metrics = await scrape(s);
    const value = (name: string, labels?: Record<string, string>) => sampleValue(metrics, name, labels);
    expect(value('ndphost_quarantines_total', { plugin: 'flaky' })).toBe(1);
    expect(value('ndphost_worker_replacements_total')).toBe(1);
    expect(value('ndphost_plugin_calls_total', { plugin: 'flaky', rpc: RPC, status: 'INTERNAL' })).toBe(2);
    expect(value('ndphost_plugin_calls_total', { plugin: 'flaky', rpc: RPC, status: 'UNAVAILABLE' })).toBe(1);
    expect(value('ndphost_plugin_calls_total', { plugin: 'sleepy', rpc: RPC, status: 'DEADLINE_EXCEEDED' })).toBe(1);
    expect(value('ndphost_calls_total', { rpc: RPC, status: 'DEADLINE_EXCEEDED' })).toBe(1);
    // Two different modules.
    expect(value('ndphost_module_compile_seconds_count')).toBe(2);
  });
});

describe('MetricsAddress', () => {
  it('a port already in use stops start-up naming the key, as a failure to run (exit 1), not a usage error', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const plugins = new PluginsFolder();
    try {
      const address = `127.0.0.1:${(taken.address() as AddressInfo).port}`;
      await expect(startConfiguredSidecar(plugins.folder, { args: ['--metrics-address', address] })).rejects.toMatchObject({
        kind: 'failed_precondition',
        key: 'MetricsAddress',
        message: `cannot listen on ${address} for metrics (MetricsAddress): the address is already in use`,
      });
    } finally {
      await new Promise((resolve) => taken.close(resolve));
      plugins.cleanup();
    }
  });
});
