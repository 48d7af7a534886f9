import { cpSync, lstatSync, mkdirSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { linkDevPlugin } from '../../../src/plugins';
import { snapshotFolder } from '../../helpers/folder-snapshot';
import { EXAMPLE_PLUGINS } from '../../helpers/paths';
import { PluginsFolder } from '../../helpers/plugins-folder';

describe('linkDevPlugin', () => {
  let plugins: PluginsFolder;
  let dev: string;

  beforeEach(() => {
    plugins = new PluginsFolder().copy('scrobble-check');
    // A development folder: the plugin files plus sources that are not part of the plugin.
    dev = path.join(plugins.root, 'work', 'my-bio');
    mkdirSync(path.join(dev, 'assembly'), { recursive: true });
    for (const file of ['manifest.json', 'plugin.wasm']) cpSync(path.join(EXAMPLE_PLUGINS, 'wikibio', file), path.join(dev, file));
    writeFileSync(path.join(dev, 'assembly', 'index.ts'), '// sources');
  });
  afterEach(() => plugins.cleanup());

  it('links a valid development folder under its folder name', async () => {
    const result = await linkDevPlugin(plugins.folder, dev);
    const link = path.join(plugins.folder, 'my-bio');
    expect(result).toMatchObject({ id: 'my-bio', link, target: dev, manifest: { name: 'Wiki Bio' } });
    expect(result.replaced).toBeUndefined();
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(dev);
    expect(statSync(plugins.folder).mode & 0o777).toBe(0o700);
  });

  it('makes a relative folder absolute, so the link works from anywhere', async () => {
    const relative = path.relative(process.cwd(), dev);
    const result = await linkDevPlugin(plugins.folder, relative, { id: 'bio' });
    expect(readlinkSync(path.join(plugins.folder, 'bio'))).toBe(dev);
    expect(result.target).toBe(dev);
  });

  it('refuses an existing entry without replace, leaving it as it was', async () => {
    const before = snapshotFolder(plugins.root);
    await expect(linkDevPlugin(plugins.folder, dev, { id: 'scrobble-check' })).rejects.toMatchObject({
      kind: 'failed_precondition',
      path: path.join(plugins.folder, 'scrobble-check'),
      message: expect.stringMatching(/already has an entry named scrobble-check/),
    });
    expect(snapshotFolder(plugins.root)).toEqual(before);
  });

  it('replaces an installed folder when told to', async () => {
    const result = await linkDevPlugin(plugins.folder, dev, { id: 'scrobble-check', replace: true });
    expect(result.replaced).toBe('folder');
    expect(readlinkSync(path.join(plugins.folder, 'scrobble-check'))).toBe(dev);
    expect(snapshotFolder(plugins.folder).filter((line) => line.includes('.ndp-'))).toEqual([]);
  });

  it('replaces an older link without touching the folder it pointed to', async () => {
    const older = path.join(plugins.root, 'work', 'older');
    mkdirSync(older);
    writeFileSync(path.join(older, 'keep'), 'me');
    symlinkSync(older, path.join(plugins.folder, 'my-bio'));
    const olderBefore = snapshotFolder(older);

    const result = await linkDevPlugin(plugins.folder, dev, { replace: true });

    expect(result.replaced).toBe('link');
    expect(readlinkSync(path.join(plugins.folder, 'my-bio'))).toBe(dev);
    expect(snapshotFolder(older)).toEqual(olderBefore);
  });

  describe('refuses a folder that would not load, and changes nothing', () => {
    const cases: [string, () => void, string, RegExp][] = [
      ['an empty manifest.json', () => writeFileSync(path.join(dev, 'manifest.json'), ''), 'bad_manifest', /not valid JSON/],
      ['a manifest.json that is a link to a folder', () => {
        rmSync(path.join(dev, 'manifest.json'));
        symlinkSync(path.join(dev, 'assembly'), path.join(dev, 'manifest.json'));
      }, 'bad_package', /manifest\.json is not a regular file/],
      ['a broken plugin.wasm', () => writeFileSync(path.join(dev, 'plugin.wasm'), 'nope'), 'bad_module', /does not compile/],
      ['a plugin.wasm that is a folder', () => {
        const wasm = path.join(dev, 'plugin.wasm');
        rmSync(wasm);
        mkdirSync(wasm);
      }, 'bad_package', /plugin\.wasm is not a regular file/],
    ];
    it.each(cases)('%s', async (_title, spoil, kind, message) => {
      spoil();
      const before = snapshotFolder(plugins.root);
      await expect(linkDevPlugin(plugins.folder, dev)).rejects.toMatchObject({ kind, message: expect.stringMatching(message) });
      expect(snapshotFolder(plugins.root)).toEqual(before);
    });
  });

  it('refuses a missing plugin.wasm as the loader would', async () => {
    rmSync(path.join(dev, 'plugin.wasm'));
    await expect(linkDevPlugin(plugins.folder, dev)).rejects.toMatchObject({ kind: 'bad_module', message: 'plugin my-bio: plugin.wasm is missing' });
  });

  it('refuses a development folder inside the plugins folder, which replace would delete', async () => {
    await expect(linkDevPlugin(plugins.folder, path.join(plugins.folder, 'scrobble-check'), { replace: true })).rejects.toMatchObject({
      kind: 'invalid_argument',
      message: expect.stringMatching(/is inside the plugins folder/),
    });
    expect(lstatSync(path.join(plugins.folder, 'scrobble-check')).isDirectory()).toBe(true);
  });
});
