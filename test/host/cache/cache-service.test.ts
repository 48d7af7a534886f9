import { CacheService } from '../../../src/host';

// The per-plugin cap (beyond released Navidrome, which had none): the entries that would expire
// first make room; a value larger than the whole cap is refused.

const text = (length: number) => 'x'.repeat(length);

describe('CacheService cap', () => {
  let cache: CacheService;
  afterEach(() => cache.close());

  it('keeps a plugin under its cap by evicting the entries that expire first', () => {
    cache = new CacheService({ maxBytesPerPlugin: 6000 });
    // Each entry: 2 * 1000 bytes of string plus key and overhead (about 2.1 kB); two fit, three do not.
    expect(cache.setString('p', { key: 'long', value: text(1000), ttlSeconds: '3600' })).toEqual({ success: true });
    expect(cache.setString('p', { key: 'short', value: text(1000), ttlSeconds: '60' })).toEqual({ success: true });
    expect(cache.setString('p', { key: 'new', value: text(1000), ttlSeconds: '600' })).toEqual({ success: true });
    expect(cache.has('p', 'short')).toBe(false);
    expect(cache.has('p', 'long')).toBe(true);
    expect(cache.has('p', 'new')).toBe(true);
    expect(cache.bytesUsed('p')).toBeLessThanOrEqual(6000);
  });

  it('refuses a value larger than the whole cap, and leaves the others alone', () => {
    cache = new CacheService({ maxBytesPerPlugin: 4096 });
    cache.setString('p', { key: 'kept', value: 'small', ttlSeconds: '60' });
    expect(cache.setBytes('p', { key: 'huge', value: Buffer.alloc(5000), ttlSeconds: '60' })).toEqual({ success: false });
    expect(cache.getString('p', 'kept')).toEqual({ exists: true, value: 'small' });
  });

  it("counts each plugin's bytes apart, and gives them back on remove, overwrite and release", async () => {
    cache = new CacheService({ maxBytesPerPlugin: 1 << 20 });
    cache.setString('a', { key: 'k', value: text(100), ttlSeconds: '60' });
    const one = cache.bytesUsed('a');
    cache.setString('a', { key: 'k', value: text(100), ttlSeconds: '60' });
    expect(cache.bytesUsed('a')).toBe(one);
    cache.setString('b', { key: 'k', value: text(100), ttlSeconds: '60' });
    expect(cache.bytesUsed('b')).toBe(one);
    cache.remove('a', 'k');
    expect(cache.bytesUsed('a')).toBe(0);
    await cache.hold('b')();
    expect(cache.bytesUsed('b')).toBe(0);
    expect(cache.has('b', 'k')).toBe(false);
  });

  it('a release takes exactly what was held: entries set afterwards (a new version\'s OnInit) stay', async () => {
    cache = new CacheService();
    cache.setString('p', { key: 'old', value: 'v1', ttlSeconds: '60' });
    cache.setString('p', { key: 'rewritten', value: 'v1', ttlSeconds: '60' });
    const release = cache.hold('p');
    cache.setString('p', { key: 'new', value: 'v2', ttlSeconds: '60' });
    cache.setString('p', { key: 'rewritten', value: 'v2', ttlSeconds: '60' });
    await release();
    expect([cache.has('p', 'old'), cache.getString('p', 'new'), cache.getString('p', 'rewritten')]).toEqual([false, { exists: true, value: 'v2' }, { exists: true, value: 'v2' }]);
  });
});
