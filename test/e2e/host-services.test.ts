import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { status as grpcStatus } from '@grpc/grpc-js';
import { status, type Message } from '../helpers/api-clients';
import { CapturedLog } from '../helpers/capture-log';
import { pluginConfigSection, startConfiguredSidecar } from '../helpers/configured-sidecar';
import { HealthClient } from '../helpers/health-client';
import { REPO_ROOT } from '../helpers/paths';
import { localHttp, PluginsFolder } from '../helpers/plugins-folder';
import { RecordingHttpServer, type RecordedRequest } from '../helpers/recording-http-server';
import type { TestSidecar } from '../helpers/test-sidecar';

// Plugins calling host services through the real sidecar: config -> HTTP -> gRPC answer, and
// timers registered by plugins firing back into them. Every HTTP request goes to a node:http
// server on 127.0.0.1:0, and every wait is on a request that server records.

function biography(s: TestSidecar, plugin: string, name: string): Promise<Message> {
  return s.clients.call(s.clients.metadataAgent, 'GetArtistBiography', { name }, { plugin });
}

describe('bio-http: config -> HTTP -> biography', () => {
  const plugins = new PluginsFolder();
  let server: RecordingHttpServer;
  let s: TestSidecar;

  beforeAll(async () => {
    server = await RecordingHttpServer.start(({ path: at, query }) => {
      const artist = query.get('artist') ?? '';
      if (at !== '/biography') return { status: 404 };
      if (artist === 'Nobody') return { status: 404, body: 'no such artist' };
      if (artist === 'Broken') return { status: 500, body: 'oops' };
      return { body: `Biography of ${artist}`, headers: { 'content-type': 'text/plain; charset=utf-8' } };
    });
    const allowed = localHttp(server.url('/*'), ['GET']);
    plugins.copyWithHttp('bio-http', 'bio-http', allowed);
    plugins.copyWithHttp('bio-http', 'bio-unconfigured', allowed);
    plugins.copyWithHttp('bio-http', 'bio-offlist', allowed);
    plugins.copyWithHttp('bio-http', 'bio-get-not-listed', { ...allowed, allowedUrls: { [server.url('/*')]: ['POST'] } });
    plugins.copyWithHttp('bio-http', 'bio-no-local', { reason: 'test server', allowedUrls: { [server.url('/*')]: ['GET'] } });
    // Its manifest as shipped: only https://bio.example.com/* may be reached.
    plugins.copy('bio-http', 'bio-as-shipped');
    s = await startConfiguredSidecar(plugins.folder, {
      toml: [
        pluginConfigSection('bio-http', { base_url: server.url('/') }),
        pluginConfigSection('bio-offlist', { base_url: server.url('', 'localhost') }),
        pluginConfigSection('bio-get-not-listed', { base_url: server.url() }),
        pluginConfigSection('bio-no-local', { base_url: server.url() }),
        pluginConfigSection('bio-as-shipped', { base_url: server.url() }),
      ].join('\n'),
      args: ['--plugins-min-workers', '1'],
    });
  });
  afterAll(async () => {
    await s?.close();
    await server?.close();
    plugins.cleanup();
  });

  it('answers with the body the server sent for the URL-encoded artist, sending its accept header', async () => {
    await expect(biography(s, 'bio-http', 'Björk & Friends')).resolves.toEqual({ biography: 'Biography of Björk & Friends' });
    const [request] = server.matching((r) => r.query.get('artist') === 'Björk & Friends');
    expect(request).toMatchObject({ method: 'GET', path: '/biography' });
    expect(request.url).toBe('/biography?artist=Bj%C3%B6rk%20%26%20Friends');
    expect(request.headers.accept).toBe('text/plain');
  });

  it('is asked in order without x-plugin, like any MetadataAgent', async () => {
    // bio-as-shipped and bio-get-not-listed fail first (by id), are logged and skipped.
    await expect(s.clients.call(s.clients.metadataAgent, 'GetArtistBiography', { name: 'Nirvana' })).resolves.toEqual({ biography: 'Biography of Nirvana' });
  });

  it('a 404 from the server is plugin:not_found, so NOT_FOUND', async () => {
    await expect(biography(s, 'bio-http', 'Nobody')).rejects.toMatchObject(status(grpcStatus.NOT_FOUND));
  });

  it('another status is the plugin error naming it', async () => {
    await expect(biography(s, 'bio-http', 'Broken')).rejects.toMatchObject(status(grpcStatus.UNKNOWN, /bio-http: GET http:\/\/127\.0\.0\.1:\d+\/biography\?artist=Broken answered status 500/));
  });

  it('without base_url it fails naming the key, before any request', async () => {
    const before = server.requests.length;
    await expect(biography(s, 'bio-unconfigured', 'Nirvana')).rejects.toMatchObject(status(grpcStatus.UNKNOWN, /bio-unconfigured.*bio-http: base_url is not set/));
    expect(server.requests).toHaveLength(before);
  });

  const refusals: [string, string, RegExp][] = [
    ['a host no pattern matches', 'bio-offlist', /bio-http: GET http:\/\/localhost:\d+\/biography is not permitted: no pattern in permissions\.http\.allowedUrls matches it/],
    ['a method the pattern does not list', 'bio-get-not-listed', /bio-http: GET http:\/\/127\.0\.0\.1:\d+\/biography is not permitted: method GET is not listed for http:\/\/127\.0\.0\.1:\d+\/\* \(POST\)/],
    ['a local address without allowLocalNetwork', 'bio-no-local', /bio-http: GET http:\/\/127\.0\.0\.1:\d+\/biography: connection to 127\.0\.0\.1 refused: 127\.0\.0\.1 is a loopback address and local network access is off/],
    ['the shipped manifest, which allows only https://bio.example.com', 'bio-as-shipped', /bio-http: GET http:\/\/127\.0\.0\.1:\d+\/biography is not permitted: no pattern/],
  ];
  it.each(refusals)('a request the host refuses (%s) fails with the host permission error, and never reaches the server', async (_, plugin, message) => {
    const before = server.requests.length;
    await expect(biography(s, plugin, 'Nirvana')).rejects.toMatchObject(status(grpcStatus.UNKNOWN, message));
    expect(server.requests).toHaveLength(before);
  });

  it('other MetadataAgent rpcs are not implemented', async () => {
    await expect(s.clients.call(s.clients.metadataAgent, 'GetArtistMBID', { name: 'Nirvana' }, { plugin: 'bio-http' })).rejects.toMatchObject(status(grpcStatus.UNIMPLEMENTED));
  });
});


describe('timer-report: OnInit registers a timer that reports over HTTP', () => {
  let server: RecordingHttpServer;
  let plugins: PluginsFolder;
  let s: TestSidecar | undefined;

  beforeEach(async () => {
    server = await RecordingHttpServer.start();
    plugins = new PluginsFolder();
    plugins.copyWithHttp('timer-report', 'timer-report', localHttp(server.url('/*'), ['POST']));
  });
  afterEach(async () => {
    await s?.close();
    s = undefined;
    await server.close();
    plugins.cleanup();
  });

  it('reads its config in OnInit, registers timer "report", and POSTs the payload when it fires', async () => {
    s = await startConfiguredSidecar(plugins.folder, {
      toml: pluginConfigSection('timer-report', { report_url: server.url('/report'), delay_seconds: '1', payload: 'hello from init' }),
      args: ['--plugins-min-workers', '1'],
    });
    expect(s.sidecar.plugins.list()).toEqual([expect.objectContaining({ id: 'timer-report', state: 'ready' })]);
    expect(s.sidecar.timers.count('timer-report')).toBe(1);

    const report = await server.waitFor((r) => r.path === '/report');
    expect(report.method).toBe('POST');
    expect(report.headers['content-type']).toBe('application/json');
    expect(JSON.parse(report.body.toString())).toEqual({ timer_id: 'report', payload: 'hello from init' });
    expect(s.sidecar.timers.count('timer-report')).toBe(0);
  });

  it('without report_url OnInit fails: the plugin is failed, NOT_SERVING and not routed to', async () => {
    s = await startConfiguredSidecar(plugins.folder, { args: ['--plugins-min-workers', '1'] });
    const [plugin] = s.sidecar.plugins.list();
    expect(plugin).toMatchObject({ id: 'timer-report', state: 'failed' });
    expect(plugin.error?.message).toMatch(/OnInit failed: timer-report: report_url is not set/);
    expect(s.sidecar.timers.count('timer-report')).toBe(0);

    const health = new HealthClient(s.address);
    try {
      await expect(health.check('ndphost.plugin.timer-report')).resolves.toBe('NOT_SERVING');
    } finally {
      health.close();
    }
    const callback = s.clients.call(s.clients.timerCallback, 'OnTimerCallback', { timer_id: 'report', payload: Buffer.from('x') }, { plugin: 'timer-report' });
    await expect(callback).rejects.toMatchObject(status(grpcStatus.NOT_FOUND));
    expect(server.requests).toHaveLength(0);
  });
});

describe('timers registered by a plugin fire into that plugin; every HttpService rpc', () => {
  const plugins = new PluginsFolder().copy('timer-fixture', 'timers-a').copy('timer-fixture', 'timers-b');
  let server: RecordingHttpServer;
  let s: TestSidecar;
  let barriers = 0;

  beforeAll(async () => {
    server = await RecordingHttpServer.start(({ path: at, method, body }) =>
      at === '/echo' ? { headers: { 'x-method': method }, body: `${method} got "${body.toString()}"` } : {},
    );
    s = await startConfiguredSidecar(plugins.folder, {
      toml: ['timers-a', 'timers-b'].map((id) => pluginConfigSection(id, { report_url: server.url(`/fired/${id}`) })).join('\n'),
      // The fixture has no permissions.http: the operator's flags let it reach the test server.
      args: ['--plugins-default-http', 'allow', '--plugins-allow-local-network', '--plugins-min-workers', '1'],
    });
  });
  afterAll(async () => {
    await s?.close();
    await server?.close();
    plugins.cleanup();
  });

  const call = async (plugin: string, command: string): Promise<string> => (await biography(s, plugin, command)).biography as string;
  const isFiring = (plugin: string, timerId?: string) => (r: RecordedRequest) => r.path === `/fired/${plugin}` && (timerId === undefined || r.headers['x-timer-id'] === timerId);
  const firings = (plugin: string, timerId: string) => server.matching(isFiring(plugin, timerId)).map((r) => r.body.toString());

  /**
   * Registers a timer `delay` seconds out and waits for it to fire. Timers due earlier fire
   * first, so once it has, any timer registered before it with the same or a shorter delay
   * that was going to fire already has.
   */
  async function barrier(plugin: string, delay: number): Promise<void> {
    const id = `barrier-${++barriers}`;
    expect(await call(plugin, `register:${id}:${delay}`)).toBe(`timer_id=${id};error=`);
    await server.waitFor(isFiring(plugin, id));
  }

  it('a timer fires once into OnTimerCallback with its id and payload', async () => {
    expect(await call('timers-a', 'register:t-fire:0:first payload')).toBe('timer_id=t-fire;error=');
    const fired = await server.waitFor(isFiring('timers-a', 't-fire'));
    expect(fired.body.toString()).toBe('first payload');
    await barrier('timers-a', 0);
    expect(firings('timers-a', 't-fire')).toEqual(['first payload']);
  });

  it('an empty timer id gets one from the host, and the callback receives it', async () => {
    const answer = await call('timers-a', 'register::0:anonymous');
    const [, timerId] = /^timer_id=([0-9a-f-]{36});error=$/.exec(answer) ?? [];
    expect(timerId).toBeDefined();
    expect((await server.waitFor(isFiring('timers-a', timerId))).body.toString()).toBe('anonymous');
  });

  it('a cancelled timer never fires', async () => {
    expect(await call('timers-a', 'register:t-cancel:1')).toBe('timer_id=t-cancel;error=');
    expect(s.sidecar.timers.count('timers-a')).toBe(1);
    expect(await call('timers-a', 'cancel:t-cancel')).toBe('success=true;error=');
    expect(s.sidecar.timers.count('timers-a')).toBe(0);
    await barrier('timers-a', 1);
    expect(firings('timers-a', 't-cancel')).toEqual([]);
    expect(await call('timers-a', 'cancel:t-cancel')).toBe('success=false;error=no timer t-cancel');
  });

  it('registering an id again replaces the timer: only the new payload fires', async () => {
    expect(await call('timers-a', 'register:t-replace:1:old')).toBe('timer_id=t-replace;error=');
    expect(await call('timers-a', 'register:t-replace:0:new')).toBe('timer_id=t-replace;error=');
    await server.waitFor(isFiring('timers-a', 't-replace'));
    await barrier('timers-a', 1);
    expect(firings('timers-a', 't-replace')).toEqual(['new']);
  });

  it('timer ids are per plugin: the same id fires in both, and one cannot cancel the other', async () => {
    expect(await call('timers-a', 'register:shared:1:from a')).toBe('timer_id=shared;error=');
    expect(await call('timers-b', 'cancel:shared')).toBe('success=false;error=no timer shared');
    expect(await call('timers-b', 'register:shared:1:from b')).toBe('timer_id=shared;error=');
    expect([s.sidecar.timers.count('timers-a'), s.sidecar.timers.count('timers-b')]).toEqual([1, 1]);
    await Promise.all([server.waitFor(isFiring('timers-a', 'shared')), server.waitFor(isFiring('timers-b', 'shared'))]);
    expect(firings('timers-a', 'shared')).toEqual(['from a']);
    expect(firings('timers-b', 'shared')).toEqual(['from b']);
  });

  const verbs: [string, string][] = [
    ['GET', 'GET got ""'],
    ['POST', 'POST got "body of POST"'],
    ['PUT', 'PUT got "body of PUT"'],
    ['DELETE', 'DELETE got ""'],
    ['PATCH', 'PATCH got "body of PATCH"'],
    ['HEAD', ''],
    ['OPTIONS', 'OPTIONS got ""'],
  ];
  it.each(verbs)('%s reaches the server through its own env import, with response headers and body', async (method, body) => {
    const answer = await call('timers-a', `http:${method}:${server.url('/echo')}`);
    expect(answer).toBe(`status=200;x-method=${method};body=${body};error=`);
    expect(server.requests.at(-1)).toMatchObject({ method, path: '/echo' });
  });

  it('get_plugin_config answers with the calling plugin\'s own section', async () => {
    expect(await call('timers-a', 'config:report_url')).toBe(server.url('/fired/timers-a'));
    expect(await call('timers-b', 'config:report_url')).toBe(server.url('/fired/timers-b'));
    expect(await call('timers-b', 'config:missing')).toBe('(unset)');
  });
});

describe('timers persist across a restart', () => {
  const plugins = new PluginsFolder().copy('timer-fixture', 'timers-p');
  const dataFolder = mkdtempSync(path.join(os.tmpdir(), 'ndphost-data-'));
  let server: RecordingHttpServer;
  const running: TestSidecar[] = [];

  beforeAll(async () => {
    server = await RecordingHttpServer.start();
  });
  afterAll(async () => {
    await Promise.all(running.map((s) => s.close()));
    await server?.close();
    plugins.cleanup();
    rmSync(dataFolder, { recursive: true, force: true });
  });

  async function start(): Promise<TestSidecar> {
    const s = await startConfiguredSidecar(plugins.folder, {
      toml: pluginConfigSection('timers-p', { report_url: server.url('/fired/timers-p') }),
      args: ['--plugins-default-http', 'allow', '--plugins-allow-local-network', '--plugins-min-workers', '1'],
      dataFolder,
    });
    running.push(s);
    return s;
  }

  it('a timer registered before close fires once after the next start on the same data folder', async () => {
    const first = await start();
    expect((await biography(first, 'timers-p', 'register:kept:2:survives')).biography).toBe('timer_id=kept;error=');
    await first.close();
    running.splice(running.indexOf(first), 1);
    const stored = JSON.parse(readFileSync(path.join(dataFolder, 'timers.json'), 'utf8'));
    expect(JSON.stringify(stored)).toContain('kept');

    const second = await start();
    expect(second.sidecar.timers.count('timers-p')).toBe(1);
    const fired = await server.waitFor((r) => r.path === '/fired/timers-p' && r.headers['x-timer-id'] === 'kept');
    expect(fired.body.toString()).toBe('survives');
    // A later timer as a barrier: by the time it fires, a second firing of "kept" would have.
    expect((await biography(second, 'timers-p', 'register:after:0')).biography).toBe('timer_id=after;error=');
    await server.waitFor((r) => r.path === '/fired/timers-p' && r.headers['x-timer-id'] === 'after');
    expect(server.matching((r) => r.headers['x-timer-id'] === 'kept')).toHaveLength(1);
    expect(second.sidecar.timers.count('timers-p')).toBe(0);
  });
});

describe("a plugin's timers across refresh and remove (issue 8)", () => {
  let plugins: PluginsFolder;
  let s: TestSidecar | undefined;
  const NOT_WASM = Buffer.from('not a WebAssembly module');

  beforeEach(() => {
    plugins = new PluginsFolder().copy('timer-fixture', 'ticker');
  });
  afterEach(async () => {
    await s?.close();
    s = undefined;
    plugins.cleanup();
  });

  const register = async (id: string) => expect((await biography(s!, 'ticker', `register:${id}:3600`)).biography).toBe(`timer_id=${id};error=`);
  const refresh = (id: string) => s!.clients.call(s!.clients.admin, 'RefreshPlugin', { id });
  const wasmFile = () => path.join(plugins.folder, 'ticker', 'plugin.wasm');
  /** timer-fixture's files with another version in its manifest: a new build of the plugin. */
  const newBuild = (version: string) => {
    plugins.copy('timer-fixture', 'build');
    const manifest = JSON.parse(readFileSync(path.join(plugins.folder, 'build', 'manifest.json'), 'utf8')) as Record<string, unknown>;
    const files = { manifest: { ...manifest, version }, wasm: readFileSync(path.join(plugins.folder, 'build', 'plugin.wasm')) };
    rmSync(path.join(plugins.folder, 'build'), { recursive: true });
    return files;
  };

  it('a refresh that fails keeps them; one that loads releases them', async () => {
    s = await startConfiguredSidecar(plugins.folder);
    await register('t1');
    writeFileSync(wasmFile(), NOT_WASM);
    await expect(refresh('ticker')).rejects.toMatchObject(status(grpcStatus.FAILED_PRECONDITION, /the old version keeps serving/));
    expect(s.sidecar.timers.count('ticker')).toBe(1);

    plugins.write('ticker', newBuild('0.0.2'));
    await expect(refresh('ticker')).resolves.toMatchObject({ old_version: '0.0.1', new_version: '0.0.2' });
    expect(s.sidecar.timers.count('ticker')).toBe(0);
  });

  it("the timers a refreshed version's OnInit registers are kept", async () => {
    plugins.cleanup();
    plugins = new PluginsFolder();
    plugins.copyWithHttp('timer-report', 'timer-report', { reason: 'test', allowedUrls: { 'http://127.0.0.1:1/*': ['POST'] } });
    s = await startConfiguredSidecar(plugins.folder, { toml: pluginConfigSection('timer-report', { report_url: 'http://127.0.0.1:1/report', delay_seconds: '3600' }) });
    expect(s.sidecar.timers.count('timer-report')).toBe(1);
    await expect(refresh('timer-report')).resolves.toMatchObject({ plugin: { state: 'ready' } });
    expect(s.sidecar.timers.count('timer-report')).toBe(1);
  });

  it('AutoReload reading a half-written plugin.wasm keeps them; the finished new build releases them', async () => {
    const captured = new CapturedLog();
    s = await startConfiguredSidecar(plugins.folder, { args: ['--plugins-auto-reload'], log: captured.log });
    await register('t1');
    const next = newBuild('0.0.2');
    writeFileSync(wasmFile(), next.wasm.subarray(0, next.wasm.length >> 1));
    await captured.waitFor((line) => line.level === 50 && line.plugin === 'ticker');
    expect(s.sidecar.timers.count('ticker')).toBe(1);

    plugins.write('ticker', next);
    await captured.waitFor((line) => line.msg === 'plugin reloaded' && line.plugin === 'ticker' && line.version === '0.0.2');
    expect(s.sidecar.timers.count('ticker')).toBe(0);
  });

  it('a plugin removed while the sidecar runs takes its timers with it, on disk too', async () => {
    const dataFolder = path.join(plugins.root, 'data');
    s = await startConfiguredSidecar(plugins.folder, { dataFolder });
    await register('t1');
    rmSync(path.join(plugins.folder, 'ticker'), { recursive: true });
    await s.clients.call(s.clients.admin, 'RescanAll', {});
    expect(s.sidecar.timers.count('ticker')).toBe(0);
    await s.close();
    s = undefined;
    expect(JSON.parse(readFileSync(path.join(dataFolder, 'timers.json'), 'utf8'))).toEqual({ version: 1, timers: [] });
  });
});

describe('built plugins import only the host functions they call', () => {
  // asc emits an import only for a declared function that is used, so the SDK's host wrappers
  // cost nothing to plugins that never call the host.
  const cases: [string, string, string[]][] = [
    ['plugins-examples', 'wikibio', []],
    ['plugins-examples', 'scrobble-check', []],
    ['test/fixtures/plugins', 'fixture', []],
    ['test/fixtures/plugins', 'fixture-two', []],
    ['plugins-examples', 'bio-http', ['get', 'get_plugin_config']],
    ['plugins-examples', 'timer-report', ['get_plugin_config', 'post', 'register_timer']],
  ];
  it.each(cases)('%s/%s', (root, id, hostFunctions) => {
    const module = new WebAssembly.Module(readFileSync(path.join(REPO_ROOT, root, id, 'plugin.wasm')));
    const imports = WebAssembly.Module.imports(module).map((entry) => `${entry.module}.${entry.name}`);
    expect(imports.sort()).toEqual(['env.abort', ...hostFunctions.map((name) => `env.${name}`)].sort());
  });
});
