import { cpSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pluginHealthName } from '../../src/sidecar';
import { HealthClient } from '../helpers/health-client';
import { FIXTURE_PLUGINS } from '../helpers/paths';
import { PluginsFolder } from '../helpers/plugins-folder';
import { startTestSidecar, type TestSidecar } from '../helpers/test-sidecar';

describe('Plugins.AutoReload', () => {
  const plugins = new PluginsFolder().copy('fixture', 'changing');
  let s: TestSidecar;
  let health: HealthClient;

  beforeAll(async () => {
    s = await startTestSidecar(plugins.folder, ['--plugins-auto-reload']);
    health = new HealthClient(s.address);
  });
  afterAll(async () => {
    health.close();
    await s.close();
    plugins.cleanup();
  });

  const biography = (plugin: string) => s.clients.call(s.clients.metadataAgent, 'GetArtistBiography', { name: 'Ann' }, { plugin });

  it('loads a plugin folder that appears', async () => {
    const serving = health.waitFor(pluginHealthName('newcomer'), 'SERVING');
    plugins.copy('fixture-two', 'newcomer');
    await serving;
    await expect(biography('newcomer')).resolves.toEqual({ biography: 'two:Ann' });
  });

  it('reloads a plugin whose files change', async () => {
    await expect(biography('changing')).resolves.toEqual({ biography: 'fixture:Ann:calls=1' });
    for (const file of ['manifest.json', 'plugin.wasm']) cpSync(path.join(FIXTURE_PLUGINS, 'fixture-two', file), path.join(plugins.folder, 'changing', file));
    // The reload is announced nowhere a client can watch, so ask until the new version answers (bounded).
    let answer = '';
    for (let i = 0; i < 100 && answer !== 'two:Ann'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      answer = String((await biography('changing')).biography);
    }
    expect(answer).toBe('two:Ann');
  });

  it('drops a plugin folder that goes away', async () => {
    const gone = health.waitFor(pluginHealthName('newcomer'), 'NOT_SERVING');
    rmSync(path.join(plugins.folder, 'newcomer'), { recursive: true });
    await gone;
    await expect(biography('newcomer')).rejects.toMatchObject({ code: 5 });
  });
});
