import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { status as grpcStatus } from '@grpc/grpc-js';
import { contextOf, type CliContext } from '../../src/cli/cli-context';
import { notifyRemoval, notifySidecar } from '../../src/cli/notify-sidecar';
import { loadConfig } from '../../src/config';
import { packPlugin } from '../../src/plugins/package';
import { status } from '../helpers/api-clients';
import { snapshotFolder } from '../helpers/folder-snapshot';
import { scrobblerWasm, wikibioFiles, wikibioManifest, wikibioPackage, yazlZip } from '../helpers/ndp-package';
import { CLI_MAIN, EXAMPLE_PLUGINS, FIXTURE_PLUGINS } from '../helpers/paths';
import { PluginsFolder } from '../helpers/plugins-folder';
import { startConfiguredSidecar } from '../helpers/configured-sidecar';
import { crashStates, LIVE_PID } from '../helpers/crash-states';
import { runNdphost, type CliOptions, type CliRun } from '../helpers/serve-process';
import { startTestSidecar, type TestSidecar } from '../helpers/test-sidecar';

type Run = CliRun;

/**
 * The admin address the offline commands are given. Nothing listens on port 1 (it needs root),
 * so they find no sidecar there at once, and never one that a parallel test (or a developer's
 * `npm start`) happens to run.
 */
const NO_SIDECAR = '127.0.0.1:1';

/** Runs the real CLI from the build folder, optionally as another user. */
const ndphost = (args: string[], as: Pick<CliOptions, 'wrapper'> = {}): Promise<CliRun> => runNdphost(args, { cwd: path.dirname(CLI_MAIN), ...as });

/** `ndphost plugin <args>` over a test plugins folder, talking to the sidecar whose admin listener is at `adminAddress`. */
function pluginCli(plugins: PluginsFolder, adminAddress = NO_SIDECAR) {
  return (...args: string[]): Promise<Run> =>
    ndphost(['plugin', ...args, '--plugins-folder', plugins.folder, '--data-folder', plugins.root, '--admin-address', adminAddress]);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** A copy of a built plugin (manifest.json, plugin.wasm) in a folder of its own, outside the plugins folder. */
function devFolder(plugins: PluginsFolder, source: string, name = source): string {
  const from = [FIXTURE_PLUGINS, EXAMPLE_PLUGINS].map((base) => path.join(base, source)).find((folder) => existsSync(path.join(folder, 'plugin.wasm')));
  if (!from) throw new Error(`no built plugin ${source}`);
  const to = path.join(plugins.root, 'dev', name);
  mkdirSync(to, { recursive: true });
  for (const file of ['manifest.json', 'plugin.wasm']) cpSync(path.join(from, file), path.join(to, file));
  return to;
}

/** fixture-two's files with a new version, copied over a plugin folder: the "next build". */
function writeFixtureTwo(folder: string, version: string): void {
  const source = path.join(FIXTURE_PLUGINS, 'fixture-two');
  const manifest = { ...JSON.parse(readFileSync(path.join(source, 'manifest.json'), 'utf8')), version };
  cpSync(path.join(source, 'plugin.wasm'), path.join(folder, 'plugin.wasm'));
  writeFileSync(path.join(folder, 'manifest.json'), JSON.stringify(manifest));
}

async function writePackage(plugins: PluginsFolder, name: string, data: Promise<Buffer> | Buffer): Promise<string> {
  const file = path.join(plugins.root, name);
  writeFileSync(file, await data);
  return file;
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

const NOT_WASM = Buffer.from('this is not a WebAssembly module');

describe('ndphost plugin, offline', () => {
  const folders: PluginsFolder[] = [];
  const fresh = (): PluginsFolder => {
    const plugins = new PluginsFolder();
    folders.push(plugins);
    return plugins;
  };
  const undo: (() => void)[] = [];
  const afterDone = (step: () => void): void => void undo.push(step);
  afterAll(() => {
    undo.forEach((step) => step());
    folders.forEach((plugins) => plugins.cleanup());
  });

  it('list shows a table of every plugin, a broken one as failed with its error and a dev link marked (dev)', async () => {
    const plugins = fresh().copy('fixture', 'fixture').write('broken', { manifest: wikibioManifest({ name: 'Broken' }).toString(), wasm: NOT_WASM });
    symlinkSync(devFolder(plugins, 'wikibio'), path.join(plugins.folder, 'wikibio'));
    const cli = pluginCli(plugins);

    const table = await cli('list');
    expect(table).toMatchObject({ code: 0, stderr: '' });
    const [header, ...rows] = table.stdout.trimEnd().split('\n');
    expect(header.split(/\s{2,}/)).toEqual(['ID', 'NAME', 'AUTHOR', 'VERSION', 'DIALECT', 'SERVICES', 'PERMISSIONS', 'STATE', 'DESCRIPTION']);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatch(/^broken\s+Broken\s+ndphost\s+1\.0\.0\s+services\s+MetadataAgent\s+-\s+failed\s+error: .*plugin\.wasm/);
    expect(rows[1]).toMatch(/^fixture\s+Test fixture\s+ndphost tests\s+0\.0\.1\s+services\s+MetadataAgent,Scrobbler,TimerCallback\s+-\s+valid\s+Test plugin driven/);
    expect(rows[2]).toMatch(/^wikibio \(dev\)\s+Wiki Bio\s+ndphost\s+1\.0\.0\s+services\s+MetadataAgent\s+-\s+valid\s+Example MetadataAgent/);
    // Columns line up: every row's STATE starts where the header's does.
    const stateColumn = header.indexOf('STATE');
    for (const row of rows) expect(row.slice(stateColumn)).toMatch(/^(valid|failed) /);

    const json = await cli('list', '--json');
    expect(json.code).toBe(0);
    const entries = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
    expect(entries.map((entry) => entry.id)).toEqual(['broken', 'fixture', 'wikibio']);
    expect(entries[0]).toMatchObject({ id: 'broken', name: 'Broken', state: 'failed', error: expect.stringContaining('plugin.wasm'), dev: false });
    expect(entries[0]).not.toHaveProperty('wasmSha256');
    expect(entries[1]).toMatchObject({
      id: 'fixture',
      version: '0.0.1',
      services: ['MetadataAgent', 'Scrobbler', 'TimerCallback'],
      state: 'valid',
      dev: false,
      folder: path.join(plugins.folder, 'fixture'),
      wasmSha256: sha256(path.join(FIXTURE_PLUGINS, 'fixture', 'plugin.wasm')),
    });
    expect(entries[1]).not.toHaveProperty('error');
    expect(entries[2]).toMatchObject({ id: 'wikibio', state: 'valid', dev: true });
  });

  it('list of an empty or missing plugins folder says so and creates nothing', async () => {
    const plugins = fresh();
    const missing = path.join(plugins.root, 'nothing-here');
    const run = await ndphost(['plugin', 'list', '--plugins-folder', missing, '--data-folder', plugins.root, '--admin-address', NO_SIDECAR]);
    expect(run).toMatchObject({ code: 0, stdout: `no plugins in ${missing}\n`, stderr: '' });
    expect(existsSync(missing)).toBe(false);
    expect(JSON.parse((await pluginCli(plugins)('list', '--json')).stdout)).toEqual([]);
  });

  it('info of a package shows its file, size, hash, time, files, manifest and permissions', async () => {
    const plugins = fresh();
    const permissions = { http: { reason: 'fetches biographies', allowedUrls: { 'https://en.wikipedia.org/*': ['GET'] } } };
    const file = await writePackage(plugins, 'wikibio.ndp', wikibioPackage(wikibioManifest({ permissions })));
    const cli = pluginCli(plugins);

    const text = await cli('info', file);
    expect(text).toMatchObject({ code: 0, stderr: '' });
    const size = readFileSync(file).length;
    expect(text.stdout).toContain(`File:        ${file}\n`);
    expect(text.stdout).toContain(`Size:        ${size} bytes\n`);
    expect(text.stdout).toContain(`SHA-256:     ${sha256(file)}\n`);
    expect(text.stdout).toMatch(/Modified:\s+\d{4}-\d\d-\d\dT/);
    expect(text.stdout).toContain('Name:        Wiki Bio\n');
    expect(text.stdout).toContain('Version:     1.0.0\n');
    expect(text.stdout).toContain('Services:    MetadataAgent\n');
    expect(text.stdout).toMatch(/Files:\n {2}manifest\.json +\d+ bytes\n {2}plugin\.wasm +\d+ bytes\n {2}README\.md +11 bytes\n {2}LICENSE +4 bytes\n/);
    expect(text.stdout).toContain('Permissions:\n  http: fetches biographies\n    https://en.wikipedia.org/* (GET)\n');

    const json = JSON.parse((await cli('info', file, '--json')).stdout) as Record<string, unknown>;
    expect(json).toMatchObject({
      file,
      size,
      sha256: sha256(file),
      manifest: { name: 'Wiki Bio', version: '1.0.0' },
      files: [{ name: 'manifest.json' }, { name: 'plugin.wasm', size: wikibioFiles().wasm.length }, { name: 'README.md', size: 11 }, { name: 'LICENSE', size: 4 }],
      permissions: [{ hostService: 'http', reason: 'fetches biographies', allowedUrls: { 'https://en.wikipedia.org/*': ['GET'] } }],
    });
    expect(typeof json.modified).toBe('string');
  });

  it('list and info show a capabilities-form plugin\'s dialect, capabilities and permissions, and refuse an unpermitted import as loading would', async () => {
    const plugins = fresh().copy('discord-rich-presence', 'discord').copy('subsonicapi-demo').copy('unauthorized-plugin');
    const cli = pluginCli(plugins);
    const [table, info, demo] = await Promise.all([cli('list'), cli('info', 'discord'), cli('info', 'subsonicapi-demo')]);
    const rows = table.stdout.trimEnd().split('\n');
    expect(rows.find((row) => row.startsWith('discord '))).toMatch(/^discord\s+discord-rich-presence\s+ndphost tests\s+1\.0\.0\s+capabilities\s+Scrobbler,SchedulerCallback,WebSocketCallback\s+artwork,cache,config,http,scheduler,websocket\s+valid\s/);
    expect(rows.find((row) => row.startsWith('unauthorized-plugin '))).toMatch(/\s+capabilities\s+MetadataAgent\s+-\s+failed\s+error: plugin unauthorized-plugin: imports env\.get of the http host service, which needs permissions\.http/);
    expect(info.stdout).toMatch(/^Website: +https:\/\/example\.com\/ndphost$/m);
    expect(info.stdout).toMatch(/^Dialect: +capabilities \(plugin built for Navidrome v0\.57-v0\.59\)$/m);
    expect(info.stdout).toMatch(/^Capabilities: +Scrobbler, SchedulerCallback, WebSocketCallback$/m);
    expect(info.stdout).toMatch(/^Host access: +config, scheduler, cache, artwork, http, websocket$/m);
    expect(info.stdout).toContain('  websocket: Discord\'s gateway\n    wss://gateway.discord.gg\n');
    expect(demo.stdout).toContain('  subsonicapi: Demonstrates the Subsonic API from a plugin\n    users: admin\n    admin users: allowed\n');
    const json = JSON.parse((await cli('list', '--json')).stdout) as { id: string; dialect: string; permissions: string[] }[];
    expect(json.find((entry) => entry.id === 'subsonicapi-demo')).toMatchObject({ dialect: 'capabilities', permissions: ['subsonicapi'] });
  });

  it('info of an installed id shows its folder, dev link, state, manifest and permissions', async () => {
    const plugins = fresh().copy('wikibio');
    const target = devFolder(plugins, 'fixture', 'bio');
    symlinkSync(target, path.join(plugins.folder, 'bio'));
    const cli = pluginCli(plugins);

    const [installed, dev, devJson, missing] = await Promise.all([cli('info', 'wikibio'), cli('info', 'bio'), cli('info', 'bio', '--json'), cli('info', 'nope')]);
    expect(installed).toMatchObject({ code: 0, stderr: '' });
    expect(installed.stdout).toContain(`ID:           wikibio\nFolder:       ${path.join(plugins.folder, 'wikibio')}\nDev:          no\nState:        valid\n`);
    expect(installed.stdout).toContain('Name:         Wiki Bio\n');
    expect(installed.stdout).toContain(`WASM SHA-256: ${sha256(path.join(EXAMPLE_PLUGINS, 'wikibio', 'plugin.wasm'))}\n`);
    expect(installed.stdout).toContain('Permissions:\n  none\n');
    expect(dev.stdout).toContain(`Dev:          yes, linked to ${target}\n`);
    expect(JSON.parse(devJson.stdout)).toMatchObject({ id: 'bio', dev: true, target, state: 'valid', manifest: { name: 'Test fixture' }, permissions: [] });
    expect(missing).toMatchObject({ code: 1, stdout: '', stderr: `ndphost: plugin nope is not installed in ${plugins.folder}\n` });
  });

  it('install puts a package in place; the same id again is refused with a hint to update (exit 1)', async () => {
    const plugins = fresh();
    const file = await writePackage(plugins, 'wikibio.ndp', wikibioPackage());
    const cli = pluginCli(plugins);

    const first = await cli('install', file);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toBe(
      `installed wikibio 1.0.0 (Wiki Bio by ndphost) in ${path.join(plugins.folder, 'wikibio')}\n` +
        `no sidecar is running at ${NO_SIDECAR}; the change takes effect at its next start\n`,
    );
    expect(readFileSync(path.join(plugins.folder, 'wikibio', 'plugin.wasm'))).toEqual(wikibioFiles().wasm);

    const before = snapshotFolder(plugins.folder);
    const again = await cli('install', file);
    expect(again.code).toBe(1);
    expect(again.stdout).toBe('');
    expect(again.stderr).toMatch(/^ndphost: plugin wikibio is already installed .*use update .*ndphost plugin update /);
    expect(again.stderr.split('\n')).toHaveLength(2);
    expect(snapshotFolder(plugins.folder)).toEqual(before);

    const other = await cli('install', file, '--id', 'wiki2');
    expect(other.code).toBe(0);
    expect(other.stdout).toContain(`installed wiki2 1.0.0`);
  });

  it('update prints the old and new versions; a failed update leaves the old folder byte-identical', async () => {
    const plugins = fresh().copy('wikibio');
    const cli = pluginCli(plugins);
    const bad = await writePackage(plugins, 'wikibio.ndp', yazlZip([['manifest.json', wikibioManifest({ version: '3.0.0' })], ['plugin.wasm', scrobblerWasm()]]));
    const before = snapshotFolder(plugins.folder);
    const failed = await cli('update', bad);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toBe('');
    expect(failed.stderr).toMatch(/^ndphost: .*wikibio.*\n$/);
    expect(snapshotFolder(plugins.folder)).toEqual(before);

    const good = await writePackage(plugins, 'wikibio.ndp', wikibioPackage(wikibioManifest({ version: '2.0.0' })));
    const updated = await cli('update', good);
    expect(updated).toMatchObject({ code: 0, stderr: '' });
    expect(updated.stdout).toMatch(/^updated wikibio: 1\.0\.0 -> 2\.0\.0 in /);
    expect(JSON.parse(readFileSync(path.join(plugins.folder, 'wikibio', 'manifest.json'), 'utf8')).version).toBe('2.0.0');

    const notInstalled = await cli('update', good, '--id', 'other');
    expect(notInstalled.code).toBe(1);
    expect(notInstalled.stderr).toMatch(/^ndphost: plugin other is not installed; use install/);
  });

  it("a change another command is still making is left alone, and nothing is said of it", async () => {
    const plugins = fresh().copy('wikibio').copy('scrobble-check');
    const { aside } = crashStates.removeWhileDeleting(plugins.folder, 'scrobble-check', LIVE_PID);
    const removed = await pluginCli(plugins)('remove', 'wikibio');
    expect(removed).toMatchObject({ code: 0, stderr: '' });
    expect(removed.stdout).not.toContain('recovered');
    expect(existsSync(aside)).toBe(true);
  });

  it('remove deletes a plugin folder, and of a dev link only the link, keeping its target', async () => {
    const plugins = fresh().copy('wikibio');
    const target = devFolder(plugins, 'fixture', 'bio');
    symlinkSync(target, path.join(plugins.folder, 'bio'));
    const cli = pluginCli(plugins);

    const [folder, link] = await Promise.all([cli('remove', 'wikibio'), cli('remove', 'bio')]);
    expect(folder).toMatchObject({ code: 0, stderr: '' });
    expect(folder.stdout).toMatch(new RegExp(`^removed wikibio \\(${path.join(plugins.folder, 'wikibio')}\\)\\nno sidecar is running at ${NO_SIDECAR}`));
    expect(link).toMatchObject({ code: 0, stderr: '' });
    expect(link.stdout).toContain(`removed the dev link bio (${path.join(plugins.folder, 'bio')}); its target ${target} was kept\n`);
    expect(existsSync(path.join(plugins.folder, 'wikibio'))).toBe(false);
    expect(existsSync(path.join(plugins.folder, 'bio'))).toBe(false);
    expect(existsSync(path.join(target, 'plugin.wasm'))).toBe(true);

    expect(await cli('remove', 'wikibio')).toMatchObject({ code: 1, stderr: 'ndphost: plugin wikibio is not installed\n' });
  });

  it("remove with no sidecar running removes the plugin's timers too: a plugin installed later under its id never gets them", async () => {
    const plugins = fresh().copy('timer-fixture', 'ticker').copy('timer-fixture', 'other');
    const register = (s: TestSidecar, plugin: string, id: string) => s.clients.call(s.clients.metadataAgent, 'GetArtistBiography', { name: `register:${id}:3600:old payload` }, { plugin });
    const first = await startConfiguredSidecar(plugins.folder, { dataFolder: plugins.root });
    try {
      for (const [plugin, id] of [['ticker', 't1'], ['ticker', 't2'], ['other', 't1']]) expect((await register(first, plugin, id)).biography).toBe(`timer_id=${id};error=`);
    } finally {
      await first.close();
    }

    const removed = await pluginCli(plugins)('remove', 'ticker');
    expect(removed).toMatchObject({ code: 0, stderr: '' });
    expect(removed.stdout).toContain(`removed ticker's timers from ${path.join(plugins.root, 'timers.json')} (2)\n`);

    plugins.copy('fixture', 'ticker');
    const second = await startConfiguredSidecar(plugins.folder, { dataFolder: plugins.root });
    try {
      expect([second.sidecar.timers.count('ticker'), second.sidecar.timers.count('other')]).toEqual([0, 1]);
    } finally {
      await second.close();
    }
  });

  it("remove with no sidecar running removes a capabilities-form plugin's schedules too", async () => {
    const plugins = fresh().copy('scheduler-fixture', 'sched').copy('scheduler-fixture', 'kept');
    const schedule = (s: TestSidecar, plugin: string, id: string) => s.clients.call(s.clients.metadataAgent, 'GetArtistBiography', { name: `cron:${id}:p:@daily` }, { plugin });
    const first = await startConfiguredSidecar(plugins.folder, { dataFolder: plugins.root });
    try {
      for (const [plugin, id] of [['sched', 's1'], ['kept', 's1']]) expect((await schedule(first, plugin, id)).biography).toBe(`schedule_id=${id};error=`);
    } finally {
      await first.close();
    }

    const removed = await pluginCli(plugins)('remove', 'sched');
    expect(removed).toMatchObject({ code: 0, stderr: '' });
    expect(removed.stdout).toContain(`removed sched's schedules from ${path.join(plugins.root, 'schedules.json')} (1)\n`);
    const second = await startConfiguredSidecar(plugins.folder, { dataFolder: plugins.root });
    try {
      expect([second.sidecar.host.scheduler.count('sched'), second.sidecar.host.scheduler.count('kept')]).toEqual([0, 1]);
    } finally {
      await second.close();
    }
  });

  it('an update cut short between its two renames: list shows the plugin as interrupted and changes nothing; the next update restores it first', async () => {
    const plugins = fresh().copy('wikibio');
    const cli = pluginCli(plugins);
    crashStates.updateBetweenRenames(plugins.folder, 'wikibio', '2.0.0');
    const before = snapshotFolder(plugins.folder);

    const listed = await cli('list');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^wikibio\s+-\s+-\s+-\s+-\s+-\s+-\s+interrupted\s+error: an update was cut short between its two renames; the version it was replacing is at .*\.ndp-old-/m);
    expect(listed.stderr).toMatch(/^ndphost: .*\.ndp-tmp-\d+-[0-9a-f]{8}-wikibio was left by a change that was cut short/);
    expect((JSON.parse((await cli('list', '--json')).stdout) as { id: string; state: string }[]).map(({ id, state }) => ({ id, state }))).toEqual([{ id: 'wikibio', state: 'interrupted' }]);
    expect(snapshotFolder(plugins.folder)).toEqual(before);

    const v2 = await writePackage(plugins, 'wikibio.ndp', wikibioPackage(wikibioManifest({ version: '2.0.0' })));
    const updated = await cli('update', v2);
    expect(updated).toMatchObject({ code: 0, stderr: '' });
    expect(updated.stdout).toMatch(/^recovered: discarded \.ndp-tmp-.*\nrecovered: restored wikibio from \.ndp-old-.*\n/);
    expect(updated.stdout).toContain('updated wikibio: 1.0.0 -> 2.0.0');
    expect(readdirSync(plugins.folder)).toEqual(['wikibio']);
  });

  it("a remove cut short is finished by the next command, which also removes the plugin's timers", async () => {
    const plugins = fresh().copy('wikibio').copy('fixture', 'gone');
    const timers = path.join(plugins.root, 'timers.json');
    const timer = (pluginId: string) => ({ pluginId, timerId: 't', dueAt: Date.now() + 3_600_000, payload: '' });
    writeFileSync(timers, JSON.stringify({ version: 1, timers: [timer('gone'), timer('wikibio')] }));
    crashStates.removeWhileDeleting(plugins.folder, 'gone');

    const removed = await pluginCli(plugins)('remove', 'wikibio');
    expect(removed).toMatchObject({ code: 0, stderr: '' });
    expect(removed.stdout).toMatch(/^recovered: finished the removal of gone that was cut short .*\n/);
    expect(removed.stdout).toContain(`removed gone's timers from ${timers} (1)\n`);
    expect(removed.stdout).toContain(`removed wikibio's timers from ${timers} (1)\n`);
    expect(readdirSync(plugins.folder)).toEqual([]);
    expect(JSON.parse(readFileSync(timers, 'utf8'))).toEqual({ version: 1, timers: [] });
  });

  it('a plugin folder of mode 000 is listed as failed with the reason for a user who cannot read it, never passed over', async () => {
    const plugins = fresh().copy('wikibio').copy('fixture', 'locked');
    const locked = path.join(plugins.folder, 'locked');
    chmodSync(locked, 0o000);
    // Readable again afterwards, so cleanup can remove it when the tests do not run as root.
    afterDone(() => chmodSync(locked, 0o755));
    const list = (as = {}) => ndphost(['plugin', 'list', '--json', '--plugins-folder', plugins.folder, '--data-folder', plugins.root, '--admin-address', NO_SIDECAR], as);
    const states = (run: Run) => (JSON.parse(run.stdout) as { id: string; state: string; error?: string }[]).map(({ id, state, error }) => ({ id, state, ...(error ? { error } : {}) }));
    // Root reads any folder, so run without the capabilities that let it (setpriv, util-linux):
    // what a sidecar not running as root sees, wherever this checkout is and whoever may read it.
    const asRoot = process.getuid?.() === 0;
    if (asRoot) expect(states(await list())).toEqual([{ id: 'locked', state: 'valid' }, { id: 'wikibio', state: 'valid' }]);
    const unprivileged = await list(asRoot ? { wrapper: ['setpriv', '--inh-caps=-dac_override,-dac_read_search', '--bounding-set=-dac_override,-dac_read_search', '--'] } : {});
    expect(unprivileged).toMatchObject({ code: 0, stderr: '' });
    expect(states(unprivileged)).toEqual([
      { id: 'locked', state: 'failed', error: expect.stringMatching(new RegExp(`^plugin locked: ${path.join(plugins.folder, 'locked')} cannot be read: EACCES: permission denied`)) },
      { id: 'wikibio', state: 'valid' },
    ]);
  });

  it('dev links a folder; replacing an existing entry needs --yes, and without a terminal it is refused (exit 2)', async () => {
    const plugins = fresh().copy('fixture', 'bio');
    const cli = pluginCli(plugins);
    const wikibio = devFolder(plugins, 'wikibio');
    const linked = await cli('dev', wikibio);
    expect(linked).toMatchObject({ code: 0, stderr: '' });
    expect(linked.stdout).toMatch(new RegExp(`^linked wikibio 1\\.0\\.0: ${path.join(plugins.folder, 'wikibio')} -> ${wikibio}\\n`));
    expect(readlinkSync(path.join(plugins.folder, 'wikibio'))).toBe(wikibio);

    const bio = devFolder(plugins, 'fixture-two', 'bio');
    const before = snapshotFolder(plugins.folder);
    const refused = await cli('dev', bio);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^ndphost: the plugins folder already has an entry named bio .*--yes.*\n$/);
    expect(snapshotFolder(plugins.folder)).toEqual(before);

    const installed = snapshotFolder(path.join(plugins.folder, 'bio'));
    const replaced = await cli('dev', bio, '--yes');
    expect(replaced).toMatchObject({ code: 0, stderr: '' });
    expect(replaced.stdout).toContain('(replaced the existing folder)');
    expect(lstatSync(path.join(plugins.folder, 'bio')).isSymbolicLink()).toBe(true);
    // The installed folder was the plugin's only copy: it is kept, byte for byte, and the output says where.
    const backups = readdirSync(path.join(plugins.root, 'backups'));
    expect(backups).toEqual([expect.stringMatching(/^bio-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z$/)]);
    const backup = path.join(plugins.root, 'backups', backups[0]);
    expect(replaced.stdout).toContain(`kept a copy of the installed bio at ${backup} (to go back: \`ndphost plugin remove bio\`, then move it to ${path.join(plugins.folder, 'bio')})\n`);
    expect(snapshotFolder(backup)).toEqual(installed);
    // Replacing a dev link keeps no copy: the development folder is still where it was.
    expect(await cli('dev', bio, '--yes')).toMatchObject({ code: 0, stderr: '' });
    expect(readdirSync(path.join(plugins.root, 'backups'))).toEqual(backups);
    const list = JSON.parse((await cli('list', '--json')).stdout) as Array<{ id: string; dev: boolean; name: string }>;
    expect(list.map(({ id, dev, name }) => ({ id, dev, name }))).toEqual([
      { id: 'bio', dev: true, name: 'Test fixture two' },
      { id: 'wikibio', dev: true, name: 'Wiki Bio' },
    ]);
  });

  it('pack builds a package that install accepts: a round trip', async () => {
    const plugins = fresh();
    const source = devFolder(plugins, 'wikibio', 'roundtrip');
    writeFileSync(path.join(source, 'README.md'), '# round trip\n');
    writeFileSync(path.join(source, 'notes.txt'), 'not part of the plugin');
    const output = path.join(plugins.root, 'out', 'roundtrip.ndp');
    mkdirSync(path.dirname(output));
    const cli = pluginCli(plugins);

    const packed = await cli('pack', source, '-o', output);
    expect(packed).toMatchObject({ code: 0, stderr: '' });
    expect(packed.stdout).toBe(`packed roundtrip 1.0.0 into ${output} (${readFileSync(output).length} bytes: manifest.json, plugin.wasm, README.md)\n`);
    const info = JSON.parse((await cli('info', output, '--json')).stdout) as { files: Array<{ name: string }> };
    expect(info.files.map((file) => file.name)).toEqual(['manifest.json', 'plugin.wasm', 'README.md']);

    expect((await cli('install', output)).code).toBe(0);
    expect(readFileSync(path.join(plugins.folder, 'roundtrip', 'README.md'), 'utf8')).toBe('# round trip\n');
    expect(existsSync(path.join(plugins.folder, 'roundtrip', 'notes.txt'))).toBe(false);
    expect(JSON.parse((await cli('list', '--json')).stdout)).toMatchObject([{ id: 'roundtrip', state: 'valid' }]);

    // A folder the sandbox would refuse is not packed.
    writeFileSync(path.join(source, 'plugin.wasm'), NOT_WASM);
    const refused = await cli('pack', source, '-o', output);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^ndphost: .*roundtrip/);
  });

  it('refresh without a running sidecar checks the folder: exit 0 when valid, 1 when not', async () => {
    const plugins = fresh().copy('wikibio').write('broken', { manifest: wikibioManifest().toString(), wasm: NOT_WASM });
    const cli = pluginCli(plugins);
    const [valid, broken] = await Promise.all([cli('refresh', 'wikibio'), cli('refresh', 'broken')]);
    expect(valid).toMatchObject({ code: 0, stderr: '', stdout: `wikibio 1.0.0 is valid; no sidecar is running at ${NO_SIDECAR}, so it loads at the next start\n` });
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(new RegExp(`^ndphost: broken is not valid: .*; no sidecar is running at ${NO_SIDECAR.replace(/\./g, '\\.')}\\n$`));
    expect(await cli('list', '--live')).toMatchObject({ code: 1, stdout: '', stderr: expect.stringMatching(/^ndphost: no sidecar is running at 127\.0\.0\.1:1/) });
  });

  it('with Plugins.Enabled false the commands that manage plugins refuse (exit 1); pack and package info still work', async () => {
    const plugins = fresh().copy('wikibio');
    const cli = pluginCli(plugins);
    const output = path.join(plugins.root, 'wikibio.ndp');
    const [list, pack] = await Promise.all([cli('list', '--plugins-enabled', 'false'), cli('pack', path.join(plugins.folder, 'wikibio'), '-o', output, '--plugins-enabled', 'false')]);
    expect(list).toMatchObject({ code: 1, stdout: '', stderr: 'ndphost: plugins are disabled (Plugins.Enabled is false); enable them to manage plugins\n' });
    expect(pack.code).toBe(0);
    expect((await cli('info', output, '--plugins-enabled', 'false')).code).toBe(0);
  });

  it.each([
    ['a missing argument', ['install']],
    ['an unknown command', ['frobnicate']],
    ['an unknown option', ['list', '--frobnicate']],
    ['an unsafe plugin id', ['remove', '../etc']],
    ['a package name that is no id', ['install', 'plugin.zip']],
    ['a missing package file', ['info', 'missing.ndp']],
    ['a bad config value', ['list', '--plugins-max-workers', '0']],
    ['a missing config file', ['list', '--config', '/nonexistent/ndphost.toml']],
  ])('%s is a usage error: exit 2 and one line on stderr', async (_name, args) => {
    const plugins = fresh();
    const run = await pluginCli(plugins)(...args);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^ndphost: [^\n]+\n$/);
  });
});

describe('ndphost plugin, with a running sidecar', () => {
  const plugins = new PluginsFolder().copy('fixture', 'bio').copy('fixture', 'trappy').write('broken', { manifest: wikibioManifest().toString(), wasm: NOT_WASM });
  let sidecar: TestSidecar;
  let cli: (...args: string[]) => Promise<Run>;
  const biography = async (plugin: string, name = 'x'): Promise<string> =>
    (await sidecar.clients.call(sidecar.clients.metadataAgent, 'GetArtistBiography', { name }, { plugin })).biography as string;

  beforeAll(async () => {
    sidecar = await startTestSidecar(plugins.folder);
    cli = pluginCli(plugins, sidecar.adminAddress);
  });
  afterAll(async () => {
    await sidecar?.close();
    plugins.cleanup();
  });

  it('list --live shows the live states: ready, failed with its error, quarantined', async () => {
    // Five traps within the window quarantine a plugin (Plugins.QuarantineFailures).
    for (let i = 0; i < 5; i++) await expect(biography('trappy', 'unreachable')).rejects.toMatchObject(status(grpcStatus.INTERNAL));
    const table = await cli('list', '--live');
    expect(table).toMatchObject({ code: 0, stderr: '' });
    const rows = table.stdout.trimEnd().split('\n');
    expect(rows[0]).toMatch(/^ID\s+NAME\s+AUTHOR\s+VERSION\s+DIALECT\s+SERVICES\s+PERMISSIONS\s+STATE\s+DESCRIPTION$/);
    expect(rows[1]).toMatch(/^bio\s+Test fixture\s+ndphost tests\s+0\.0\.1\s+services\s+\S+\s+-\s+ready\s+Test plugin/);
    expect(rows[2]).toMatch(/^broken\s+-\s+-\s+-\s+-\s+-\s+-\s+failed\s+error: .*plugin\.wasm/);
    expect(rows[3]).toMatch(/^trappy\s+Test fixture\s+.*\squarantined\s/);

    const json = JSON.parse((await cli('list', '--live', '--json')).stdout) as Array<{ id: string; state: string; error?: string }>;
    expect(json.map(({ id, state }) => ({ id, state }))).toEqual([
      { id: 'bio', state: 'ready' },
      { id: 'broken', state: 'failed' },
      { id: 'trappy', state: 'quarantined' },
    ]);
    // Offline, the same folder only says what a fresh start would load.
    expect((JSON.parse((await cli('list', '--json')).stdout) as Array<{ state: string }>).map((entry) => entry.state)).toEqual(['valid', 'failed', 'valid']);
  });

  it('refresh swaps in a new version while calls are in flight: none fails, later calls see the new one', async () => {
    expect(await biography('bio')).toBe('fixture:x:calls=1');
    writeFixtureTwo(path.join(plugins.folder, 'bio'), '0.0.2');
    let refreshing = true;
    const answers: string[] = [];
    // 20 callers keep calls in flight for as long as the refresh runs.
    const callers = Array.from({ length: 20 }, async () => {
      while (refreshing) answers.push(await biography('bio'));
    });
    const refreshed = await cli('refresh', 'bio').finally(() => (refreshing = false));
    await Promise.all(callers);
    expect(refreshed).toMatchObject({ code: 0, stderr: '', stdout: 'refreshed bio: 0.0.1 -> 0.0.2 (ready)\n' });
    expect(answers.length).toBeGreaterThan(20);
    expect(answers).toContain('fixture:x:calls=1');
    expect(answers.filter((answer) => answer !== 'fixture:x:calls=1' && answer !== 'two:x')).toEqual([]);
    expect(await biography('bio')).toBe('two:x');
  });

  it('refresh to an invalid version fails with the reason (exit 1) and the old version keeps answering', async () => {
    expect(await biography('bio')).toBe('two:x');
    writeFileSync(path.join(plugins.folder, 'bio', 'plugin.wasm'), NOT_WASM);
    const refused = await cli('refresh', 'bio');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(new RegExp(`^ndphost: sidecar at ${escapeRegExp(String(sidecar.adminAddress))}: .*plugin\\.wasm.*the old version keeps serving\\n$`));
    expect(await biography('bio')).toBe('two:x');
    expect(await cli('refresh', 'nope')).toMatchObject({ code: 1, stderr: expect.stringMatching(/^ndphost: sidecar at .*: no plugin nope in the plugins folder\n$/) });
  });

  it('install, update and remove tell the running sidecar, which serves the change at once', async () => {
    const v1 = await writePackage(plugins, 'wikibio.ndp', wikibioPackage());
    const installed = await cli('install', v1);
    expect(installed).toMatchObject({ code: 0, stderr: '' });
    expect(installed.stdout).toContain(`sidecar at ${sidecar.adminAddress} loaded wikibio 1.0.0 (ready)\n`);
    expect(await biography('wikibio', 'Nirvana')).toMatch(/Nirvana/);

    const v2 = await writePackage(plugins, 'wikibio.ndp', wikibioPackage(wikibioManifest({ version: '2.0.0' })));
    const updated = await cli('update', v2);
    expect(updated).toMatchObject({ code: 0, stderr: '' });
    expect(updated.stdout).toContain(`sidecar at ${sidecar.adminAddress} reloaded wikibio 1.0.0 -> 2.0.0 (ready)\n`);

    const removed = await cli('remove', 'wikibio');
    expect(removed).toMatchObject({ code: 0, stderr: '' });
    expect(removed.stdout).toMatch(new RegExp(`sidecar at ${escapeRegExp(String(sidecar.adminAddress))} dropped wikibio; \\d+ plugins left\\n$`));
    await expect(biography('wikibio', 'Nirvana')).rejects.toMatchObject(status(grpcStatus.NOT_FOUND));
  });

  describe('telling the sidecar, when another command changed the same plugin meanwhile', () => {
    /** A command's context with `pluginsFolder` as its Plugins.Folder, and what it printed. */
    function commandWith(pluginsFolder: string): { context: CliContext; printed: () => string } {
      let printed = '';
      const config = loadConfig({ env: {}, args: ['--plugins-folder', pluginsFolder, '--data-folder', plugins.root, '--admin-address', String(sidecar.adminAddress)] });
      return { context: contextOf(config, { stdout: (text) => (printed += text), stderr: (text) => (printed += text) }), printed: () => printed };
    }

    /** What `plugin remove` does once the folder is gone (or, here, back). */
    async function notifyRemovalFrom(pluginsFolder: string, id: string): Promise<string> {
      const command = commandWith(pluginsFolder);
      await notifyRemoval(command.context, id);
      return command.printed();
    }

    it('an install or update whose plugin another command removed before the refresh: says so and succeeds', async () => {
      // This command's files were in place; another's remove took them before the sidecar was told.
      const command = commandWith(plugins.folder);
      await expect(notifySidecar(command.context, { changed: 'taken' })).resolves.toBe(true);
      expect(command.printed()).toBe(`sidecar at ${sidecar.adminAddress} does not serve taken: another command removed it while this change ran (${path.join(plugins.folder, 'taken')})\n`);
    });

    it('installed again by another command meanwhile: says so and succeeds, the new one served', async () => {
      // Two commands at once: this removal renamed its folder away, then another's install put one
      // back before this removal's rescan. The sidecar serves what the folder now holds.
      plugins.copy('fixture-two', 'again');
      const printed = await notifyRemovalFrom(plugins.folder, 'again');
      expect(printed).toBe(`sidecar at ${sidecar.adminAddress} serves again again: another command installed it while this removal ran (${path.join(plugins.folder, 'again')})\n`);
      expect(await biography('again', 'Ann')).toBe('two:Ann');
    });

    it('served from a folder that is not this Plugins.Folder: fails, naming the folder it is served from', async () => {
      const elsewhere = new PluginsFolder();
      try {
        await expect(notifyRemovalFrom(elsewhere.folder, 'bio')).rejects.toMatchObject({
          kind: 'failed_precondition',
          message: `sidecar at ${sidecar.adminAddress} still serves bio from ${path.join(plugins.folder, 'bio')} after a rescan; is it using another Plugins.Folder?`,
        });
      } finally {
        elsewhere.cleanup();
      }
    });
  });

  it('dev then refresh: a rebuilt development folder is served after refresh', async () => {
    const folder = devFolder(plugins, 'fixture', 'devbio');
    const linked = await cli('dev', folder);
    expect(linked).toMatchObject({ code: 0, stderr: '' });
    expect(linked.stdout).toContain(`sidecar at ${sidecar.adminAddress} loaded devbio 0.0.1 (ready)\n`);
    expect(await biography('devbio')).toBe('fixture:x:calls=1');

    writeFixtureTwo(folder, '0.0.2');
    expect(await biography('devbio')).toBe('fixture:x:calls=1');
    expect(await cli('refresh', 'devbio')).toMatchObject({ code: 0, stdout: 'refreshed devbio: 0.0.1 -> 0.0.2 (ready)\n' });
    expect(await biography('devbio')).toBe('two:x');
    const live = JSON.parse((await cli('list', '--live', '--json')).stdout) as Array<{ id: string; dev: boolean; version: string }>;
    expect(live.find((entry) => entry.id === 'devbio')).toMatchObject({ dev: true, version: '0.0.2' });
  });

  it('packPlugin output installs through the CLI too', async () => {
    const output = path.join(plugins.root, 'two.ndp');
    await packPlugin(path.join(FIXTURE_PLUGINS, 'fixture-two'), { output });
    const installed = await cli('install', output);
    expect(installed).toMatchObject({ code: 0, stderr: '' });
    expect(await biography('two', 'y')).toBe('two:y');
  });
});
