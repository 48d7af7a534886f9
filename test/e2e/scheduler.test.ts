import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { status as grpcStatus } from '@grpc/grpc-js';
import { status } from '../helpers/api-clients';
import { pluginConfigSection, startConfiguredSidecar } from '../helpers/configured-sidecar';
import { PluginsFolder } from '../helpers/plugins-folder';
import { RecordingHttpServer, type RecordedRequest } from '../helpers/recording-http-server';
import { copyReleased, reportPermission } from '../helpers/released-plugin';
import type { TestSidecar } from '../helpers/test-sidecar';

// The scheduler host service through the real sidecar and a real wasm plugin built with the SDK
// (test/fixtures/plugins/scheduler-fixture): every firing is a POST to a local HTTP server, and
// every wait is on one of those.

const firing = (plugin: string, scheduleId?: string) => (r: RecordedRequest) =>
  r.path === `/fired/${plugin}` && (scheduleId === undefined || r.headers['x-schedule-id'] === scheduleId);

describe('scheduler host service', () => {
  const plugins = new PluginsFolder();
  let server: RecordingHttpServer;
  let s: TestSidecar;
  let barriers = 0;

  beforeAll(async () => {
    server = await RecordingHttpServer.start();
    for (const id of ['sched-a', 'sched-b']) copyReleased(plugins, 'scheduler-fixture', id, reportPermission(server.url()));
    s = await startConfiguredSidecar(plugins.folder, {
      toml: ['sched-a', 'sched-b'].map((id) => pluginConfigSection(id, { report_url: server.url(`/fired/${id}`) })).join('\n'),
      args: ['--plugins-min-workers', '1', '--plugins-max-schedules', '20'],
    });
  });
  afterAll(async () => {
    await s?.close();
    await server?.close();
    plugins.cleanup();
  });

  const call = async (plugin: string, command: string): Promise<string> =>
    (await s.clients.call(s.clients.metadataAgent, 'GetArtistBiography', { name: command }, { plugin })).biography as string;
  const fired = (plugin: string, scheduleId: string) => server.matching(firing(plugin, scheduleId));

  /** A one-time schedule `delay` s out, waited for: anything due before it has fired by then. */
  async function barrier(plugin: string, delay: number): Promise<void> {
    const id = `barrier-${++barriers}`;
    expect(await call(plugin, `once:${id}:${delay}:x`)).toBe(`schedule_id=${id};error=`);
    await server.waitFor(firing(plugin, id));
  }

  it('a one-time schedule fires once into OnSchedulerCallback with its id, payload and is_recurring false', async () => {
    expect(await call('sched-a', 'once:o1:0:first payload')).toBe('schedule_id=o1;error=');
    const request = await server.waitFor(firing('sched-a', 'o1'));
    expect(request.body.toString()).toBe('first payload');
    expect(request.headers['x-recurring']).toBe('false');
    await barrier('sched-a', 0);
    expect(fired('sched-a', 'o1')).toHaveLength(1);
    expect(s.sidecar.host.scheduler.count('sched-a')).toBe(0);
  });

  it('"@every 1s" fires every second with is_recurring true until cancelled', async () => {
    expect(await call('sched-a', 'cron:tick:ticking:@every 1s')).toBe('schedule_id=tick;error=');
    await server.waitFor((r) => firing('sched-a', 'tick')(r) && fired('sched-a', 'tick').length >= 3);
    expect(fired('sched-a', 'tick').every((r) => r.headers['x-recurring'] === 'true' && r.body.toString() === 'ticking')).toBe(true);
    expect(await call('sched-a', 'cancel:tick')).toBe('success=true;error=');
    const count = fired('sched-a', 'tick').length;
    // Two seconds later a tick that was still coming would have come.
    await barrier('sched-a', 2);
    expect(fired('sched-a', 'tick')).toHaveLength(count);
  });

  it('an empty id gets a generated one, echoed to the callback', async () => {
    const [, id] = /^schedule_id=([A-Za-z0-9_-]{10});error=$/.exec(await call('sched-a', 'once::0:anonymous')) ?? [];
    expect(id).toBeDefined();
    expect((await server.waitFor(firing('sched-a', id))).body.toString()).toBe('anonymous');
  });

  it('reusing an id replaces the schedule, of either kind', async () => {
    expect(await call('sched-a', 'cron:swap:recurring:@every 1s')).toBe('schedule_id=swap;error=');
    expect(await call('sched-a', 'once:swap:1:one-time')).toBe('schedule_id=swap;error=');
    await server.waitFor(firing('sched-a', 'swap'));
    await barrier('sched-a', 2);
    expect(fired('sched-a', 'swap').map((r) => r.body.toString())).toEqual(['one-time']);
  });

  it.each([
    ['six fields (seconds), which released Navidrome never accepted', '*/2 * * * * *', /^expected exactly 5 fields \(minute hour day-of-month month day-of-week\), found 6/],
    ['a value out of range', '61 * * * *', /^bad cron expression "61 \* \* \* \*": Invalid value for minute: 61/],
    ['an unknown descriptor', '@reboot', /^unrecognized descriptor "@reboot"$/],
    ['a bad @every duration', '@every soon', /^bad duration in "@every soon"/],
    ['an unknown time zone', 'TZ=Mars/Olympus 0 9 * * *', /^unknown time zone "Mars\/Olympus"/],
  ])('%s is an error in the response (not a trap), and the schedule under that id is kept', async (_, expression, message) => {
    expect(await call('sched-b', 'cron:kept:k:@daily')).toBe('schedule_id=kept;error=');
    const answer = await call('sched-b', `cron:kept:x:${expression}`);
    const [, scheduleId, error] = /^schedule_id=(.*?);error=(.*)$/.exec(answer) ?? [];
    expect(scheduleId).toBe('');
    expect(error).toMatch(message);
    expect(s.sidecar.host.scheduler.count('sched-b')).toBe(1);
    expect(await call('sched-b', 'cancel:kept')).toBe('success=true;error=');
  });

  it.each(['0 9 * * MON-FRI', '*/15 0-6,22 ? JAN-MAR,dec sun', '@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly', '@every 1h30m', 'TZ=Europe/Berlin 0 9 * * *', 'CRON_TZ=UTC @hourly'])(
    'accepts the released dialect: %s',
    async (expression) => {
      expect(await call('sched-b', `cron:dialect:x:${expression}`)).toBe('schedule_id=dialect;error=');
      expect(await call('sched-b', 'cancel:dialect')).toBe('success=true;error=');
    },
  );

  it('schedules are per plugin: the same id in two plugins, and one cannot cancel the other\'s', async () => {
    expect(await call('sched-a', 'once:shared:1:from a')).toBe('schedule_id=shared;error=');
    expect(await call('sched-b', 'cancel:shared')).toBe('success=false;error=schedule not found');
    expect(await call('sched-b', 'once:shared:1:from b')).toBe('schedule_id=shared;error=');
    await Promise.all([server.waitFor(firing('sched-a', 'shared')), server.waitFor(firing('sched-b', 'shared'))]);
    expect(fired('sched-a', 'shared').map((r) => r.body.toString())).toEqual(['from a']);
    expect(fired('sched-b', 'shared').map((r) => r.body.toString())).toEqual(['from b']);
  });

  it('caps each plugin: Plugins.MaxSchedules and the payload size', async () => {
    for (let i = 0; i < 20; i++) expect(await call('sched-b', `cron:cap-${i}:x:@daily`)).toBe(`schedule_id=cap-${i};error=`);
    expect(await call('sched-b', 'cron:cap-20:x:@daily')).toBe('schedule_id=;error=plugin sched-b already has 20 schedules, the most allowed (Plugins.MaxSchedules)');
    // Replacing one keeps the count.
    expect(await call('sched-b', 'once:cap-0:3600:x')).toBe('schedule_id=cap-0;error=');
    for (let i = 0; i < 20; i++) expect(await call('sched-b', `cancel:cap-${i}`)).toBe('success=true;error=');
    // The timers' payload caps (Plugins.MaxTimerPayloadBytes, 64 KiB by default) bound schedules too.
    const big = 'x'.repeat(64 * 1024 + 1);
    expect(await call('sched-b', `once:big:3600:${big}`)).toBe('schedule_id=;error=payload is 65537 bytes, over the 65536-byte cap for one schedule (Plugins.MaxTimerPayloadBytes)');
  });

  it('time_now gives the host clock: RFC 3339 in local time, Unix ms and the zone name', async () => {
    const before = Date.now();
    const [, rfc3339, unix, zone] = /^rfc3339=(.*);unix=(\d+);zone=(.+)$/.exec(await call('sched-a', 'now')) ?? [];
    const after = Date.now();
    expect(Number(unix)).toBeGreaterThanOrEqual(before);
    expect(Number(unix)).toBeLessThanOrEqual(after);
    expect(rfc3339).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d*[1-9])?(Z|[+-]\d\d:\d\d)$/);
    expect(Date.parse(rfc3339)).toBe(Number(unix));
    expect(zone).toBe(process.env.TZ || Intl.DateTimeFormat().resolvedOptions().timeZone);
  });

  it('SchedulerCallback is served over gRPC like TimerCallback: with x-plugin only', async () => {
    const callback = (plugin?: string) => s.clients.call(s.clients.schedulerCallback, 'OnSchedulerCallback', { schedule_id: 'by-grpc', payload: Buffer.from('from a caller'), is_recurring: true }, { plugin });
    await expect(callback('sched-a')).resolves.toEqual({ error: '' });
    const request = await server.waitFor(firing('sched-a', 'by-grpc'));
    expect([request.body.toString(), request.headers['x-recurring']]).toEqual(['from a caller', 'true']);
    await expect(callback()).rejects.toMatchObject(status(grpcStatus.INVALID_ARGUMENT, /x-plugin/));
  });

  it('a refresh cancels the plugin\'s schedules', async () => {
    expect(await call('sched-b', 'cron:gone:x:@every 1s')).toBe('schedule_id=gone;error=');
    await s.sidecar.plugins.reload('sched-b');
    expect(s.sidecar.host.scheduler.count('sched-b')).toBe(0);
  });
});

describe('schedules persist across a restart', () => {
  const plugins = new PluginsFolder();
  const dataFolder = mkdtempSync(path.join(os.tmpdir(), 'ndphost-data-'));
  let server: RecordingHttpServer;
  const running: TestSidecar[] = [];

  beforeAll(async () => {
    server = await RecordingHttpServer.start();
    copyReleased(plugins, 'scheduler-fixture', 'sched-p', reportPermission(server.url()));
  });
  afterAll(async () => {
    await Promise.all(running.map((s) => s.close()));
    await server?.close();
    plugins.cleanup();
    rmSync(dataFolder, { recursive: true, force: true });
  });

  async function start(): Promise<TestSidecar> {
    const s = await startConfiguredSidecar(plugins.folder, { toml: pluginConfigSection('sched-p', { report_url: server.url('/fired/sched-p') }), args: ['--plugins-min-workers', '1'], dataFolder });
    running.push(s);
    return s;
  }
  async function stop(s: TestSidecar): Promise<void> {
    await s.close();
    running.splice(running.indexOf(s), 1);
  }
  const call = async (s: TestSidecar, command: string) => (await s.clients.call(s.clients.metadataAgent, 'GetArtistBiography', { name: command }, { plugin: 'sched-p' })).biography as string;

  it('a recurring schedule resumes after a restart; a one-time one that fell due while down fires once', async () => {
    const first = await start();
    expect(await call(first, 'cron:tick:survives:@every 1s')).toBe('schedule_id=tick;error=');
    await server.waitFor(firing('sched-p', 'tick'));
    await stop(first);
    const file = path.join(dataFolder, 'schedules.json');
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { version: number; schedules: Record<string, unknown>[] };
    expect(stored.schedules).toEqual([{ pluginId: 'sched-p', scheduleId: 'tick', kind: 'cron', cron: '@every 1s', payload: Buffer.from('survives').toString('base64') }]);
    // A one-time schedule that came due an hour ago, while nothing ran, as the file keeps it.
    const overdue = { pluginId: 'sched-p', scheduleId: 'overdue', kind: 'once', dueAt: Date.now() - 3_600_000, payload: Buffer.from('late').toString('base64') };
    writeFileSync(file, JSON.stringify({ ...stored, schedules: [...stored.schedules, overdue, { pluginId: 'sched-p', kind: 'bogus' }] }));

    const ticksBefore = server.matching(firing('sched-p', 'tick')).length;
    const second = await start();
    expect((await server.waitFor(firing('sched-p', 'overdue'))).body.toString()).toBe('late');
    // The unreadable entry was dropped, the good ones kept; "overdue" is gone once fired.
    expect(second.sidecar.host.scheduler.count('sched-p')).toBe(1);
    await server.waitFor((r) => firing('sched-p', 'tick')(r) && server.matching(firing('sched-p', 'tick')).length > ticksBefore);
    // A later one-time schedule as a barrier: a second firing of "overdue" would have come by then.
    expect(await call(second, 'once:after:1:x')).toBe('schedule_id=after;error=');
    await server.waitFor(firing('sched-p', 'after'));
    expect(server.matching(firing('sched-p', 'overdue'))).toHaveLength(1);
  });
});
