import { status as grpcStatus } from '@grpc/grpc-js';
import { status } from '../helpers/api-clients';
import { CapturedLog, type LogLine } from '../helpers/capture-log';
import { pluginConfigSection, startConfiguredSidecar } from '../helpers/configured-sidecar';
import { PluginsFolder } from '../helpers/plugins-folder';
import { copyReleased } from '../helpers/released-plugin';
import type { TestSidecar } from '../helpers/test-sidecar';
import { TestWebSocketServer } from '../helpers/test-websocket-server';

// Ports of the plugins of released Navidrome (released-dialect.md, section 6) that run offline,
// each in the capabilities form and built with the SDK, through one real sidecar: what each did
// there, it does here (or better, where the issue says so). Their stderr is logged at debug, so
// the test waits on log lines for what they only log.

describe("released Navidrome's example and test plugins, ported", () => {
  const plugins = new PluginsFolder();
  const log = new CapturedLog();
  let feed: TestWebSocketServer;
  let gateway: TestWebSocketServer;
  let s: TestSidecar;

  beforeAll(async () => {
    [feed, gateway] = await Promise.all([TestWebSocketServer.start(), TestWebSocketServer.start()]);
    plugins.copy('fake-artist-agent').copy('fake-album-agent').copy('fake-scrobbler').copy('unauthorized-plugin').copy('multi-plugin');
    for (const id of ['fake-init-service', 'init-go-error', 'init-response-error']) plugins.copy('fake-init-service', id);
    copyReleased(plugins, 'crypto-ticker', 'crypto-ticker', { websocket: { reason: 'local feed', allowedUrls: [feed.url('/*')], allowLocalNetwork: true } });
    copyReleased(plugins, 'discord-rich-presence', 'discord', { websocket: { reason: 'local gateway', allowedUrls: [gateway.url('/*')], allowLocalNetwork: true } });
    s = await startConfiguredSidecar(plugins.folder, {
      toml: [
        // Written as the released plugins' users wrote them; they read the keys lower-cased.
        pluginConfigSection('init-go-error', { returnError: 'go_error' }),
        pluginConfigSection('init-response-error', { returnError: 'response_error' }),
        pluginConfigSection('crypto-ticker', { Tickers: 'BTC-USD,ETH-USD', FeedURL: feed.url('') }),
        pluginConfigSection('discord', { Users: 'alice:alice-token', GatewayURL: gateway.url('') }),
      ].join('\n'),
      args: ['--plugins-min-workers', '2', '--navidrome-base-url', 'https://music.example.com', '--navidrome-jwt-secret', 'secret'],
      log: log.log,
    });
  });
  afterAll(async () => {
    await s?.close();
    await Promise.all([feed?.close(), gateway?.close()]);
    plugins.cleanup();
  });

  const stderr = (plugin: string, text: string) => (line: LogLine) => line.msg === 'plugin output' && line.plugin === plugin && String(line.stderr).includes(text);
  const state = (id: string) => s.sidecar.plugins.list().find((entry) => entry.id === id);

  it('fake_artist_agent and fake_album_agent: each answers its half, the other half is not_implemented, so fan-out finds both', async () => {
    const { metadataAgent } = s.clients;
    await expect(s.clients.call(metadataAgent, 'GetArtistMBID', { name: 'Nirvana' })).resolves.toEqual({ mbid: '1234567890' });
    await expect(s.clients.call(metadataAgent, 'GetSimilarArtists', { name: 'Nirvana', limit: 2 })).resolves.toEqual({
      artists: [
        { name: 'Similar Artist 1', mbid: 'mbid1' },
        { name: 'Similar Artist 2', mbid: 'mbid2' },
      ],
    });
    await expect(s.clients.call(metadataAgent, 'GetAlbumInfo', { name: 'Nevermind', artist: 'Nirvana' })).resolves.toEqual({
      info: { name: 'Nevermind', mbid: 'album-mbid-123', description: 'This is a test album description', url: 'https://example.com/album' },
    });
    await expect(s.clients.call(metadataAgent, 'GetAlbumImages', { name: 'Nevermind' }, { plugin: 'fake-artist-agent' })).rejects.toMatchObject(status(grpcStatus.UNIMPLEMENTED));
  });

  it('fake_scrobbler: every user is authorized; NowPlaying and Scrobble succeed', async () => {
    const { scrobbler } = s.clients;
    await expect(s.clients.call(scrobbler, 'IsAuthorized', { user_id: '1', username: 'ann' }, { plugin: 'fake-scrobbler' })).resolves.toEqual({ authorized: true, error: '' });
    await expect(s.clients.call(scrobbler, 'Scrobble', { user_id: '1', username: '', track: { name: 'x' }, timestamp: 1 }, { plugin: 'fake-scrobbler' })).resolves.toEqual({ error: '' });
  });

  it('fake_init_service: OnInit reads its config lower-cased; a go error or a response error fails the plugin (as v0.58+)', () => {
    expect(state('fake-init-service')).toMatchObject({ state: 'ready' });
    expect(state('init-go-error')?.error?.message).toMatch(/plugin init-go-error: .*init failed with go error/);
    expect(state('init-response-error')?.error?.message).toBe('plugin init-response-error: OnInit failed: init failed with response error');
  });

  it('unauthorized_plugin: imports env.get with permissions {}; refused at load, naming the permission', () => {
    expect(state('unauthorized-plugin')).toMatchObject({ state: 'failed', error: { kind: 'bad_module' } });
    expect(state('unauthorized-plugin')?.error?.message).toBe('plugin unauthorized-plugin: imports env.get of the http host service, which needs permissions.http (with a "reason") in its manifest.json');
  });

  it('multi_plugin: OnInit schedules "@every 5s"; GetArtistURL schedules a 6 s one-time job "artist:<name>"', async () => {
    await expect(s.clients.call(s.clients.metadataAgent, 'GetArtistURL', { name: 'Nirvana' }, { plugin: 'multi-plugin' })).resolves.toEqual({ url: 'https://multi.example.com/artist/Nirvana' });
    await Promise.all([log.waitFor(stderr('multi-plugin', 'recurring=true')), log.waitFor(stderr('multi-plugin', 'fired artist:Nirvana recurring=false'))]);
  });

  it('crypto-ticker: subscribes in OnInit, logs each ticker, and reconnects when the feed closes (OnClose, then a schedule)', async () => {
    const first = await feed.connection(1);
    expect(JSON.parse((await first.frame(1)).data.toString())).toEqual({ type: 'subscribe', product_ids: ['BTC-USD', 'ETH-USD'], channels: ['ticker'] });
    first.socket.send('{"type":"ticker","product_id":"BTC-USD","price":"97000.01"}');
    await log.waitFor(stderr('crypto-ticker', '"price":"97000.01"'));
    first.socket.close(1001, 'maintenance');
    const second = await feed.connection(2);
    expect(JSON.parse((await second.frame(1)).data.toString())).toMatchObject({ type: 'subscribe' });
  });

  it('discord-rich-presence: NowPlaying identifies on the gateway and sends the activity with the cover; close-activity clears it when the track ends', async () => {
    const { scrobbler } = s.clients;
    await expect(s.clients.call(scrobbler, 'IsAuthorized', { user_id: '2', username: 'bob' }, { plugin: 'discord' })).resolves.toMatchObject({ authorized: false });
    const track = { id: 'mf-42', name: 'Joga', artists: [{ name: 'Björk' }], length: 1, position: 0 };
    await expect(s.clients.call(scrobbler, 'NowPlaying', { user_id: '1', username: 'alice', track, timestamp: 1 }, { plugin: 'discord' })).resolves.toEqual({ error: '' });
    const connection = await gateway.connection(1);
    expect(connection.path).toBe('/?v=10&encoding=json');
    expect(JSON.parse((await connection.frame(1)).data.toString())).toEqual({ op: 2, d: { token: 'alice-token', intents: 0 } });
    const activity = JSON.parse((await connection.frame(2)).data.toString()) as { op: number; d: { activities: { name: string; state: string; assets: { large_image: string } }[] } };
    expect(activity.op).toBe(3);
    expect(activity.d.activities[0]).toMatchObject({ name: 'Joga', state: 'Björk' });
    expect(activity.d.activities[0].assets.large_image).toMatch(/^https:\/\/music\.example\.com\/share\/img\/[\w-]+\.[\w-]+\.[\w-]+\?size=300$/);
    // The track is 1 s long: close-activity fires, clears the activity and closes the connection.
    expect(JSON.parse((await connection.frame(3)).data.toString())).toEqual({ op: 3, d: { activities: [] } });
    expect(await connection.closed.promise).toEqual({ code: 1000, reason: 'activity over' });
  });
});
