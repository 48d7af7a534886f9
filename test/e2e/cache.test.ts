import { status as grpcStatus } from '@grpc/grpc-js';
import { status } from '../helpers/api-clients';
import { startConfiguredSidecar } from '../helpers/configured-sidecar';
import { PluginsFolder, releasedManifestFor } from '../helpers/plugins-folder';
import type { TestSidecar } from '../helpers/test-sidecar';

// The cache host service through the real sidecar and a real wasm plugin built with the SDK
// (test/fixtures/plugins/cache-fixture), in the capabilities form of released Navidrome.

const HOUR = 60 * 60 * 1000;

/** Only Date is faked: the sidecar's timers, sockets and workers run for real. */
function controlClock(): void {
  jest.useFakeTimers({
    doNotFake: ['hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'],
    now: Date.now(),
  });
}

describe('cache host service', () => {
  const plugins = new PluginsFolder().copy('cache-fixture', 'cache-a').copy('cache-fixture', 'cache-b');
  plugins.copy('cache-fixture', 'no-cache').write('no-cache', { manifest: releasedManifestFor(['MetadataAgent']) });
  let s: TestSidecar;

  beforeAll(async () => {
    s = await startConfiguredSidecar(plugins.folder, { args: ['--plugins-min-workers', '1'] });
  });
  afterAll(async () => {
    await s?.close();
    plugins.cleanup();
  });
  afterEach(() => jest.useRealTimers());

  const call = async (plugin: string, command: string): Promise<string> =>
    (await s.clients.call(s.clients.metadataAgent, 'GetArtistBiography', { name: command }, { plugin })).biography as string;

  it.each([
    ['string', 'hello: world', 'hello: world'],
    ['int', '9223372036854775807', '9223372036854775807'],
    ['int', '-42', '-42'],
    ['float', '3.25', '3.25'],
    ['bytes', 'raw bytes', 'raw bytes'],
  ])('a %s value reads back as it was set (%s)', async (type, value, expected) => {
    expect(await call('cache-a', `set:${type}:k-${type}:60:${value}`)).toBe('success=true');
    expect(await call('cache-a', `get:${type}:k-${type}`)).toBe(`exists=true;value=${expected}`);
  });

  it('a value of another type reads as missing, but exists for has', async () => {
    expect(await call('cache-a', 'set:string:typed:60:text')).toBe('success=true');
    expect(await call('cache-a', 'get:int:typed')).toBe('exists=false;value=0');
    expect(await call('cache-a', 'get:bytes:typed')).toBe('exists=false;value=');
    expect(await call('cache-a', 'has:typed')).toBe('exists=true');
  });

  it('setting a key again replaces its value and type; remove always succeeds', async () => {
    expect(await call('cache-a', 'set:string:again:60:one')).toBe('success=true');
    expect(await call('cache-a', 'set:float:again:60:2.5')).toBe('success=true');
    expect(await call('cache-a', 'get:string:again')).toBe('exists=false;value=');
    expect(await call('cache-a', 'get:float:again')).toBe('exists=true;value=2.5');
    expect(await call('cache-a', 'remove:again')).toBe('success=true');
    expect(await call('cache-a', 'has:again')).toBe('exists=false');
    expect(await call('cache-a', 'remove:again')).toBe('success=true');
  });

  it('each plugin has its own namespace', async () => {
    expect(await call('cache-a', 'set:string:mine:60:from a')).toBe('success=true');
    expect(await call('cache-b', 'get:string:mine')).toBe('exists=false;value=');
    expect(await call('cache-b', 'set:string:mine:60:from b')).toBe('success=true');
    expect(await call('cache-a', 'get:string:mine')).toBe('exists=true;value=from a');
    expect(await call('cache-b', 'get:string:mine')).toBe('exists=true;value=from b');
  });

  it('an entry expires after its TTL; each read (or has) starts the TTL again', async () => {
    controlClock();
    expect(await call('cache-a', 'set:string:ttl:60:short')).toBe('success=true');
    jest.setSystemTime(Date.now() + 59_000);
    expect(await call('cache-a', 'get:string:ttl')).toBe('exists=true;value=short');
    jest.setSystemTime(Date.now() + 59_000);
    expect(await call('cache-a', 'has:ttl')).toBe('exists=true');
    jest.setSystemTime(Date.now() + 59_000);
    expect(await call('cache-a', 'get:string:ttl')).toBe('exists=true;value=short');
    jest.setSystemTime(Date.now() + 61_000);
    expect(await call('cache-a', 'get:string:ttl')).toBe('exists=false;value=');
  });

  it('a TTL of 0 or less keeps an entry 24 hours', async () => {
    controlClock();
    expect(await call('cache-a', 'set:int:day:0:1')).toBe('success=true');
    expect(await call('cache-a', 'set:int:day-negative:-5:1')).toBe('success=true');
    jest.setSystemTime(Date.now() + 24 * HOUR - 1000);
    expect(await call('cache-a', 'get:int:day')).toBe('exists=true;value=1');
    jest.setSystemTime(Date.now() + 24 * HOUR + 1000);
    expect(await call('cache-a', 'get:int:day')).toBe('exists=false;value=0');
    expect(await call('cache-a', 'get:int:day-negative')).toBe('exists=false;value=0');
  });

  it("a refresh drops the plugin's entries, and only its own", async () => {
    expect(await call('cache-a', 'set:string:kept:60:a')).toBe('success=true');
    expect(await call('cache-b', 'set:string:kept:60:b')).toBe('success=true');
    await s.sidecar.plugins.reload('cache-a');
    expect(await call('cache-a', 'get:string:kept')).toBe('exists=false;value=');
    expect(await call('cache-b', 'get:string:kept')).toBe('exists=true;value=b');
  });

  it('a plugin without permissions.cache that imports the cache is refused at load, naming the permission', async () => {
    const status_ = s.sidecar.plugins.list().find((entry) => entry.id === 'no-cache');
    expect(status_).toMatchObject({ state: 'failed', error: { kind: 'bad_module' } });
    expect(status_?.error?.message).toMatch(/^plugin no-cache: imports env\.\w+ of the cache host service, which needs permissions\.cache \(with a "reason"\) in its manifest\.json$/);
    await expect(call('no-cache', 'has:x')).rejects.toMatchObject(status(grpcStatus.NOT_FOUND));
  });
});
