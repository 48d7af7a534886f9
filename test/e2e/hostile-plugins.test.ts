import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { status as grpcStatus } from '@grpc/grpc-js';
import { ArtistBiographyRequest } from '../../generated/ts/api';
import { HttpRequest } from '../../generated/ts/host/http/http';
import type { ErrorKind } from '../../src/errors';
import { pluginHealthName } from '../../src/sidecar';
import { status } from '../helpers/api-clients';
import { startConfiguredSidecar } from '../helpers/configured-sidecar';
import { metadataAgentWat, packed, type BiographyGuest } from '../helpers/guest-wat';
import { HealthClient } from '../helpers/health-client';
import { manifestFor, PluginsFolder } from '../helpers/plugins-folder';
import { rawUnaryCall } from '../helpers/raw-grpc';
import { startTestSidecar, type TestSidecar } from '../helpers/test-sidecar';
import { watToWasm } from '../helpers/wat';


/** Declares `count` tables without a maximum and grows each by 10M entries (V8's own limit). */
function tableBomb(count: number): BiographyGuest {
  const tables = Array.from({ length: count }, (_, i) => `(table $t${i} 1 funcref)`).join(' ');
  const grows = Array.from({ length: count }, (_, i) => `(drop (table.grow $t${i} (ref.null func) (i32.const 9999999)))`).join(' ');
  const capped = 'the tables stayed under the cap';
  return {
    extra: `${tables} (data (i32.const 256) "${capped}")`,
    body: `${grows} (if (i32.gt_u (table.size $t${count - 1}) (i32.const 100000)) (then unreachable)) ${packed(256, 0x8000_0000 | capped.length)}`,
  };
}

const MiB = 1024 * 1024;

/** Fills 1 MiB with "x" and returns it as an error string (bit 31 of the length set). */
const HUGE_ERROR: BiographyGuest = { body: `(memory.fill (i32.const 1024) (i32.const 120) (i32.const ${MiB})) ${packed(1024, 0x8000_0000 + MiB)}`, pages: 17 };

/** Misbehaviour at call time: [id, module, status code, message]. */
const AT_CALL: [string, BiographyGuest, number, RegExp][] = [
  ['spin', { body: '(loop $forever (br $forever)) (i64.const 0)' }, grpcStatus.DEADLINE_EXCEEDED, /plugin spin: export metadata_agent_get_artist_biography did not finish within its 500 ms time limit/],
  ['grow-bomb', { body: '(loop $grow (br_if $grow (i32.ne (memory.grow (i32.const 16)) (i32.const -1)))) unreachable' }, grpcStatus.RESOURCE_EXHAUSTED, /plugin grow-bomb: export metadata_agent_get_artist_biography ran out of memory: \d+ of its 8 MiB cap/],
  ['unreachable', { body: 'unreachable' }, grpcStatus.INTERNAL, /plugin unreachable: export metadata_agent_get_artist_biography failed: unreachable/],
  ['recursion', { body: '(drop (call $deep (i32.const 0))) (i64.const 0)' }, grpcStatus.INTERNAL, /plugin recursion: export metadata_agent_get_artist_biography failed: stack overflow/],
  ['divide', { body: '(drop (i32.div_s (i32.const 1) (i32.const 0))) (i64.const 0)' }, grpcStatus.INTERNAL, /failed: divide by zero/],
  ['oob-read', { body: '(i64.load (i32.const 0x7ffffff0))' }, grpcStatus.INTERNAL, /failed: memory access out of bounds/],
  ['oob-pointer', { body: packed(0x00ff0000, 64) }, grpcStatus.INTERNAL, /plugin oob-pointer: export metadata_agent_get_artist_biography returned ptr=16711680 len=64, outside the 65536-byte memory/],
  ['garbage-error', { body: packed(256, 0x8000_0004), extra: '(data (i32.const 256) "\\ff\\fe\\fd\\fc")' }, grpcStatus.INTERNAL, /plugin garbage-error: export metadata_agent_get_artist_biography returned an error string that is not valid UTF-8/],
  ['bad-protobuf', { body: packed(256, 4), extra: '(data (i32.const 256) "\\ff\\ff\\ff\\ff")' }, grpcStatus.INTERNAL, /plugin bad-protobuf: export metadata_agent_get_artist_biography returned bytes that are not a valid GetArtistBiography response/],
  ['bad-malloc', { body: '(i64.const 0)', malloc: '(i32.const 0x7fff0000)' }, grpcStatus.INTERNAL, /plugin bad-malloc: export metadata_agent_get_artist_biography malloc\(\d+\) returned 2147418112, outside/],
  ['huge-response', { body: packed(1024, 100 * 1024 * 1024) }, grpcStatus.RESOURCE_EXHAUSTED, /plugin huge-response: export metadata_agent_get_artist_biography returned 104857600 bytes, over the 16777216-byte response cap/],
  // Issue 8, item 9: 8 tables grown to 10M entries each took 2 GiB. Capped at load, every grow
  // fails and the plugin says so; uncapped, it would trap at the end (and the memory check below fails).
  ['table-bomb', tableBomb(8), grpcStatus.UNKNOWN, /^plugin table-bomb: the tables stayed under the cap$/],
  // 1 MiB of "x" as its error string: the status details are cut, never sent whole in a trailer.
  ['huge-error', HUGE_ERROR, grpcStatus.UNKNOWN, /^plugin huge-error: x+ \.\.\. \[cut \d+ bytes\]$/],
];

/** Refused at load: [id, module, error kind, message]. */
const AT_LOAD: [string, BiographyGuest, ErrorKind, RegExp][] = [
  ['huge-memory', { body: '(i64.const 0)', pages: 200 }, 'bad_module', /plugin huge-memory: declares 12.5 MiB of initial memory, over the cap of 8 MiB \(Plugins.MaxMemoryMiB\)/],
  ['no-malloc', { body: '(i64.const 0)', malloc: '(i32.const 0)' }, 'bad_module', /plugin no-malloc: does not export malloc/],
  ['unknown-import', { body: '(i64.const 0)', extra: '(import "env" "launch_missiles" (func))' }, 'bad_module', /plugin unknown-import: imports function env.launch_missiles, which the host does not provide/],
  ['wrong-signature', { body: '(i64.const 0)' }, 'bad_module', /plugin wrong-signature declares MetadataAgent, but export metadata_agent_get_album_info has signature \(i32\) -> i32, expected \(i32, i32\) -> i64/],
  // Issue 8, item 9: tables are capped like memory (Plugins.MaxTableEntries, default 100,000).
  ['huge-table', { body: '(i64.const 0)', extra: '(table 150000 funcref)' }, 'bad_module', /^plugin huge-table: declares table 0 with 150000 initial entries, over the cap of 100000 \(Plugins.MaxTableEntries\)$/],
  // Issue 8, item 12: its every answer crashed its worker (a SharedArrayBuffer cannot travel back).
  ['shared-memory', { body: '(i64.const 0)' }, 'bad_module', /^plugin shared-memory: declares its memory "memory" as shared \(threads\); plugins run one thread per call, so shared memory is refused$/],
  // _initialize runs in every fresh instance, the load-time version check's included.
  [
    'exit-in-init',
    { body: '(i64.const 0)', extra: '(import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32))) (func (export "_initialize") (call $exit (i32.const 3)))' },
    'trap',
    /plugin exit-in-init: export metadata_agent_api_version failed: _initialize: proc_exit\(3\)/,
  ],
];

/** Plugin entries the scanner cannot use as they are: [id, how to make it, message]. Reported, never passed over. */
const UNUSABLE: [string, (pluginsFolder: string) => void, RegExp][] = [
  ['dangling-dev-link', (folder) => symlinkSync(path.join(folder, '..', 'deleted-dev-folder'), path.join(folder, 'dangling-dev-link')), /dangling-dev-link is a link to .*deleted-dev-folder, which does not exist$/],
  [
    'link-loop',
    (folder) => {
      mkdirSync(path.join(folder, 'link-loop'));
      for (const file of ['manifest.json', 'plugin.wasm']) symlinkSync(file, path.join(folder, 'link-loop', file));
    },
    /link-loop cannot be read: ELOOP/,
  ],
];

/** An HTTP server that never answers: a plugin's GET to it blocks until its deadline. */
function hangingServer(): Promise<{ port: number; close(): void }> {
  const server = createServer(() => undefined);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () => {
          server.closeAllConnections();
          server.close();
        },
      }),
    ),
  );
}

/** A plugin that calls env.get on `url` in a loop, each call blocking until the host gives up. */
function hostCallLoop(url: string): BiographyGuest {
  const request = HttpRequest.encode({ url, headers: {}, timeoutMs: 0, body: Buffer.alloc(0) }).finish();
  const data = [...request].map((byte) => `\\${byte.toString(16).padStart(2, '0')}`).join('');
  return {
    body: `(loop $again (drop (call $get (i32.const 256) (i32.const ${request.length}))) (br $again)) (i64.const 0)`,
    extra: `(import "env" "get" (func $get (param i32 i32) (result i64))) (data (i32.const 256) "${data}")`,
  };
}

describe('hostile plugins', () => {
  const plugins = new PluginsFolder().copy('fixture', 'healthy');
  let s: TestSidecar;
  let health: HealthClient;
  let hanging: { port: number; close(): void };

  beforeAll(async () => {
    hanging = await hangingServer();
    const url = `http://127.0.0.1:${hanging.port}/never`;
    const permissions = { http: { reason: 'hostile test', allowedUrls: { [`http://127.0.0.1:${hanging.port}/*`]: ['GET'] }, allowLocalNetwork: true } };
    plugins.write('host-call-loop', { manifest: manifestFor(['MetadataAgent'], { permissions }), wasm: await watToWasm(metadataAgentWat(hostCallLoop(url)), 'host-call-loop.wat') });
    const build = async (id: string, hostile: BiographyGuest, edit: (wat: string) => string = (wat) => wat) =>
      plugins.write(id, { manifest: manifestFor(['MetadataAgent']), wasm: await watToWasm(edit(metadataAgentWat(hostile)), `${id}.wat`) });
    for (const [id, hostile] of AT_CALL) await build(id, hostile);
    for (const [, make] of UNUSABLE) make(plugins.folder);
    for (const [id, hostile] of AT_LOAD) {
      if (id === 'no-malloc') await build(id, hostile, (wat) => wat.replace('(func (export "malloc")', '(func $malloc'));
      else if (id === 'shared-memory') await build(id, hostile, (wat) => wat.replace('(memory (export "memory") 1)', '(memory (export "memory") 1 1 shared)'));
      else if (id === 'wrong-signature') await build(id, hostile, (wat) => wat.replace('(export "metadata_agent_get_album_info" (func $empty))', '(func (export "metadata_agent_get_album_info") (param i32) (result i32) (i32.const 0))'));
      else await build(id, hostile);
    }
    s = await startTestSidecar(plugins.folder, [
      '--plugins-min-workers', '2',
      '--plugins-max-memory-mib', '8',
      // Shorter than the callers' deadlines, so the sidecar's own message reaches them.
      '--plugins-call-timeout', '500ms',
      // Higher than the corpus ever reaches, so no plugin is quarantined here (see the quarantine test).
      '--plugins-quarantine-failures', '1000',
    ]);
    health = new HealthClient(s.address);
  });
  afterAll(async () => {
    health.close();
    await s.close();
    hanging.close();
    plugins.cleanup();
  });

  const biography = (plugin: string, name: string) => s.clients.call(s.clients.metadataAgent, 'GetArtistBiography', { name }, { plugin, timeoutMs: 5_000 });

  it('a plugin looping in host calls that block is stopped at its deadline, while a healthy plugin answers', async () => {
    const hostile = biography('host-call-loop', 'x');
    await expect(biography('healthy', 'meanwhile')).resolves.toEqual({ biography: 'fixture:meanwhile:calls=1' });
    await expect(hostile).rejects.toMatchObject(status(grpcStatus.DEADLINE_EXCEEDED, /plugin host-call-loop: export metadata_agent_get_artist_biography did not finish within its 500 ms time limit/));
    await expect(health.check('')).resolves.toBe('SERVING');
  });

  it.each(AT_LOAD)('%s is refused at load with a message naming the cause', async (id, _hostile, kind, message) => {
    const entry = s.sidecar.plugins.list().find((status) => status.id === id);
    expect(entry).toMatchObject({ state: 'failed', error: { kind, message: expect.stringMatching(message) } });
    await expect(health.check(pluginHealthName(id))).resolves.toBe('NOT_SERVING');
  });

  it.each(UNUSABLE)('%s is listed as failed with the reason and its health is NOT_SERVING', async (id, _make, message) => {
    expect(s.sidecar.plugins.list().find((status) => status.id === id)).toMatchObject({ state: 'failed', error: { kind: 'bad_package', message: expect.stringMatching(message) } });
    await expect(health.check(pluginHealthName(id))).resolves.toBe('NOT_SERVING');
  });

  it.each(AT_CALL)('%s fails only its own call, while a healthy plugin answers', async (id, _hostile, code, message) => {
    const hostile = biography(id, 'x');
    const healthy = await Promise.all([1, 2, 3].map((n) => biography('healthy', `n${n}`)));
    expect(healthy.map((response) => response.biography)).toEqual(['fixture:n1:calls=1', 'fixture:n2:calls=1', 'fixture:n3:calls=1']);
    await expect(hostile).rejects.toMatchObject(status(code, message));
    await expect(health.check('')).resolves.toBe('SERVING');
    await expect(biography('healthy', 'after')).resolves.toEqual({ biography: 'fixture:after:calls=1' });
  });

  it('a 1 MiB error string comes back at once with bounded details, and other calls on the same connection go on', async () => {
    // One client, so every call here shares one channel and one HTTP/2 connection.
    const during = Promise.all([1, 2, 3].map((n) => biography('healthy', `during${n}`)));
    const error = await biography('huge-error', 'x').then(
      () => undefined,
      (failure: { code: number; details: string }) => failure,
    );
    expect(error?.code).toBe(grpcStatus.UNKNOWN);
    expect(Buffer.byteLength(error?.details ?? '')).toBeLessThanOrEqual(4096);
    expect(error?.details).toMatch(/^plugin huge-error: x+ \.\.\. \[cut \d+ bytes\]$/);
    expect((await during).map((response) => response.biography)).toEqual(['fixture:during1:calls=1', 'fixture:during2:calls=1', 'fixture:during3:calls=1']);
    await expect(biography('healthy', 'after')).resolves.toEqual({ biography: 'fixture:after:calls=1' });
  });

  it.each(['GetPlugin', 'RefreshPlugin'])('admin %s with a 200 KB id is INVALID_ARGUMENT naming the id, cut, and changes nothing', async (method) => {
    const before = s.sidecar.plugins.list();
    const call = s.clients.call(s.clients.admin, method, { id: 'a'.repeat(200_000) }, { timeoutMs: 5_000 });
    await expect(call).rejects.toMatchObject(status(grpcStatus.INVALID_ARGUMENT, /^plugin id "a{64}"\.\.\. \(200000 characters\) is longer than 64 characters$/));
    expect(s.sidecar.plugins.list()).toEqual(before);
    await expect(biography('healthy', 'after')).resolves.toEqual({ biography: 'fixture:after:calls=1' });
  });

  it('leaves the worker count and memory near where they started', async () => {
    const workersBefore = s.sidecar.workers();
    const rssBefore = process.memoryUsage().rss;
    for (let round = 0; round < 3; round++) {
      await Promise.allSettled(AT_CALL.map(([id]) => biography(id, 'x')));
    }
    await expect(biography('healthy', 'last')).resolves.toEqual({ biography: 'fixture:last:calls=1' });
    // Terminated workers were replaced up to MinWorkers (2) and none leaked; workers lent to load
    // checks at start-up may retire meanwhile (30 s idle), so the count can only have gone down.
    expect(s.sidecar.workers()).toBeGreaterThanOrEqual(2);
    expect(s.sidecar.workers()).toBeLessThanOrEqual(Math.max(workersBefore, 2));
    // Three rounds allocate over 300 MiB of guest memory and terminate workers; none of it may stay.
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(150 * 1024 * 1024);
  });
});

describe('quarantine', () => {
  const plugins = new PluginsFolder().copy('fixture', 'flaky').copy('fixture-two', 'steady');
  let s: TestSidecar;
  let health: HealthClient;

  beforeAll(async () => {
    s = await startTestSidecar(plugins.folder, ['--plugins-quarantine-failures', '3', '--plugins-quarantine-window', '1m', '--plugins-quarantine-backoff', '300ms']);
    health = new HealthClient(s.address);
  });
  afterAll(async () => {
    health.close();
    await s.close();
    plugins.cleanup();
  });

  const biography = (name: string, plugin?: string) => s.clients.call(s.clients.metadataAgent, 'GetArtistBiography', { name }, { plugin });

  it('takes a plugin that keeps trapping out of service, skips it in fan-out, then tries it again', async () => {
    for (let i = 0; i < 3; i++) await expect(biography('unreachable', 'flaky')).rejects.toMatchObject({ code: grpcStatus.INTERNAL });
    await expect(health.check(pluginHealthName('flaky'))).resolves.toBe('NOT_SERVING');
    await expect(health.check('')).resolves.toBe('SERVING');
    // flaky comes first by id, but sits out: steady answers.
    await expect(biography('Ann')).resolves.toEqual({ biography: 'two:Ann' });
    await expect(biography('Ann', 'flaky')).rejects.toMatchObject(status(grpcStatus.UNAVAILABLE, 'plugin flaky is quarantined'));
    await health.waitFor(pluginHealthName('flaky'), 'SERVING');
    await expect(biography('Ann')).resolves.toEqual({ biography: 'fixture:Ann:calls=1' });
  });
});

describe('quarantine and load checks cannot be turned against healthy plugins (issue 8, item 4)', () => {
  const SPIN = '(loop $forever (br $forever)) (i64.const 0)';

  describe('at call time', () => {
    const plugins = new PluginsFolder().copy('fixture', 'healthy-a').copy('fixture', 'healthy-b');
    let s: TestSidecar;
    let health: HealthClient;

    beforeAll(async () => {
      plugins.write('spin', { manifest: manifestFor(['MetadataAgent']), wasm: await watToWasm(metadataAgentWat({ body: SPIN }), 'spin.wat') });
      s = await startTestSidecar(plugins.folder, [
        '--plugins-min-workers', '1',
        '--plugins-max-workers', '1',
        '--plugins-call-timeout', '1s',
        '--plugins-quarantine-failures', '3',
        '--plugins-quarantine-window', '1m',
        '--plugins-quarantine-backoff', '1m',
        '--plugins-order', 'spin',
      ]);
      health = new HealthClient(s.address);
    });
    afterAll(async () => {
      health.close();
      await s.close();
      plugins.cleanup();
    });

    const biography = (plugin: string, name: string, timeoutMs?: number) => s.clients.call(s.clients.metadataAgent, 'GetArtistBiography', { name }, { plugin, timeoutMs });

    it('six calls with grpc-timeout 1n leave a healthy plugin in service', async () => {
      const request = ArtistBiographyRequest.encode({ id: '', name: 'x', mbid: '' }).finish();
      for (let i = 0; i < 6; i++) {
        const answer = await rawUnaryCall(s.address, '/api.MetadataAgent/GetArtistBiography', request, { 'grpc-timeout': '1n', 'x-plugin': 'healthy-a' });
        expect(answer.code).toBe(grpcStatus.DEADLINE_EXCEEDED);
      }
      await expect(health.check(pluginHealthName('healthy-a'))).resolves.toBe('SERVING');
      await expect(biography('healthy-a', 'after')).resolves.toEqual({ biography: 'fixture:after:calls=1' });
    });

    it('calls that expire queued behind a spinning plugin leave the plugin they were for in service', async () => {
      const spinning = biography('spin', 'x').catch((error: unknown) => error);
      const queued = await Promise.allSettled([1, 2, 3, 4].map((n) => biography('healthy-b', `q${n}`, 300)));
      expect(queued.map((outcome) => outcome.status === 'rejected' && (outcome.reason as { code: number }).code)).toEqual(Array(4).fill(grpcStatus.DEADLINE_EXCEEDED));
      await expect(health.check(pluginHealthName('healthy-b'))).resolves.toBe('SERVING');
      await expect(biography('healthy-b', 'after')).resolves.toEqual({ biography: 'fixture:after:calls=1' });
      // The spinning plugin itself ran for its whole time limit: that one is its own failure.
      await expect(spinning).resolves.toMatchObject(status(grpcStatus.DEADLINE_EXCEEDED, /plugin spin: export metadata_agent_get_artist_biography did not finish within its 1000 ms time limit/));
    });

    it('fan-out skips a plugin that used up its own time limit and asks the next one', async () => {
      // spin comes first (Plugins.Order); each plugin gets its own time limit, so healthy-a still answers.
      await expect(s.clients.call(s.clients.metadataAgent, 'GetArtistBiography', { name: 'fan' })).resolves.toEqual({ biography: 'fixture:fan:calls=1' });
    });
  });

  describe('at load time', () => {
    // Named to sort (and so start loading) before the healthy plugin.
    const plugins = new PluginsFolder().copy('fixture', 'z-healthy');
    let s: TestSidecar;

    beforeAll(async () => {
      const spinsAtStart = metadataAgentWat({ body: '(i64.const 0)', extra: '(func $spin (loop $forever (br $forever))) (start $spin)' });
      for (const id of ['a-spin-start-1', 'a-spin-start-2']) plugins.write(id, { manifest: manifestFor(['MetadataAgent']), wasm: await watToWasm(spinsAtStart, `${id}.wat`) });
      s = await startTestSidecar(plugins.folder, ['--plugins-min-workers', '2', '--plugins-max-workers', '2', '--plugins-init-timeout', '2s']);
    });
    afterAll(async () => {
      await s.close();
      plugins.cleanup();
    });

    it('two plugins whose start function spins hold both workers, and a healthy plugin still loads', async () => {
      const states = Object.fromEntries(s.sidecar.plugins.list().map(({ id, state, error }) => [id, { state, kind: error?.kind, message: error?.message }]));
      expect(states).toEqual({
        'a-spin-start-1': { state: 'failed', kind: 'plugin_timeout', message: 'plugin a-spin-start-1: export metadata_agent_api_version did not finish within its 2000 ms time limit' },
        'a-spin-start-2': { state: 'failed', kind: 'plugin_timeout', message: 'plugin a-spin-start-2: export metadata_agent_api_version did not finish within its 2000 ms time limit' },
        'z-healthy': { state: 'ready', kind: undefined, message: undefined },
      });
      await expect(s.clients.call(s.clients.metadataAgent, 'GetArtistBiography', { name: 'Ann' }, { plugin: 'z-healthy' })).resolves.toEqual({ biography: 'fixture:Ann:calls=1' });
    });
  });
});

describe('hostile timer use', () => {
  const plugins = new PluginsFolder().copy('timer-fixture', 'hog').copy('timer-fixture', 'bystander');
  const dataFolder = path.join(plugins.root, 'data');
  const running: TestSidecar[] = [];

  afterAll(async () => {
    await Promise.all(running.map((s) => s.close()));
    plugins.cleanup();
  });

  async function start(): Promise<TestSidecar> {
    const s = await startConfiguredSidecar(plugins.folder, { dataFolder, args: ['--plugins-max-timer-payload-bytes-per-plugin', '200000'] });
    running.push(s);
    return s;
  }
  const register = async (s: TestSidecar, plugin: string, id: string, payload: string) =>
    (await s.clients.call(s.clients.metadataAgent, 'GetArtistBiography', { name: `register:${id}:3600:${payload}` }, { plugin })).biography as string;

  it('a payload over the per-timer cap, then over the per-plugin total, is refused in TimerResponse; other plugins register as before', async () => {
    const s = await start();
    expect(await register(s, 'hog', 'huge', 'x'.repeat(70_000))).toBe('timer_id=;error=payload is 70000 bytes, over the 65536-byte cap for one timer (Plugins.MaxTimerPayloadBytes)');
    for (const id of ['a', 'b', 'c']) expect(await register(s, 'hog', id, 'x'.repeat(60_000))).toBe(`timer_id=${id};error=`);
    expect(await register(s, 'hog', 'd', 'x'.repeat(60_000))).toMatch(/^timer_id=;error=plugin hog's timers would hold 240000 bytes of payload, over the 200000-byte cap per plugin/);
    expect(await register(s, 'bystander', 'ok', 'small')).toBe('timer_id=ok;error=');
    expect([s.sidecar.timers.count('hog'), s.sidecar.timers.count('bystander')]).toEqual([3, 1]);
    await s.close();
    running.splice(running.indexOf(s), 1);
  });

  it('while timers.json cannot be written, registrations answer with the reason; a restart shows exactly the acknowledged timers', async () => {
    const s = await start();
    const blocker = path.join(dataFolder, 'timers.json.tmp');
    mkdirSync(blocker);
    expect(await register(s, 'bystander', 'refused', 'x')).toMatch(/^timer_id=;error=timer refused was not registered: the timer file could not be written \(/);
    expect(await register(s, 'hog', 'refused', 'x')).toMatch(/could not be written/);
    rmSync(blocker, { recursive: true });
    expect(await register(s, 'bystander', 'kept', 'x')).toBe('timer_id=kept;error=');
    await s.close();
    running.splice(running.indexOf(s), 1);

    const restarted = await start();
    expect([restarted.sidecar.timers.count('hog'), restarted.sidecar.timers.count('bystander')]).toEqual([3, 2]);
  });
});

