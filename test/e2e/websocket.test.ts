import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pluginConfigSection, startConfiguredSidecar } from '../helpers/configured-sidecar';
import { freePort } from '../helpers/free-port';
import { PluginsFolder } from '../helpers/plugins-folder';
import { RecordingHttpServer } from '../helpers/recording-http-server';
import type { TestSidecar } from '../helpers/test-sidecar';
import { TestWebSocketServer } from '../helpers/test-websocket-server';

// The websocket host service through the real sidecar, a real wasm plugin built with the SDK
// (test/fixtures/plugins/websocket-fixture) and a real `ws` server on 127.0.0.1. The plugin echoes
// every frame it receives back to the server (so the server sees each delivery, in order) and
// reports OnError and OnClose to a local HTTP server.

describe('websocket host service', () => {
  const plugins = new PluginsFolder();
  let ws: TestWebSocketServer;
  let reports: RecordingHttpServer;
  let s: TestSidecar;

  /** The fixture under `id`, allowed `allowedUrls` on the websocket server and POSTs to the report server. */
  function install(id: string, allowedUrls: string[], allowLocalNetwork = true): void {
    plugins.copy('websocket-fixture', id);
    const file = path.join(plugins.folder, id, 'manifest.json');
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as { permissions: Record<string, unknown> };
    const permissions = {
      ...manifest.permissions,
      websocket: { reason: 'test server', allowedUrls, allowLocalNetwork },
      http: { reason: 'reports', allowedUrls: { [reports.url('/*')]: ['POST'] }, allowLocalNetwork: true },
    };
    plugins.write(id, { manifest: { ...manifest, permissions } });
  }

  beforeAll(async () => {
    [ws, reports] = await Promise.all([TestWebSocketServer.start(), RecordingHttpServer.start()]);
    install('ws', [`ws://127.0.0.1:${ws.port}/*`]);
    install('ws-narrow', [`ws://127.0.0.1:${ws.port}/allowed/*`]);
    install('ws-no-local', [`ws://127.0.0.1:${ws.port}/*`, `ws://localhost:${ws.port}/*`], false);
    install('ws-any', ['*']);
    const ids = ['ws', 'ws-any', 'ws-narrow', 'ws-no-local'];
    s = await startConfiguredSidecar(plugins.folder, {
      toml: ids.map((id) => pluginConfigSection(id, { report_url: reports.url(`/report/${id}`) })).join('\n'),
      args: ['--plugins-min-workers', '2', '--plugins-max-websockets', '8', '--plugins-http-max-body-bytes', String(64 * 1024)],
    });
    expect(s.sidecar.plugins.list().map(({ id, state }) => ({ id, state }))).toEqual(ids.map((id) => ({ id, state: 'ready' })));
  });
  afterAll(async () => {
    await s?.close();
    await Promise.all([ws?.close(), reports?.close()]);
    plugins.cleanup();
  });

  const call = async (plugin: string, command: string): Promise<string> =>
    (await s.clients.call(s.clients.metadataAgent, 'GetArtistBiography', { name: command }, { plugin })).biography as string;
  const report = (plugin: string, text: string) => reports.waitFor((r) => r.path === `/report/${plugin}` && r.body.toString() === text);

  let connections = 0;
  /** Connects plugin `ws` as `id` and returns the server's side of it. */
  async function open(id: string, at = '/feed') {
    expect(await call('ws', `connect:${id}:${ws.url(at)}`)).toBe(`connection_id=${id};error=`);
    return ws.connection(++connections);
  }

  it('connects with the plugin\'s headers; text frames go both ways, each delivered to OnTextMessage', async () => {
    const server = await open('text', '/feed?token=abc');
    expect(server.path).toBe('/feed?token=abc');
    expect(server.headers['x-fixture']).toBe('websocket');
    expect(await call('ws', 'text:text:hello from the plugin')).toBe('error=');
    expect((await server.frame(1)).data.toString()).toBe('hello from the plugin');
    server.socket.send('ping');
    expect((await server.frame(2)).data.toString()).toBe('echo:ping');
  });

  it('binary frames go both ways, to OnBinaryMessage', async () => {
    const server = await open('binary');
    expect(await call('ws', 'binary:binary:abc')).toBe('error=');
    expect(await server.frame(1)).toEqual({ data: Buffer.from('abc'), binary: true });
    server.socket.send(Buffer.from([1, 2, 3, 250]));
    expect(await server.frame(2)).toEqual({ data: Buffer.from([250, 3, 2, 1]), binary: true });
  });

  it('frames are delivered one at a time per connection, in order', async () => {
    const server = await open('serial');
    for (let i = 0; i < 20; i++) server.socket.send(`m${i}`);
    await server.frame(20);
    expect(server.texts()).toEqual(Array.from({ length: 20 }, (_, i) => `echo:m${i}`));
  });

  it('a close by the server reaches OnClose with its code and reason; the connection is gone', async () => {
    const server = await open('server-close');
    server.socket.close(4000, 'bye now');
    await report('ws', 'close:server-close:4000:bye now');
    expect(await call('ws', 'text:server-close:late')).toBe('error=connection not found');
  });

  it("the plugin's own close reaches the server with its code, then OnClose (released Navidrome never delivered it)", async () => {
    const server = await open('plugin-close');
    expect(await call('ws', 'close:plugin-close:4001:done here')).toBe('error=');
    expect(await server.closed.promise).toEqual({ code: 4001, reason: 'done here' });
    await report('ws', 'close:plugin-close:4001:done here');
    expect(await call('ws', 'close:plugin-close:1000:again')).toBe('error=connection not found');
  });

  it('a connection that drops without a close frame reaches OnClose as 1006', async () => {
    const server = await open('dropped');
    server.socket.terminate();
    await report('ws', 'close:dropped:1006:');
  });

  it('a message over Plugins.HttpMaxBodyBytes ends the connection: OnError, then OnClose', async () => {
    const server = await open('too-big');
    server.socket.send(Buffer.alloc(64 * 1024 + 1));
    await report('ws', 'error:too-big:Max payload size exceeded (WS_ERR_UNSUPPORTED_MESSAGE_LENGTH)');
    await report('ws', 'close:too-big:1006:');
    expect((await server.closed.promise).code).toBe(1009);
    const errorAt = reports.requests.findIndex((r) => r.body.toString().startsWith('error:too-big'));
    const closeAt = reports.requests.findIndex((r) => r.body.toString().startsWith('close:too-big'));
    expect(errorAt).toBeLessThan(closeAt);
  });

  it('a URL no pattern allows is refused in `error`, and the server never sees it', async () => {
    const before = ws.connections.length;
    expect(await call('ws-narrow', `connect:n1:${ws.url('/other')}`)).toBe(
      `connection_id=;error=connection to ws://127.0.0.1:${ws.port}/other refused: not permitted: no pattern in permissions.websocket.allowedUrls matches it`,
    );
    expect(await call('ws', 'connect:n2:https://example.com/')).toMatch(/^connection_id=;error=connection to https:\/\/example\.com\/ refused: not permitted: unsupported URL scheme "https"/);
    expect(ws.connections.length).toBe(before);
  });

  it.each([
    ['an IP literal', '127.0.0.1', /refused: connection to 127\.0\.0\.1 refused: 127\.0\.0\.1 is a loopback address and local network access is off \(allow it with permissions\.websocket\.allowLocalNetwork/],
    ['a name that resolves to one, checked after DNS', 'localhost', /failed: connection to localhost \(127\.0\.0\.1|::1\) refused: .* is a loopback address and local network access is off/],
  ])('a local address without allowLocalNetwork is refused: %s', async (_, host, message) => {
    const before = ws.connections.length;
    const answer = await call('ws-no-local', `connect:local:ws://${host}:${ws.port}/feed`);
    expect(answer).toMatch(/^connection_id=;error=/);
    expect(answer).toMatch(message);
    expect(ws.connections.length).toBe(before);
  });

  it('a dial failure is an error in the response, not a trap', async () => {
    // A port that was free a moment ago: nothing listens there.
    const closedPort = await freePort();
    expect(await call('ws-any', `connect:down:ws://127.0.0.1:${closedPort}/`)).toBe(
      `connection_id=;error=connecting to ws://127.0.0.1:${closedPort}/ failed: connection to 127.0.0.1:${closedPort} refused (ECONNREFUSED)`,
    );
    // An HTTP server that does not switch protocols.
    expect(await call('ws-any', `connect:http:${reports.url('/not-a-socket').replace('http:', 'ws:')}`)).toBe(
      `connection_id=;error=connecting to ws://127.0.0.1:${reports.port}/not-a-socket failed: the server answered HTTP 200 instead of switching to WebSocket`,
    );
  });

  it('each plugin may have Plugins.MaxWebSockets connections; reusing an id replaces one', async () => {
    const first = ws.connections.length;
    for (let i = 0; i < 8; i++) expect(await call('ws-any', `connect:cap-${i}:${ws.url('/cap')}`)).toBe(`connection_id=cap-${i};error=`);
    expect(await call('ws-any', `connect:cap-8:${ws.url('/cap')}`)).toMatch(/^connection_id=;error=.* refused: plugin ws-any already has 8 open WebSocket connections, the most allowed$/);
    // The same id again: the old socket is closed (without OnClose) and the new one takes its place.
    expect(await call('ws-any', `connect:cap-0:${ws.url('/cap')}`)).toBe('connection_id=cap-0;error=');
    const replaced = await ws.connection(first + 1);
    expect(await replaced.closed.promise).toEqual({ code: 1000, reason: 'replaced' });
    expect(s.sidecar.host.websockets.count('ws-any')).toBe(8);
    // Other plugins have their own count.
    expect(await call('ws', `connect:not-capped:${ws.url('/feed')}`)).toBe('connection_id=not-capped;error=');
    connections = ws.connections.length;
  });

  it('a refresh closes the plugin\'s connections, without callbacks into the version that goes', async () => {
    const server = await open('refreshed');
    await s.sidecar.plugins.reload('ws');
    expect(await server.closed.promise).toEqual({ code: 1001, reason: 'plugin unloaded' });
    expect(s.sidecar.host.websockets.count('ws')).toBe(0);
    // A later close reported by the new version shows the old connection's never was.
    const later = await open('after-refresh');
    later.socket.close(4002, 'later');
    await report('ws', 'close:after-refresh:4002:later');
    expect(reports.matching((r) => r.body.toString().startsWith('close:refreshed'))).toEqual([]);
  });

  // Last: it stops the sidecar.
  it('shutdown ends every connection', async () => {
    const server = await open('at-shutdown');
    const stopping = s;
    s = undefined as unknown as TestSidecar;
    await stopping.close();
    expect((await server.closed.promise).code).toBe(1006);
  });
});
