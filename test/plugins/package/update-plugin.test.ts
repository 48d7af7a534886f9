import { mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { updatePlugin } from '../../../src/plugins';
import { snapshotFolder } from '../../helpers/folder-snapshot';
import { HOSTILE_PACKAGES } from '../../helpers/hostile-packages';
import { wikibioManifest, wikibioPackage } from '../../helpers/ndp-package';
import { PluginsFolder } from '../../helpers/plugins-folder';

describe('updatePlugin', () => {
  let plugins: PluginsFolder;
  let packages: string;

  beforeEach(() => {
    plugins = new PluginsFolder().copy('wikibio').copy('scrobble-check');
    packages = path.join(plugins.root, 'packages');
    mkdirSync(packages);
  });
  afterEach(() => plugins.cleanup());

  function writePackage(name: string, bytes: Buffer): string {
    const file = path.join(packages, name);
    writeFileSync(file, bytes);
    return file;
  }

  it('swaps in the new version and reports old and new versions', async () => {
    const file = writePackage('wikibio.ndp', await wikibioPackage(wikibioManifest({ version: '2.0.0' })));
    const result = await updatePlugin(plugins.folder, file);

    expect(result).toMatchObject({ id: 'wikibio', oldVersion: '1.0.0', newVersion: '2.0.0', manifest: { version: '2.0.0' } });
    expect(JSON.parse(readFileSync(path.join(result.folder, 'manifest.json'), 'utf8'))).toMatchObject({ version: '2.0.0' });
    expect(readdirSync(result.folder).sort()).toEqual(['LICENSE', 'README.md', 'manifest.json', 'plugin.wasm']);
    expect(statSync(result.folder).mode & 0o777).toBe(0o700);
    for (const name of readdirSync(result.folder)) expect(statSync(path.join(result.folder, name)).mode & 0o777).toBe(0o600);
    // No staging or set-aside folder survives the swap.
    expect(readdirSync(plugins.folder).sort()).toEqual(['scrobble-check', 'wikibio']);
  });

  it('reports no old version when the installed manifest was broken', async () => {
    plugins.write('wikibio', { manifest: '{ broken' });
    const result = await updatePlugin(plugins.folder, writePackage('wikibio.ndp', await wikibioPackage()));
    expect(result).toMatchObject({ oldVersion: undefined, newVersion: '1.0.0' });
  });

  describe('refuses a hostile or broken package and leaves the old version byte-identical', () => {
    it.each(HOSTILE_PACKAGES.map((row) => [row.title, row] as const))('%s', async (_title, row) => {
      const file = writePackage('wikibio.ndp', await row.build());
      const before = snapshotFolder(plugins.root);
      const refused = await updatePlugin(plugins.folder, file, { limits: row.limits }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(refused).toMatchObject({ name: 'NdpError', kind: row.kind });
      expect((refused as Error).message).toMatch(row.message);
      expect(snapshotFolder(plugins.root)).toEqual(before);
    });
  });

  it('refuses a plugin that is not installed, with a hint to use install', async () => {
    const file = writePackage('newbie.ndp', await wikibioPackage());
    await expect(updatePlugin(plugins.folder, file)).rejects.toMatchObject({ kind: 'unknown_plugin', message: expect.stringMatching(/plugin newbie is not installed; use install/) });
    expect(readdirSync(plugins.folder).sort()).toEqual(['scrobble-check', 'wikibio']);
  });

  it('refuses to update a dev link, leaving the link and its folder alone', async () => {
    const dev = path.join(plugins.root, 'dev-bio');
    mkdirSync(dev);
    writeFileSync(path.join(dev, 'marker'), 'mine');
    symlinkSync(dev, path.join(plugins.folder, 'linked'));
    const file = writePackage('linked.ndp', await wikibioPackage());
    const before = snapshotFolder(plugins.root);
    await expect(updatePlugin(plugins.folder, file)).rejects.toMatchObject({
      kind: 'failed_precondition',
      message: expect.stringMatching(/plugin linked is a development link/),
    });
    expect(snapshotFolder(plugins.root)).toEqual(before);
  });
});
