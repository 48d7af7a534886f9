import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import jwt from 'jsonwebtoken';
import { CapturedLog, WARN } from '../helpers/capture-log';
import { startConfiguredSidecar } from '../helpers/configured-sidecar';
import { PluginsFolder } from '../helpers/plugins-folder';
import { RecordingHttpServer, type RecordedRequest } from '../helpers/recording-http-server';
import type { TestSidecar } from '../helpers/test-sidecar';

// The host services that reach the main server: artwork share URLs and the Subsonic API, through
// the real sidecar and real wasm plugins built with the SDK. A local node:http server plays the
// main server's Subsonic API, trusting the user named in its reverse-proxy header.

const SECRET = 'the main server signs share links with this';

const base64url = (json: unknown) => Buffer.from(JSON.stringify(json)).toString('base64url');

/** The token Navidrome makes for an artwork id (HS256, issuer ND, claim id, no expiry), computed independently. */
function navidromeToken(id: string): string {
  const unsigned = `${base64url({ alg: 'HS256', typ: 'JWT' })}.${base64url({ id, iss: 'ND' })}`;
  return `${unsigned}.${createHmac('sha256', SECRET).update(unsigned).digest('base64url')}`;
}

const biography = async (s: TestSidecar, plugin: string, name: string): Promise<string> =>
  (await s.clients.call(s.clients.metadataAgent, 'GetArtistBiography', { name }, { plugin })).biography as string;

describe('artwork host service', () => {
  const plugins = new PluginsFolder().copy('artwork-fixture', 'art');
  const running: TestSidecar[] = [];
  afterAll(async () => {
    await Promise.all(running.map((s) => s.close()));
    plugins.cleanup();
  });
  const start = async (args: string[], log?: CapturedLog) => {
    const s = await startConfiguredSidecar(plugins.folder, { args: ['--plugins-min-workers', '1', ...args], log: log?.log });
    running.push(s);
    return s;
  };

  it('builds the share URLs the main server builds: its BaseURL with base path, a signed non-expiring token, ?size when asked', async () => {
    const s = await start(['--navidrome-base-url', 'https://music.example.com/nd/', '--navidrome-jwt-secret', SECRET]);
    expect(await biography(s, 'art', 'artist:ar1:300')).toBe(`https://music.example.com/nd/share/img/${navidromeToken('ar-ar1_0')}?size=300`);
    expect(await biography(s, 'art', 'album:al-7:0')).toBe(`https://music.example.com/nd/share/img/${navidromeToken('al-al-7_0')}`);
    const url = await biography(s, 'art', 'track:mf9:64');
    expect(url).toBe(`https://music.example.com/nd/share/img/${navidromeToken('mf-mf9_0')}?size=64`);
    // A JWT library reads it as the main server would: HS256 under the secret, issuer ND, no expiry.
    const token = new URL(url).pathname.split('/').at(-1) as string;
    expect(jwt.verify(token, SECRET, { algorithms: ['HS256'], issuer: 'ND' })).toEqual({ id: 'mf-mf9_0', iss: 'ND' });
  });

  it("with ShareURL, uses its scheme and host and drops its path and the base path, as Navidrome does", async () => {
    const s = await start(['--navidrome-base-url', 'https://music.example.com/nd', '--navidrome-share-url', 'http://share.example.com:8080/ignored/path', '--navidrome-jwt-secret', SECRET]);
    expect(await biography(s, 'art', 'album:a:0')).toBe(`http://share.example.com:8080/share/img/${navidromeToken('al-a_0')}`);
  });

  it('without the secret or a public URL: an empty url, and one warning naming what to set', async () => {
    const log = new CapturedLog();
    const s = await start(['--navidrome-base-url', 'https://music.example.com'], log);
    expect(await biography(s, 'art', 'artist:a:0')).toBe('');
    expect(await biography(s, 'art', 'album:b:10')).toBe('');
    const warnings = log.lines.filter((line) => line.level === WARN && /artwork URL/.test(line.msg));
    expect(warnings).toHaveLength(1);
    expect(warnings[0].msg).toMatch(/set Navidrome\.JWTSecret so share URLs can be built/);
  });
});

describe('subsonicapi host service', () => {
  const plugins = new PluginsFolder().copy('subsonic-fixture', 'subsonic').copy('subsonicapi-demo');
  let server: RecordingHttpServer;
  let s: TestSidecar;
  const users: Record<string, { adminRole: boolean }> = { alice: { adminRole: false }, admin: { adminRole: true }, carol: { adminRole: false } };
  const respond = (body: unknown) => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify({ 'subsonic-response': body }) });

  beforeAll(async () => {
    server = await RecordingHttpServer.start(({ path: at, headers, query }) => {
      // The main server trusts the proxy header for the user, as Navidrome's ReverseProxyUserHeader.
      const user = users[String(headers['remote-user'])];
      if (!user) return respond({ status: 'failed', version: '1.16.1', error: { code: 40, message: 'Wrong username or password' } });
      const endpoint = at.replace(/^\/rest\//, '').replace(/\.view$/, '');
      if (endpoint === 'getUser') return respond({ status: 'ok', version: '1.16.1', user: { username: query.get('username'), ...user } });
      if (endpoint === 'getSong') return respond({ status: 'failed', version: '1.16.1', error: { code: 70, message: 'Song not found' } });
      return respond({ status: 'ok', version: '1.16.1', endpoint, type: query.get('type') ?? '' });
    });
    // Any user, for the unknown-user case.
    plugins.copy('subsonic-fixture', 'subsonic-any');
    const file = path.join(plugins.folder, 'subsonic-any', 'manifest.json');
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    plugins.write('subsonic-any', { manifest: { ...manifest, permissions: { subsonicapi: { reason: 'any user' } } } });
    s = await startConfiguredSidecar(plugins.folder, { args: ['--plugins-min-workers', '1', '--navidrome-subsonic-url', server.url('/rest/')] });
  });
  afterAll(async () => {
    await s?.close();
    await server?.close();
    plugins.cleanup();
  });

  const call = (plugin: string, url: string) => biography(s, plugin, `call:${url}`);
  const seen = (since: number): RecordedRequest[] => server.requests.slice(since);

  it('acts as an allowed user through the proxy header; c, f and v are the host\'s; only the endpoint is kept; the JSON comes back as is', async () => {
    const before = server.requests.length;
    const answer = await call('subsonic', '/some/prefix/rest/getAlbumList2.view?u=alice&type=random&c=spoofed&f=xml&v=1.0.0');
    expect(answer).toBe(`json=${JSON.stringify({ 'subsonic-response': { status: 'ok', version: '1.16.1', endpoint: 'getAlbumList2', type: 'random' } })};error=`);
    const [lookup, forwarded] = seen(before);
    // Not allowed admins: the user is looked up first, as that user.
    expect(lookup).toMatchObject({ path: '/rest/getUser', headers: { 'remote-user': 'alice' } });
    expect(lookup.query.get('username')).toBe('alice');
    expect(forwarded).toMatchObject({ method: 'GET', path: '/rest/getAlbumList2.view', headers: { 'remote-user': 'alice' } });
    expect(Object.fromEntries(forwarded.query)).toEqual({ u: 'alice', type: 'random', c: 'subsonic', f: 'json', v: '1.16.1' });
  });

  it('compares allowedUsernames without regard to case', async () => {
    users.ALICE = users.alice;
    expect(await call('subsonic', '/rest/ping?u=ALICE')).toMatch(/"status":"ok".*;error=$/);
  });

  it('a Subsonic "failed" answer is returned as is, with no host error', async () => {
    expect(await call('subsonic', '/rest/getSong?u=alice&id=nope')).toBe(
      `json=${JSON.stringify({ 'subsonic-response': { status: 'failed', version: '1.16.1', error: { code: 70, message: 'Song not found' } } })};error=`,
    );
  });

  it.each([
    ['a user not in allowedUsernames', 'subsonic', '/rest/ping?u=bob', 'username bob is not allowed', 0],
    ['no u', 'subsonic', '/rest/ping', "missing required parameter 'u' (username)", 0],
    ['an admin, allowAdmins being false', 'subsonic', '/rest/ping?u=admin', 'calling SubsonicAPI as admin user is not allowed', 1],
    ['a user the main server does not know', 'subsonic-any', '/rest/ping?u=mallory', 'username mallory not found', 1],
  ])('refuses %s, calling nothing past the user lookup', async (_, plugin, url, error, lookups) => {
    const before = server.requests.length;
    expect(await call(plugin, url)).toBe(`json=;error=${error}`);
    expect(seen(before).map((r) => r.path)).toEqual(Array(lookups).fill('/rest/getUser'));
  });

  it('subsonicapi-demo (a port of the released example): OnInit pings and reads the license as admin', async () => {
    expect(s.sidecar.plugins.list().find((entry) => entry.id === 'subsonicapi-demo')).toMatchObject({ state: 'ready' });
    const demo = server.requests.filter((r) => r.query.get('c') === 'subsonicapi-demo');
    expect(demo.map((r) => [r.path, r.headers['remote-user']])).toEqual([
      ['/rest/ping', 'admin'],
      ['/rest/getLicense', 'admin'],
    ]);
  });
});

describe('subsonicapi without Navidrome.SubsonicURL', () => {
  const plugins = new PluginsFolder().copy('subsonic-fixture', 'subsonic').copy('subsonicapi-demo');
  const log = new CapturedLog();
  let s: TestSidecar;
  beforeAll(async () => {
    s = await startConfiguredSidecar(plugins.folder, { args: ['--plugins-min-workers', '1'], log: log.log });
  });
  afterAll(async () => {
    await s?.close();
    plugins.cleanup();
  });

  it('answers with an error naming the key, and the demo plugin fails its OnInit with it', async () => {
    expect(await biography(s, 'subsonic', 'call:/rest/ping?u=alice')).toBe('json=;error=the subsonicapi host service is not configured (Navidrome.SubsonicURL is not set)');
    expect(s.sidecar.plugins.list().find((entry) => entry.id === 'subsonicapi-demo')?.error?.message).toMatch(/OnInit failed: subsonicapi-demo: \/rest\/ping\?u=admin: the subsonicapi host service is not configured/);
    expect(log.lines.filter((line) => line.level === WARN && /Subsonic API/.test(line.msg))).toHaveLength(1);
  });
});
