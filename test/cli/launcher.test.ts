import { ApiClients } from '../helpers/api-clients';
import { freePort } from '../helpers/free-port';
import { PluginsFolder } from '../helpers/plugins-folder';
import { parsePrometheusText, sampleValue } from '../helpers/prometheus-text';
import { scrapePortText } from '../helpers/scrape-metrics';
import { startServe } from '../helpers/serve-process';

const MiB = 2 ** 20;

/** The new space's size (both semi-spaces), from prom-client's default metrics, parsed strictly. */
async function newSpaceBytes(metricsPort: number): Promise<number | undefined> {
  return sampleValue(parsePrometheusText(await scrapePortText(metricsPort)), 'nodejs_heap_space_size_total_bytes', { space: 'new' });
}

describe('bin/ndphost, the launcher', () => {
  const plugins = new PluginsFolder().copy('fixture');
  afterAll(() => plugins.cleanup());

  it('serves with a 16 MiB semi-space that a quiet spell and the calls after it leave in place', async () => {
    const metricsPort = await freePort();
    const { child, port, exited } = await startServe(['--address', '127.0.0.1:0', '--plugins-folder', plugins.folder, '--data-folder', plugins.root, '--metrics-address', `127.0.0.1:${metricsPort}`], { launcher: true });
    const clients = new ApiClients(`127.0.0.1:${port}`);
    try {
      expect(await newSpaceBytes(metricsPort)).toBeGreaterThanOrEqual(32 * MiB);
      // V8 may shrink the new space at the first collection after a few seconds without
      // allocation (RATIONALE.md); the calls fill it until it collects, and the floor holds.
      await new Promise((resolve) => setTimeout(resolve, 6_000));
      for (let call = 0; call < 1_500; call++) await clients.call(clients.metadataAgent, 'GetArtistBiography', { name: 'x' }, { plugin: 'fixture' });
      expect(await newSpaceBytes(metricsPort)).toBeGreaterThanOrEqual(32 * MiB);
    } finally {
      clients.close();
      child.kill('SIGTERM');
      await exited;
    }
  }, 60_000);
});
