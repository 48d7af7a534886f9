import { status as grpcStatus } from '@grpc/grpc-js';
import { ArtistBiographyRequest } from '../../generated/ts/api';
import { manifestFor, PluginsFolder } from '../helpers/plugins-folder';
import { SERVED_SERVICES } from '../../src/server/served-services';
import { status } from '../helpers/api-clients';
import { rawUnaryCall } from '../helpers/raw-grpc';
import { startTestSidecar, type TestSidecar } from '../helpers/test-sidecar';
import { watFixture } from '../helpers/wat';

const track = { name: 'Smells Like Teen Spirit', artists: [{ name: 'Nirvana', mbid: '' }], length: 301 };

describe('a sidecar serving the example and fixture plugins', () => {
  const plugins = new PluginsFolder().copy('fixture').copy('fixture-two').copy('wikibio').copy('scrobble-check');
  let s: TestSidecar;

  beforeAll(async () => {
    s = await startTestSidecar(plugins.folder, ['--plugins-order', 'wikibio,fixture-two']);
  });
  afterAll(async () => {
    await s.close();
    plugins.cleanup();
  });

  const metadata = (method: string, request: object, options = {}) => s.clients.call(s.clients.metadataAgent, method, request, options);
  const scrobbler = (method: string, request: object, options = {}) => s.clients.call(s.clients.scrobbler, method, request, options);

  describe('every rpc reaches a plugin', () => {
    const cases: [string, object, object][] = [
      ['GetArtistMBID', { name: 'Alice' }, { mbid: 'mbid-Alice' }],
      ['GetArtistURL', { name: 'Alice' }, { url: 'https://fixture.invalid/artist/Alice' }],
      ['GetArtistBiography', { name: 'Alice' }, { biography: 'fixture:Alice:calls=1' }],
      ['GetSimilarArtists', { name: 'Alice', limit: 2 }, { artists: [{ name: 'Alice-similar-1', mbid: '' }, { name: 'Alice-similar-2', mbid: '' }] }],
      ['GetArtistImages', { name: 'Alice' }, { images: [{ url: 'https://fixture.invalid/artist/Alice.jpg', size: 300 }] }],
      ['GetArtistTopSongs', { artistName: 'Alice', count: 1 }, { songs: [{ name: 'Alice song 1', mbid: '' }] }],
      ['GetAlbumInfo', { name: 'Ok', artist: 'Alice' }, { info: { name: 'Ok', mbid: 'album-mbid-Ok', description: 'fixture album Ok by Alice', url: 'https://fixture.invalid/album/Ok' } }],
      ['GetAlbumImages', { name: 'Ok' }, { images: [{ url: 'https://fixture.invalid/album/Ok.jpg', size: 500 }] }],
    ];
    it.each(cases)('MetadataAgent.%s', async (method, request, expected) => {
      await expect(metadata(method, request, { plugin: 'fixture' })).resolves.toEqual(expected);
    });

    it('Scrobbler.IsAuthorized, NowPlaying and Scrobble', async () => {
      await expect(scrobbler('IsAuthorized', { user_id: 'u1', username: 'ann' }, { plugin: 'fixture' })).resolves.toEqual({ authorized: true, error: '' });
      await expect(scrobbler('IsAuthorized', { user_id: 'deny' }, { plugin: 'fixture' })).resolves.toEqual({ authorized: false, error: '' });
      await expect(scrobbler('NowPlaying', { username: 'errfield', track }, { plugin: 'fixture' })).resolves.toEqual({ error: 'rejected by fixture' });
      await expect(scrobbler('Scrobble', { username: 'ann', track, timestamp: 1_700_000_000 }, { plugin: 'fixture' })).resolves.toEqual({ error: '' });
    });

    it('TimerCallback.OnTimerCallback', async () => {
      const call = (timer_id: string) => s.clients.call(s.clients.timerCallback, 'OnTimerCallback', { timer_id, payload: Buffer.from('x') }, { plugin: 'fixture' });
      await expect(call('t1')).resolves.toEqual({ error: '' });
      await expect(call('fail')).resolves.toEqual({ error: 'timer failed' });
    });
  });

  it('a fresh instance sees counter 1 on every call', async () => {
    for (let i = 0; i < 5; i++) {
      await expect(metadata('GetArtistBiography', { name: 'Bob' }, { plugin: 'fixture' })).resolves.toEqual({ biography: 'fixture:Bob:calls=1' });
    }
    const concurrent = await Promise.all(Array.from({ length: 20 }, () => metadata('GetArtistBiography', { name: 'Bob' }, { plugin: 'fixture' })));
    expect(new Set(concurrent.map((response) => response.biography))).toEqual(new Set(['fixture:Bob:calls=1']));
  });

  describe('MetadataAgent asks plugins in order and returns the first real answer', () => {
    it('the first plugin in Plugins.Order answers when it can', async () => {
      const { biography } = await metadata('GetArtistBiography', { name: 'Nirvana' });
      expect(biography).toContain('Nirvana');
      expect(biography).not.toMatch(/^(two|fixture):/);
    });

    it('a plugin:not_found passes the call to the next plugin', async () => {
      await expect(metadata('GetArtistBiography', { name: 'Alice' })).resolves.toEqual({ biography: 'two:Alice' });
    });

    it('not_implemented is skipped too', async () => {
      // wikibio: not found; fixture-two: not_implemented for GetArtistMBID; fixture answers.
      await expect(metadata('GetArtistMBID', { name: 'Carol' })).resolves.toEqual({ mbid: 'mbid-Carol' });
      // wikibio and fixture-two: not found for "nobody"; fixture answers.
      await expect(metadata('GetArtistBiography', { name: 'nobody' })).resolves.toEqual({ biography: 'fixture:nobody:calls=1' });
    });

    it('NOT_FOUND when no plugin answers', async () => {
      await expect(metadata('GetArtistMBID', { name: 'notfound' })).rejects.toMatchObject(status(grpcStatus.NOT_FOUND, 'no MetadataAgent plugin answered GetArtistMBID'));
      await expect(metadata('GetArtistURL', { name: 'notimpl' })).rejects.toMatchObject(status(grpcStatus.NOT_FOUND));
    });
  });

  describe('x-plugin sends the call to that plugin only', () => {
    it('answers from the named plugin even when another comes first', async () => {
      await expect(metadata('GetArtistBiography', { name: 'Nirvana' }, { plugin: 'fixture-two' })).resolves.toEqual({ biography: 'two:Nirvana' });
    });

    it('an empty answer from the named plugin is returned as is', async () => {
      await expect(metadata('GetArtistBiography', { name: 'empty' }, { plugin: 'fixture' })).resolves.toEqual({ biography: '' });
    });

    it('an unknown id is NOT_FOUND', async () => {
      await expect(metadata('GetArtistBiography', { name: 'x' }, { plugin: 'no-such-plugin' })).rejects.toMatchObject(status(grpcStatus.NOT_FOUND, 'no-such-plugin'));
    });

    // Each was NOT_FOUND or, for a value HTTP/2 keeps, a lookup of a name that can never be a plugin.
    it.each([
      ['empty', ''],
      ['inner space', 'fixture two'],
      ['a path', '../fixture'],
      ['hidden', '.fixture'],
      ['too long', 'f'.repeat(30_000)],
    ])('a malformed value (%s) is INVALID_ARGUMENT naming the header, on every service', async (_case, value) => {
      const expected = status(grpcStatus.INVALID_ARGUMENT, /^x-plugin metadata: plugin id ".{0,66}"(\.\.\. \(\d+ characters\))? (is empty|may only|must not|is longer)/);
      await expect(metadata('GetArtistBiography', { name: 'Nirvana' }, { plugin: value })).rejects.toMatchObject(expected);
      await expect(scrobbler('NowPlaying', { username: 'ann', track }, { plugin: value })).rejects.toMatchObject(expected);
      await expect(s.clients.call(s.clients.timerCallback, 'OnTimerCallback', { timer_id: 't' }, { plugin: value })).rejects.toMatchObject(expected);
    });

    it('x-plugin sent twice (a proxy adding its own) is INVALID_ARGUMENT naming both, not routed by the first', async () => {
      const request = ArtistBiographyRequest.encode({ id: '', name: 'Nirvana', mbid: '' }).finish();
      // Two header fields of the one name, as HTTP/2 carries repeated metadata; Node joins them with ", ".
      expect(await rawUnaryCall(s.address, '/api.MetadataAgent/GetArtistBiography', request, { 'x-plugin': ['fixture', 'fixture-two'] })).toEqual({
        code: grpcStatus.INVALID_ARGUMENT,
        details: 'x-plugin metadata: plugin id "fixture, fixture-two" may only hold letters, digits, ".", "_" and "-"',
      });
    });

    it('a value that is only whitespace never reaches the server: HTTP/2 drops the field, so the call is a fan-out', async () => {
      // RFC 9113 section 8.2.1: a field value may not start or end with whitespace; nghttp2 (Node 20)
      // ignores such a field before grpc-js sees it, and Node 20 has no option to keep it. So
      // " " cannot be told from no header; README.md says so. Pinned here so a Node that keeps
      // the field (and our check then refuses it) is noticed.
      await expect(metadata('GetArtistBiography', { name: 'Nirvana' }, { plugin: ' ' })).resolves.toMatchObject({ biography: expect.stringContaining('Nirvana') });
    });

    it('a plugin that does not serve the service is UNIMPLEMENTED', async () => {
      await expect(metadata('GetArtistBiography', { name: 'x' }, { plugin: 'scrobble-check' })).rejects.toMatchObject(status(grpcStatus.UNIMPLEMENTED, 'scrobble-check does not serve MetadataAgent'));
    });
  });

  describe('errors map to status codes once, at the edge', () => {
    const cases: [string, number, string | RegExp][] = [
      ['notfound', grpcStatus.NOT_FOUND, 'fixture'],
      ['notimpl', grpcStatus.UNIMPLEMENTED, 'metadata_agent_get_artist_biography'],
      ['boom', grpcStatus.UNKNOWN, 'plugin fixture: boom: something broke'],
      ['abort', grpcStatus.INTERNAL, /plugin fixture: export metadata_agent_get_artist_biography failed: abort: fixture abort at .*index\.ts:\d+:\d+/],
      ['unreachable', grpcStatus.INTERNAL, /plugin fixture: export metadata_agent_get_artist_biography failed: unreachable/],
      ['badptr', grpcStatus.INTERNAL, /plugin fixture: export metadata_agent_get_artist_biography returned ptr=4294901760 len=16, outside/],
    ];
    it.each(cases)('%s -> status %i', async (name, code, details) => {
      await expect(metadata('GetArtistBiography', { name }, { plugin: 'fixture' })).rejects.toMatchObject(status(code, details));
    });

    it('a plugin that runs past the deadline is DEADLINE_EXCEEDED and the pool recovers', async () => {
      await expect(metadata('GetArtistBiography', { name: 'loop' }, { plugin: 'fixture', timeoutMs: 300 })).rejects.toMatchObject({ code: grpcStatus.DEADLINE_EXCEEDED });
      await expect(metadata('GetArtistBiography', { name: 'after' }, { plugin: 'fixture' })).resolves.toEqual({ biography: 'fixture:after:calls=1' });
    });

    it('TimerCallback without x-plugin is INVALID_ARGUMENT', async () => {
      await expect(s.clients.call(s.clients.timerCallback, 'OnTimerCallback', { timer_id: 't' })).rejects.toMatchObject(status(grpcStatus.INVALID_ARGUMENT, 'x-plugin'));
    });

    // grpc-js alone answers such bytes with INTERNAL "Error deserializing request", as if the server had failed.
    const paths = (['MetadataAgent', 'Scrobbler', 'TimerCallback', 'SchedulerCallback'] as const).flatMap((service) => Object.values(SERVED_SERVICES[service].definition).map((method) => method.path));
    it.each(paths.map((path) => [path, path.slice(path.lastIndexOf('/') + 1)]))('%s: bytes that are not a valid request are INVALID_ARGUMENT naming the rpc and the fault', async (path, rpc) => {
      for (const [bytes, fault] of [
        [[0x0a, 0xff], 'premature EOF'],
        [[0x07], 'cant skip wire type 7'],
        // Field 1, a string in every one of these requests, holding "B\xf6r": Latin-1, not UTF-8.
        [[0x0a, 0x03, 0x42, 0xf6, 0x72], 'a string field holds 3 bytes that are not UTF-8'],
      ] as const) {
        const answer = await rawUnaryCall(s.address, path, Buffer.from(bytes), { 'x-plugin': 'fixture' });
        expect(answer).toEqual({ code: grpcStatus.INVALID_ARGUMENT, details: `the request (${bytes.length} bytes) is not a valid ${rpc} request: ${fault}` });
      }
      await expect(metadata('GetArtistBiography', { name: 'after' }, { plugin: 'fixture' })).resolves.toEqual({ biography: 'fixture:after:calls=1' });
    });
  });

  describe('Scrobbler fans out to every scrobbler plugin', () => {
    it('NowPlaying is OK with an empty error when all succeed', async () => {
      await expect(scrobbler('NowPlaying', { user_id: 'u', username: 'ann', track })).resolves.toEqual({ error: '' });
    });

    it('the error field names each failing plugin and its message', async () => {
      const { error } = await scrobbler('Scrobble', { user_id: 'u', username: 'fail', track, timestamp: 0 });
      expect(error).toContain('plugin fixture: scrobble failed for fail');
      expect(error).toContain('plugin scrobble-check:');
      expect(error).not.toContain('fixture-two');
      const second = await scrobbler('NowPlaying', { user_id: 'u', username: 'fail2', track });
      expect(second.error).toBe('plugin fixture-two: two failed');
    });

    it('IsAuthorized is true only when every plugin says so', async () => {
      await expect(scrobbler('IsAuthorized', { user_id: 'u', username: 'ann' })).resolves.toEqual({ authorized: true, error: '' });
      const refused = await scrobbler('IsAuthorized', { user_id: 'deny', username: 'ann' });
      expect(refused).toMatchObject({ authorized: false, error: expect.stringContaining('plugin fixture') });
      const anonymous = await scrobbler('IsAuthorized', { user_id: 'u', username: 'anonymous' });
      expect(anonymous).toMatchObject({ authorized: false, error: expect.stringContaining('plugin scrobble-check') });
    });

    it('with x-plugin, the one plugin decides and its error is the status', async () => {
      await expect(scrobbler('IsAuthorized', { user_id: 'u', username: 'anonymous' }, { plugin: 'fixture' })).resolves.toEqual({ authorized: true, error: '' });
      await expect(scrobbler('Scrobble', { username: 'fail', track }, { plugin: 'fixture' })).rejects.toMatchObject(status(grpcStatus.UNKNOWN, 'scrobble failed for fail'));
    });
  });
});

describe('a module shaped like a Go-built plugin', () => {
  const plugins = new PluginsFolder();
  let s: TestSidecar;

  beforeAll(async () => {
    plugins.copy('wikibio');
    plugins.write('go-shaped', { manifest: manifestFor(['MetadataAgent', 'Scrobbler', 'TimerCallback']), wasm: await watFixture('go-shaped') });
    s = await startTestSidecar(plugins.folder);
  });
  afterAll(async () => {
    await s.close();
    plugins.cleanup();
  });

  it('loads with WASI imports and _initialize, and serves its rpcs', async () => {
    expect(s.sidecar.plugins.list().map(({ id, state }) => ({ id, state }))).toEqual([
      { id: 'go-shaped', state: 'ready' },
      { id: 'wikibio', state: 'ready' },
    ]);
    const echoed = await s.clients.call(s.clients.metadataAgent, 'GetArtistBiography', { id: 'artist-42', name: 'Go' });
    expect(echoed).toEqual({ biography: 'artist-42' });
    await expect(s.clients.call(s.clients.scrobbler, 'IsAuthorized', { user_id: 'u' })).resolves.toEqual({ authorized: true, error: '' });
    await expect(s.clients.call(s.clients.timerCallback, 'OnTimerCallback', { timer_id: 't' }, { plugin: 'go-shaped' })).resolves.toEqual({ error: '' });
  });

  it('an empty answer passes the call to the next plugin', async () => {
    // go-shaped comes first by id and answers GetArtistURL with an empty response.
    const { url } = await s.clients.call(s.clients.metadataAgent, 'GetArtistURL', { name: 'Nirvana' });
    expect(url).toMatch(/^https:\/\//);
  });

  it('reports errors through the error bit', async () => {
    await expect(s.clients.call(s.clients.metadataAgent, 'GetArtistMBID', { name: 'x' }, { plugin: 'go-shaped' })).rejects.toMatchObject({ code: grpcStatus.NOT_FOUND });
  });
});

describe('a command module shaped like a TinyGo plugin (go-plugin up to v0.8)', () => {
  const plugins = new PluginsFolder();
  let s: TestSidecar;

  beforeAll(async () => {
    plugins.write('tinygo', { manifest: manifestFor(['MetadataAgent']), wasm: await watFixture('tinygo-shaped') });
    s = await startTestSidecar(plugins.folder);
  });
  afterAll(async () => {
    await s.close();
    plugins.cleanup();
  });

  it('loads with _start as its start function and serves its rpcs', async () => {
    expect(s.sidecar.plugins.list().map(({ id, state }) => ({ id, state }))).toEqual([{ id: 'tinygo', state: 'ready' }]);
    await expect(s.clients.call(s.clients.metadataAgent, 'GetArtistBiography', { id: 'artist-7' })).resolves.toEqual({ biography: 'artist-7' });
  });

  it("a panic is INTERNAL, with the panic message TinyGo wrote to stdout", async () => {
    await expect(s.clients.call(s.clients.metadataAgent, 'GetArtistMBID', { name: 'x' }, { plugin: 'tinygo' })).rejects.toMatchObject(
      status(grpcStatus.INTERNAL, 'plugin tinygo: export metadata_agent_get_artist_mbid failed: unreachable (stdout: panic: runtime error: nil pointer dereference)'),
    );
  });
});
