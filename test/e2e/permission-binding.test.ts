import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { RPCS } from '../../src/contract';
import { closeHostServices, createHostBroker, HOST_FUNCTIONS, HttpService, type HostGrant, type HostServices } from '../../src/host';
import { PluginManager, type Plugin } from '../../src/plugins';
import { Sandbox } from '../../src/runtime';
import { defer } from '../helpers/defer';
import { testHostServices } from '../helpers/host-services';
import { PluginsFolder } from '../helpers/plugins-folder';
import { RecordingHttpServer } from '../helpers/recording-http-server';

// Issue 8, item 8: a call binds its plugin version's permissions when it starts. Calls queued
// behind a busy worker while their plugin's folder is replaced or removed must still be held to
// their own version's permissions.http; the local server shows the forbidden URL is never fetched.

describe('host calls keep the permissions of the plugin version they started on', () => {
  const log = pino({ level: 'silent' });
  const rpc = RPCS.MetadataAgent.getArtistBiography;
  let plugins: PluginsFolder;
  let server: RecordingHttpServer;
  let arrived = defer();
  let release = defer();
  let sandbox: Sandbox<HostGrant>;
  let host: HostServices;
  let manager: PluginManager;

  /** The timer fixture under id `perm`, with permissions.http allowing `paths` on the test server. */
  function writePlugin(paths: string[]): void {
    const manifestFile = path.join(plugins.folder, 'perm', 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Record<string, unknown>;
    const allowedUrls = Object.fromEntries(paths.map((at) => [server.url(at), ['GET']]));
    plugins.write('perm', { manifest: { ...manifest, permissions: { http: { reason: 'test server', allowedUrls, allowLocalNetwork: true } } } });
  }

  async function biography(plugin: Plugin, command: string): Promise<string> {
    const reply = await plugin.invoke(rpc.exportName, rpc.request({ id: '', name: command, mbid: '' }).bytes, { timeoutMs: 20_000 });
    return rpc.decodeResponse(reply).biography;
  }

  beforeEach(async () => {
    arrived = defer();
    release = defer();
    server = await RecordingHttpServer.start(async ({ path: at }) => {
      if (at !== '/hold') return { body: `fetched ${at}` };
      arrived.resolve();
      await release.promise;
      return { body: 'held' };
    });
    plugins = new PluginsFolder().copy('timer-fixture', 'perm');
    writePlugin(['/hold', '/allowed/*']);
    // Plugins.DefaultHttp "allow" and local network on: a call that lost its own permissions
    // would fall back to these and fetch anything.
    host = testHostServices(plugins.root, log, { http: new HttpService({ defaultPolicy: 'allow', allowLocalNetwork: true, log }) });
    await Promise.all([host.timers.start(), host.scheduler.start()]);
    // One worker, so calls queue behind the one holding it.
    sandbox = new Sandbox<HostGrant>({ minWorkers: 1, maxWorkers: 1, hostFunctions: HOST_FUNCTIONS, hostCall: createHostBroker(host) });
    manager = new PluginManager({ folder: plugins.folder, order: [], initTimeoutMs: 20_000, pluginConfig: {}, quarantine: { failures: 100, windowMs: 60_000, backoffMs: 1 }, sandbox, log });
    await manager.loadAll();
  });
  afterEach(async () => {
    release.resolve();
    manager.unloadAll();
    await sandbox.close();
    await Promise.all([closeHostServices(host), server.close()]);
    plugins.cleanup();
  });

  /** Holds the only worker with an allowed request, then queues four calls for a URL v1 forbids. */
  async function queueForbiddenCalls(): Promise<{ held: Promise<string>; queued: Promise<string>[] }> {
    const v1 = manager.get('perm') as Plugin;
    expect(await biography(v1, `http:GET:${server.url('/allowed/x')}`)).toMatch(/^status=200;.*body=fetched \/allowed\/x;error=$/);
    expect(await biography(v1, `http:GET:${server.url('/forbidden/0')}`)).toMatch(/is not permitted: no pattern in permissions\.http\.allowedUrls matches it/);
    const held = biography(v1, `http:GET:${server.url('/hold')}`);
    await arrived.promise;
    // invoke() queues the job synchronously: these wait behind the held call, on version 1.
    const queued = [1, 2, 3, 4].map((i) => biography(v1, `http:GET:${server.url(`/forbidden/${i}`)}`));
    return { held, queued };
  }

  it('when the folder is replaced by a version that allows the URL', async () => {
    const { held, queued } = await queueForbiddenCalls();
    writePlugin(['/hold', '/allowed/*', '/forbidden/*']);
    // Wait until the reload has read the new manifest and is itself queued for the worker (its
    // version check), so version 2 is known before any queued call makes its host call.
    const versionCheck = defer();
    const apiVersion = sandbox.apiVersion.bind(sandbox);
    sandbox.apiVersion = (...args) => (versionCheck.resolve(), apiVersion(...args));
    const reloaded = manager.reload('perm');
    await versionCheck.promise;
    release.resolve();
    expect(await held).toMatch(/body=held;error=$/);
    for (const answer of await Promise.all(queued)) expect(answer).toMatch(/is not permitted: no pattern in permissions\.http\.allowedUrls matches it/);
    await reloaded;
    // Version 2 serves the next calls, with its own permissions.
    expect(await biography(manager.get('perm') as Plugin, `http:GET:${server.url('/forbidden/5')}`)).toMatch(/body=fetched \/forbidden\/5;error=$/);
    expect(server.matching((r) => /^\/forbidden\/[0-4]$/.test(r.path))).toEqual([]);
  });

  it('when the folder is removed', async () => {
    const { held, queued } = await queueForbiddenCalls();
    rmSync(path.join(plugins.folder, 'perm'), { recursive: true });
    await expect(manager.reload('perm')).rejects.toMatchObject({ kind: 'unknown_plugin' });
    release.resolve();
    expect(await held).toMatch(/body=held;error=$/);
    for (const answer of await Promise.all(queued)) expect(answer).toMatch(/is not permitted: no pattern in permissions\.http\.allowedUrls matches it/);
    expect(server.matching((r) => r.path.startsWith('/forbidden/'))).toEqual([]);
  });
});
