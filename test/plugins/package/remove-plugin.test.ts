import { existsSync, lstatSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { removePlugin } from '../../../src/plugins';
import { snapshotFolder } from '../../helpers/folder-snapshot';
import { PluginsFolder } from '../../helpers/plugins-folder';

describe('removePlugin', () => {
  let plugins: PluginsFolder;

  beforeEach(() => {
    plugins = new PluginsFolder().copy('wikibio').copy('scrobble-check');
  });
  afterEach(() => plugins.cleanup());

  it('deletes a plugin folder and nothing else', async () => {
    const result = await removePlugin(plugins.folder, 'wikibio');
    expect(result).toEqual({ id: 'wikibio', folder: path.join(plugins.folder, 'wikibio') });
    expect(readdirSync(plugins.folder)).toEqual(['scrobble-check']);
  });

  it('removes only the link of a dev plugin and reports the target it kept', async () => {
    const dev = path.join(plugins.root, 'dev-bio');
    mkdirSync(dev);
    writeFileSync(path.join(dev, 'manifest.json'), '{}');
    const devBefore = snapshotFolder(dev);
    symlinkSync(dev, path.join(plugins.folder, 'bio'));

    const result = await removePlugin(plugins.folder, 'bio');

    expect(result).toEqual({ id: 'bio', folder: path.join(plugins.folder, 'bio'), keptTarget: dev });
    expect(lstatSync(path.join(plugins.folder, 'bio'), { throwIfNoEntry: false })).toBeUndefined();
    expect(snapshotFolder(dev)).toEqual(devBefore);
  });

  it('two removes at once (two `ndphost plugin remove`): one removes the plugin, the other is told it is not installed', async () => {
    const dev = path.join(plugins.root, 'dev-bio');
    mkdirSync(dev);
    for (let round = 0; round < 20; round++) {
      plugins.copy('wikibio', `copy-${round}`);
      symlinkSync(dev, path.join(plugins.folder, `link-${round}`));
      for (const id of [`copy-${round}`, `link-${round}`]) {
        const outcomes = await Promise.allSettled([removePlugin(plugins.folder, id), removePlugin(plugins.folder, id)]);
        const context = `round ${round}, ${id}`;
        expect({ context, removed: outcomes.filter((outcome) => outcome.status === 'fulfilled').length }).toEqual({ context, removed: 1 });
        const refused = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
        expect(refused?.reason).toMatchObject({ kind: 'unknown_plugin', message: `plugin ${id} is not installed` });
      }
    }
    expect(readdirSync(plugins.folder).sort()).toEqual(['scrobble-check', 'wikibio']);
  });

  it('refuses an id that is not installed', async () => {
    await expect(removePlugin(plugins.folder, 'nope')).rejects.toMatchObject({ kind: 'unknown_plugin', message: 'plugin nope is not installed' });
  });

  it('refuses an id that would reach outside the plugins folder', async () => {
    const before = snapshotFolder(plugins.root);
    await expect(removePlugin(plugins.folder, '..')).rejects.toMatchObject({ kind: 'invalid_argument' });
    await expect(removePlugin(plugins.folder, 'a/../../x')).rejects.toMatchObject({ kind: 'invalid_argument' });
    expect(snapshotFolder(plugins.root)).toEqual(before);
    expect(existsSync(plugins.folder)).toBe(true);
  });

  it('leaves a plain file under the id alone', async () => {
    writeFileSync(path.join(plugins.folder, 'stray'), 'not a plugin');
    await expect(removePlugin(plugins.folder, 'stray')).rejects.toMatchObject({ kind: 'failed_precondition', message: expect.stringMatching(/is not a plugin folder/) });
    expect(existsSync(path.join(plugins.folder, 'stray'))).toBe(true);
  });
});
