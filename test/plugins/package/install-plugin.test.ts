import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { installPlugin } from '../../../src/plugins';
import { snapshotFolder } from '../../helpers/folder-snapshot';
import { HOSTILE_PACKAGES } from '../../helpers/hostile-packages';
import { wikibioFiles, wikibioPackage } from '../../helpers/ndp-package';
import { PluginsFolder } from '../../helpers/plugins-folder';

const modeOf = (file: string): number => statSync(file).mode & 0o777;

describe('installPlugin', () => {
  let plugins: PluginsFolder;
  let packages: string;

  beforeEach(() => {
    plugins = new PluginsFolder().copy('scrobble-check');
    packages = path.join(plugins.root, 'packages');
    mkdirSync(packages);
  });
  afterEach(() => plugins.cleanup());

  function writePackage(name: string, bytes: Buffer): string {
    const file = path.join(packages, name);
    writeFileSync(file, bytes);
    return file;
  }

  describe('refuses a hostile or broken package and leaves every file as it was', () => {
    it.each(HOSTILE_PACKAGES.map((row) => [row.title, row] as const))('%s', async (_title, row) => {
      const file = writePackage('newbie.ndp', await row.build());
      // The whole root: the plugins folder and the folder holding the package, so nothing
      // written beside the plugins folder (a `../evil`) goes unseen either.
      const before = snapshotFolder(plugins.root);
      const refused = await installPlugin(plugins.folder, file, { limits: row.limits }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(refused).toMatchObject({ name: 'NdpError', kind: row.kind });
      expect((refused as Error).message).toMatch(row.message);
      expect(snapshotFolder(plugins.root)).toEqual(before);
    });
  });

  it('installs a package under its file name: folder 0700, files 0600, nothing else left behind', async () => {
    const file = writePackage('wikibio.ndp', await wikibioPackage());
    const result = await installPlugin(plugins.folder, file);

    expect(result).toMatchObject({ id: 'wikibio', folder: path.join(plugins.folder, 'wikibio'), manifest: { name: 'Wiki Bio', version: '1.0.0' } });
    expect(readdirSync(plugins.folder).sort()).toEqual(['scrobble-check', 'wikibio']);
    expect(readdirSync(result.folder).sort()).toEqual(['LICENSE', 'README.md', 'manifest.json', 'plugin.wasm']);
    expect(modeOf(plugins.folder)).toBe(0o700);
    expect(modeOf(result.folder)).toBe(0o700);
    for (const name of readdirSync(result.folder)) expect(modeOf(path.join(result.folder, name))).toBe(0o600);
    const { manifest, wasm } = wikibioFiles();
    expect(readFileSync(path.join(result.folder, 'plugin.wasm')).equals(wasm)).toBe(true);
    expect(readFileSync(path.join(result.folder, 'manifest.json')).equals(manifest)).toBe(true);
    expect(readFileSync(path.join(result.folder, 'README.md'), 'utf8')).toBe('# Wiki Bio\n');
  });

  it('takes an explicit id instead of the file name', async () => {
    const file = writePackage('wikibio-1.0.0.ndp', await wikibioPackage());
    const result = await installPlugin(plugins.folder, file, { id: 'bio' });
    expect(result.id).toBe('bio');
    expect(readdirSync(path.join(plugins.folder, 'bio'))).toContain('plugin.wasm');
  });

  it('creates a missing plugins folder with mode 0700', async () => {
    const file = writePackage('wikibio.ndp', await wikibioPackage());
    const folder = path.join(plugins.root, 'fresh', 'plugins');
    await installPlugin(folder, file);
    expect(modeOf(folder)).toBe(0o700);
    expect(readdirSync(folder)).toEqual(['wikibio']);
  });

  it('refuses an id already installed, with a hint to use update, and changes nothing', async () => {
    const file = writePackage('scrobble-check.ndp', await wikibioPackage());
    const before = snapshotFolder(plugins.root);
    await expect(installPlugin(plugins.folder, file)).rejects.toMatchObject({
      kind: 'failed_precondition',
      pluginId: 'scrobble-check',
      message: expect.stringMatching(/plugin scrobble-check is already installed .*; use update to replace it/),
    });
    expect(snapshotFolder(plugins.root)).toEqual(before);
  });

  describe('refuses an id that is not a safe folder name', () => {
    const cases: [string, string, { id?: string }, RegExp][] = [
      ['a file name with a space', 'wiki bio.ndp', {}, /plugin id "wiki bio" may only hold letters, digits.*rename the file or give the id explicitly/],
      ['a hidden file name', '.hidden.ndp', {}, /plugin id ".hidden" must not start with "."/],
      ['a file not ending in .ndp', 'wikibio.zip', {}, /the file name must end in \.ndp/],
      ['an explicit id with a slash', 'wikibio.ndp', { id: '../escape' }, /plugin id "\.\.\/escape" must not start with "."/],
      ['an explicit id with a backslash', 'wikibio.ndp', { id: 'a\\b' }, /may only hold letters, digits/],
      ['an empty explicit id', 'wikibio.ndp', { id: '' }, /plugin id "" is empty/],
      ['an explicit id over 64 characters', 'wikibio.ndp', { id: 'x'.repeat(65) }, /is longer than 64 characters/],
    ];
    it.each(cases)('%s', async (_title, name, options, message) => {
      const file = writePackage(name, await wikibioPackage());
      const before = snapshotFolder(plugins.root);
      await expect(installPlugin(plugins.folder, file, options)).rejects.toMatchObject({ kind: 'invalid_argument', message: expect.stringMatching(message) });
      expect(snapshotFolder(plugins.root)).toEqual(before);
    });
  });

  it('refuses a package file that does not exist', async () => {
    await expect(installPlugin(plugins.folder, path.join(packages, 'nowhere.ndp'))).rejects.toMatchObject({
      kind: 'invalid_argument',
      message: expect.stringMatching(/nowhere\.ndp cannot be read: no such file/),
    });
  });
});
