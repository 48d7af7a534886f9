import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { describeLeftovers, recoverLeftovers } from '../../../src/plugins';
import { workName } from '../../../src/plugins/package/stage-entry';
import { crashStates, deadPid, LIVE_PID } from '../../helpers/crash-states';
import { snapshotFolder } from '../../helpers/folder-snapshot';
import { PluginsFolder } from '../../helpers/plugins-folder';

describe('recoverLeftovers: what a crash cut short in the plugins folder', () => {
  let plugins: PluginsFolder;

  beforeEach(() => {
    plugins = new PluginsFolder().copy('wikibio').copy('scrobble-check');
  });
  afterEach(() => plugins.cleanup());

  const versionOf = (id: string): string => (JSON.parse(readFileSync(path.join(plugins.folder, id, 'manifest.json'), 'utf8')) as { version: string }).version;
  const entries = (): string[] => readdirSync(plugins.folder).sort();

  it('an update killed between its two renames: the plugin had vanished; the old version is restored and the staged one dropped', async () => {
    const { aside, staged } = crashStates.updateBetweenRenames(plugins.folder, 'wikibio', '2.0.0');
    expect(entries()).toEqual([path.basename(aside), path.basename(staged), 'scrobble-check'].sort());

    const done = await recoverLeftovers(plugins.folder);
    expect(done).toEqual(
      expect.arrayContaining([
        { id: 'wikibio', path: staged, outcome: 'discarded', message: expect.stringContaining('never published') },
        { id: 'wikibio', path: aside, outcome: 'restored', message: expect.stringMatching(/^restored wikibio from \.ndp-old-\d+-[0-9a-f]{8}-wikibio: an update was cut short/) },
      ]),
    );
    expect(done).toHaveLength(2);
    expect(entries()).toEqual(['scrobble-check', 'wikibio']);
    expect(versionOf('wikibio')).toBe('1.0.0');
  });

  it('an update killed after its second rename: the new version stays, the old copy goes', async () => {
    const { aside } = crashStates.updateAfterRenames(plugins.folder, 'wikibio');
    expect(await recoverLeftovers(plugins.folder)).toEqual([{ id: 'wikibio', path: aside, outcome: 'discarded', message: expect.stringContaining('an update that finished had replaced') }]);
    expect(entries()).toEqual(['scrobble-check', 'wikibio']);
  });

  it('an install killed while staging: the half-written copy goes', async () => {
    const { staged } = crashStates.installWhileStaging(plugins.folder, 'newbie');
    expect(await recoverLeftovers(plugins.folder)).toEqual([{ id: 'newbie', path: staged, outcome: 'discarded', message: expect.any(String) }]);
    expect(entries()).toEqual(['scrobble-check', 'wikibio']);
  });

  it('a remove killed while deleting is finished; it says so only while no plugin has taken the id since', async () => {
    const { aside } = crashStates.removeWhileDeleting(plugins.folder, 'wikibio');
    const { aside: again } = crashStates.removeWhileDeleting(plugins.folder, 'scrobble-check');
    plugins.copy('wikibio', 'scrobble-check');
    expect(await recoverLeftovers(plugins.folder)).toEqual([
      { id: 'scrobble-check', path: again, outcome: 'discarded', message: expect.stringContaining('finished the removal of scrobble-check') },
      { id: 'wikibio', path: aside, outcome: 'finished-removal', message: expect.stringContaining('finished the removal of wikibio') },
    ].sort((a, b) => a.path.localeCompare(b.path)));
    expect(entries()).toEqual(['scrobble-check']);
  });

  it('a dev link set aside by a replace is restored as the link it was', async () => {
    const target = path.join(plugins.root, 'dev-bio');
    mkdirSync(target);
    const aside = workName(plugins.folder, 'old', 'devbio', deadPid());
    symlinkSync(target, aside);
    await recoverLeftovers(plugins.folder);
    expect(lstatSync(path.join(plugins.folder, 'devbio')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(path.join(plugins.folder, 'devbio'))).toBe(target);
  });

  it('of several set-aside copies of a vanished plugin, one comes back and the others go', async () => {
    crashStates.updateAfterRenames(plugins.folder, 'wikibio');
    crashStates.updateBetweenRenames(plugins.folder, 'wikibio', '2.0.0');
    const done = await recoverLeftovers(plugins.folder);
    expect(done.map((recovery) => recovery.outcome).sort()).toEqual(['discarded', 'discarded', 'restored']);
    expect(entries()).toEqual(['scrobble-check', 'wikibio']);
    expect(versionOf('wikibio')).toBe('1.0.0');
  });

  it('a change another process is still making is left alone', async () => {
    const { aside, staged } = crashStates.updateBetweenRenames(plugins.folder, 'wikibio', '2.0.0', LIVE_PID);
    const before = snapshotFolder(plugins.folder);
    const done = await recoverLeftovers(plugins.folder);
    expect(done.map(({ path: where, outcome }) => ({ where, outcome }))).toEqual(
      expect.arrayContaining([
        { where: aside, outcome: 'in-progress' },
        { where: staged, outcome: 'in-progress' },
      ]),
    );
    expect(snapshotFolder(plugins.folder)).toEqual(before);
  });

  it('names an older ndphost chose at random: a staged copy goes, a set-aside plugin is kept and reported', async () => {
    mkdirSync(path.join(plugins.folder, '.ndp-tmp-Ab12Cd'));
    const legacy = path.join(plugins.folder, '.ndp-old-0123456789ab');
    mkdirSync(legacy);
    expect(await recoverLeftovers(plugins.folder)).toEqual([
      { path: legacy, outcome: 'kept', message: expect.stringMatching(/its plugin id is unknown: rename it to that id to restore it, or delete it$/) },
      { path: path.join(plugins.folder, '.ndp-tmp-Ab12Cd'), outcome: 'discarded', message: expect.any(String) },
    ]);
    expect(entries()).toEqual(['.ndp-old-0123456789ab', 'scrobble-check', 'wikibio']);
  });

  it('describeLeftovers says the same and changes nothing', async () => {
    crashStates.updateBetweenRenames(plugins.folder, 'wikibio', '2.0.0');
    const before = snapshotFolder(plugins.folder);
    const described = await describeLeftovers(plugins.folder);
    expect(snapshotFolder(plugins.folder)).toEqual(before);
    expect(described.map((recovery) => recovery.outcome).sort()).toEqual(['discarded', 'restored']);
    expect((await recoverLeftovers(plugins.folder)).map(({ id, path: where, outcome, message }) => ({ id, where, outcome, message }))).toEqual(
      described.map(({ id, path: where, outcome, message }) => ({ id, where, outcome, message })),
    );
  });

  it('a missing plugins folder has nothing to recover', async () => {
    plugins.cleanup();
    expect(await recoverLeftovers(plugins.folder)).toEqual([]);
  });
});
