import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { status as grpcStatus } from '@grpc/grpc-js';
import { ApiClients } from '../helpers/api-clients';
import { pluginConfigSection, startConfiguredSidecar } from '../helpers/configured-sidecar';
import { OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver';
import { PluginsFolder } from '../helpers/plugins-folder';
import { RecordingHttpServer } from '../helpers/recording-http-server';
import { spawnSidecar, type SpawnedSidecar } from '../helpers/spawned-sidecar';
import type { TestSidecar } from '../helpers/test-sidecar';

// OpenTelemetry end to end: `ndphost serve` (its own process: the OTLP exporter loads node:http
// by dynamic import(), which jest's module sandbox refuses) exports to a real OTLP/HTTP receiver
// on 127.0.0.1, and a recording HTTP server sees the traceparent the plugin's request carried.

const CALLER_TRACE = '0af7651916cd43dd8448eb211c80319c';
const CALLER_SPAN = 'b7ad6b7169203331';
const SPAN_KIND_INTERNAL = 1;
const SPAN_KIND_SERVER = 2;
const STATUS_ERROR = 2;

describe('OpenTelemetry tracing of contract and plugin calls', () => {
  const plugins = new PluginsFolder();
  let receiver: OtlpReceiver;
  let server: RecordingHttpServer;
  let sidecar: SpawnedSidecar | undefined;
  let clients: ApiClients | undefined;

  beforeAll(async () => {
    receiver = await OtlpReceiver.start();
    server = await RecordingHttpServer.start(({ query }) => (query.get('artist') === 'Broken' ? { status: 500 } : { body: `Biography of ${query.get('artist')}` }));
    allowTestServer(plugins, server);
    const configFile = path.join(plugins.root, 'ndphost.toml');
    writeFileSync(configFile, pluginConfigSection('bio-http', { base_url: server.url('/') }));
    sidecar = await spawnSidecar([
      ...['--config', configFile, '--address', '127.0.0.1:0', '--data-folder', path.join(plugins.root, 'data'), '--plugins-folder', plugins.folder],
      ...['--plugins-min-workers', '1', '--log-format', 'json', '--tracing-enabled', 'true', '--tracing-endpoint', receiver.endpoint, '--tracing-service-name', 'ndphost-under-test'],
    ]);
    clients = new ApiClients(`127.0.0.1:${sidecar.port}`);
  });
  afterAll(async () => {
    clients?.close();
    await sidecar?.stop();
    await Promise.all([server?.close(), receiver?.close()]);
    plugins.cleanup();
  });

  it('continues the caller traceparent, spans each plugin call, and carries the trace into the plugin HTTP request', async () => {
    const api = clients as ApiClients;
    const call = (name: string, options: { plugin?: string; metadata?: Record<string, string> }) => api.call(api.metadataAgent, 'GetArtistBiography', { name }, options);
    await expect(call('Ann', { plugin: 'bio-http', metadata: { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` } })).resolves.toEqual({ biography: 'Biography of Ann' });
    // No traceparent and no x-plugin: a new trace, through the fan-out path.
    await expect(call('Bob', {})).resolves.toEqual({ biography: 'Biography of Bob' });
    await expect(call('Broken', { plugin: 'bio-http' })).rejects.toMatchObject({ code: grpcStatus.UNKNOWN });
    // A drained shutdown exports the spans still buffered.
    await expect(sidecar?.stop()).resolves.toBe(0);
    await receiver.waitForSpans(6);
    expect(receiver.problems).toEqual([]);
    expect(receiver.spans).toHaveLength(6);
    expect(new Set(receiver.spans.map((span) => span.serviceName))).toEqual(new Set(['ndphost-under-test']));

    const requestOf = (artist: string) => server.matching((request) => request.query.get('artist') === artist)[0];
    const check = (artist: string, traceId: string | undefined, parent: string | undefined, failed: boolean): ReceivedSpan => {
      const request = requestOf(artist);
      const [, traceIdSent, parentIdSent, flags] = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(String(request.headers.traceparent)) ?? [];
      expect(flags).toBe('01');
      const pluginSpan = receiver.spans.find((span) => span.spanId === parentIdSent);
      expect(pluginSpan).toMatchObject({
        traceId: traceIdSent,
        kind: SPAN_KIND_INTERNAL,
        attributes: { 'ndphost.plugin.id': 'bio-http', 'ndphost.plugin.export': 'metadata_agent_get_artist_biography', 'rpc.method': 'GetArtistBiography' },
      });
      const serverSpan = receiver.spans.find((span) => span.spanId === pluginSpan?.parentSpanId);
      expect(serverSpan).toMatchObject({
        traceId: traceIdSent,
        name: 'MetadataAgent/GetArtistBiography',
        kind: SPAN_KIND_SERVER,
        parentSpanId: parent,
        attributes: { 'rpc.system': 'grpc', 'rpc.service': 'MetadataAgent', 'rpc.method': 'GetArtistBiography', 'rpc.grpc.status_code': failed ? grpcStatus.UNKNOWN : grpcStatus.OK },
      });
      if (traceId !== undefined) expect(traceIdSent).toBe(traceId);
      if (failed) {
        expect(serverSpan?.status.code).toBe(STATUS_ERROR);
        expect(pluginSpan).toMatchObject({ status: { code: STATUS_ERROR }, attributes: { 'ndphost.error.kind': 'plugin_error' } });
      } else {
        expect(pluginSpan?.status.code ?? 0).not.toBe(STATUS_ERROR);
      }
      return serverSpan as ReceivedSpan;
    };
    check('Ann', CALLER_TRACE, CALLER_SPAN, false);
    const bob = check('Bob', undefined, undefined, false);
    const broken = check('Broken', undefined, undefined, true);
    expect(new Set([CALLER_TRACE, bob.traceId, broken.traceId]).size).toBe(3);
  });
});

describe('tracing to a collector that never answers', () => {
  const plugins = new PluginsFolder();
  let collector: Server;
  let sidecar: SpawnedSidecar | undefined;

  beforeAll(async () => {
    // Takes the request and never answers: only the exporter's own time limit ends the export.
    collector = createServer(() => undefined);
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    sidecar?.child.kill('SIGKILL');
    collector.closeAllConnections();
    await new Promise((resolve) => collector.close(resolve));
    plugins.cleanup();
  });

  it('does not hold up shutdown past the export time limit', async () => {
    const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}/v1/traces`;
    sidecar = await spawnSidecar(['--address', '127.0.0.1:0', '--data-folder', plugins.root, '--plugins-folder', plugins.folder, '--log-format', 'json', '--tracing-enabled', 'true', '--tracing-endpoint', endpoint]);
    const api = new ApiClients(`127.0.0.1:${sidecar.port}`);
    await expect(api.call(api.metadataAgent, 'GetArtistBiography', { name: 'Ann' })).rejects.toMatchObject({ code: grpcStatus.NOT_FOUND });
    api.close();
    const started = Date.now();
    await expect(sidecar.stop()).resolves.toBe(0);
    // The export time limit is 5 s; far below the test's own 30 s.
    expect(Date.now() - started).toBeLessThan(20_000);
    const logged = sidecar.lines.map((line) => JSON.parse(line) as { msg: string });
    expect(logged.filter((line) => line.msg === 'spans could not be exported; dropping them until the collector answers')).toEqual([
      expect.objectContaining({ level: 40, endpoint, reason: expect.any(String) }),
    ]);
    expect(logged).toContainEqual(expect.objectContaining({ level: 40, msg: 'could not export the last spans' }));
  });
});

describe('tracing off', () => {
  const plugins = new PluginsFolder();
  let server: RecordingHttpServer;
  let s: TestSidecar;

  beforeAll(async () => {
    server = await RecordingHttpServer.start(() => ({ body: 'bio' }));
    allowTestServer(plugins, server);
    s = await startConfiguredSidecar(plugins.folder, { toml: pluginConfigSection('bio-http', { base_url: server.url('/') }), args: ['--plugins-min-workers', '1'] });
  });
  afterAll(async () => {
    await s?.close();
    await server?.close();
    plugins.cleanup();
  });

  it('adds no traceparent to plugin requests, even when the caller sent one', async () => {
    await expect(s.clients.call(s.clients.metadataAgent, 'GetArtistBiography', { name: 'Ann' }, { plugin: 'bio-http', metadata: { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` } })).resolves.toEqual({ biography: 'bio' });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0].headers.traceparent).toBeUndefined();
  });
});

/** bio-http, allowed to reach the test server. */
function allowTestServer(plugins: PluginsFolder, server: RecordingHttpServer): void {
  plugins.copy('bio-http', 'bio-http');
  const manifest = JSON.parse(readFileSync(path.join(plugins.folder, 'bio-http', 'manifest.json'), 'utf8')) as Record<string, unknown>;
  plugins.write('bio-http', { manifest: { ...manifest, permissions: { http: { reason: 'test server', allowedUrls: { [server.url('/*')]: ['GET'] }, allowLocalNetwork: true } } } });
}
