import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pluginConfigSection, startConfiguredSidecar } from '../helpers/configured-sidecar';
import { PluginsFolder } from '../helpers/plugins-folder';
import { RecordingHttpServer } from '../helpers/recording-http-server';
import type { TestSidecar } from '../helpers/test-sidecar';

// Issue 8, item 1: a plugin must never receive another plugin's host-call reply. Copies of the
// timer fixture read their own config thousands of times per rpc while a victim fetches a
// secret over HTTP, all on two workers; every rpc must succeed with only its own bytes.

const ATTACKERS = ['hammer-a', 'hammer-b', 'hammer-c'];
const CONFIG_CALLS = 2_000;
const HTTP_CALLS = 40;

describe('host call hammer through the sidecar', () => {
  const plugins = new PluginsFolder();
  const secret = `victim-secret-${process.pid}-${Date.now()}`;
  let server: RecordingHttpServer;
  let s: TestSidecar;

  beforeAll(async () => {
    server = await RecordingHttpServer.start(() => ({ body: secret, headers: { 'x-secret': secret } }));
    for (const id of ATTACKERS) plugins.copy('timer-fixture', id);
    plugins.copy('timer-fixture', 'victim');
    const manifestFile = path.join(plugins.folder, 'victim', 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Record<string, unknown>;
    const http = { reason: 'hammer test', allowedUrls: { [server.url('/*')]: ['GET'] }, allowLocalNetwork: true };
    plugins.write('victim', { manifest: { ...manifest, permissions: { http } } });
    s = await startConfiguredSidecar(plugins.folder, {
      toml: ATTACKERS.map((id) => pluginConfigSection(id, { marker: `own-marker-of-${id}` })).join('\n'),
      // Few workers for many plugins, and budgets no loaded machine reaches: only a wrong reply may fail a call.
      args: ['--plugins-min-workers', '1', '--plugins-max-workers', '2', '--plugins-call-timeout', '5m'],
    });
  });
  afterAll(async () => {
    await s?.close();
    await server?.close();
    plugins.cleanup();
  });

  const ask = async (plugin: string, name: string): Promise<string> => {
    try {
      const response = await s.clients.call(s.clients.metadataAgent, 'GetArtistBiography', { name }, { plugin });
      return String(response.biography);
    } catch (error) {
      return `failed: ${(error as Error).message}`;
    }
  };

  it('16 callers, thousands of get_plugin_config per rpc beside a victim doing HTTP: zero failures, zero foreign bytes', async () => {
    const url = server.url('/secret');
    const outcomes = await Promise.all(
      Array.from({ length: 16 }, async (_, caller) => {
        const wrong: string[] = [];
        for (let round = 0; round < 3; round++) {
          const plugin = caller % 4 === 3 ? 'victim' : ATTACKERS[(caller + round) % ATTACKERS.length];
          const [name, expected] =
            plugin === 'victim'
              ? [`http-repeat:${HTTP_CALLS}:${url}`, `calls=${HTTP_CALLS};body=${secret}`]
              : [`config-repeat:${CONFIG_CALLS}`, `calls=${CONFIG_CALLS};config=marker=own-marker-of-${plugin};`];
          const answer = await ask(plugin, name);
          if (answer !== expected) wrong.push(`${plugin}: ${answer.slice(0, 300)}`);
        }
        return wrong;
      }),
    );
    expect(outcomes.flat()).toEqual([]);
    expect(server.requests).toHaveLength(4 * 3 * HTTP_CALLS);
  });
});
