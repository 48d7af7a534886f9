import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { TimerService, type TimerServiceOptions } from '../../../src/host/timer';
import { CapturedLog } from '../../helpers/capture-log';
import { FireRecorder } from './fire-recorder';

const DAY_S = 24 * 60 * 60;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function request(timerId: string, delay: number, payload = '') {
  return { timerId, delay, payload: Buffer.from(payload) };
}

describe('TimerService', () => {
  let folder: string;
  let file: string;
  let recorder: FireRecorder;
  const services: TimerService[] = [];

  beforeEach(() => {
    folder = mkdtempSync(path.join(tmpdir(), 'ndphost-timer-'));
    file = path.join(folder, 'timers.json');
    recorder = new FireRecorder();
  });
  afterEach(async () => {
    await Promise.all(services.splice(0).map((s) => s.close()));
    rmSync(folder, { recursive: true, force: true });
  });

  async function startService(options: Partial<TimerServiceOptions> = {}): Promise<TimerService> {
    const service = new TimerService({ file, fire: recorder.fire, log: pino({ level: 'silent' }), ...options });
    services.push(service);
    await service.start();
    return service;
  }

  /**
   * Registers a delay-0 timer for another plugin and waits for it. Timeouts armed earlier with
   * delay 0 fire first, so once this one has fired, anything that was going to fire already has.
   */
  async function barrier(service: TimerService): Promise<void> {
    const { timerId } = await service.register('barrier', request('', 0));
    await recorder.waitUntil((fired) => fired.some((f) => f.timerId === timerId));
  }

  function firedBy(pluginId: string) {
    return recorder.fired.filter((f) => f.pluginId === pluginId);
  }

  test('a timer fires once with its plugin id, timer id and payload, and is then forgotten', async () => {
    const service = await startService();
    expect(await service.register('wikibio', request('refresh', 0, 'hello'))).toEqual({ timerId: 'refresh', error: '' });
    await recorder.waitFor(1);
    expect(recorder.fired).toEqual([{ pluginId: 'wikibio', timerId: 'refresh', payload: 'hello' }]);
    expect(service.count('wikibio')).toBe(0);
    await barrier(service);
    expect(firedBy('wikibio')).toHaveLength(1);
  });

  test('an empty timer id gets a generated one, which the callback receives', async () => {
    const service = await startService();
    const response = await service.register('wikibio', request('', 0));
    expect(response.error).toBe('');
    expect(response.timerId).toMatch(UUID);
    await recorder.waitFor(1);
    expect(recorder.fired[0].timerId).toBe(response.timerId);
  });

  test('re-registering an id replaces the timer: only the new payload fires, once', async () => {
    const service = await startService();
    // Both in one turn, so the first cannot fire before it is replaced.
    await Promise.all([service.register('wikibio', request('t', 0, 'old')), service.register('wikibio', request('t', 0, 'new'))]);
    await barrier(service);
    expect(firedBy('wikibio')).toEqual([{ pluginId: 'wikibio', timerId: 't', payload: 'new' }]);
  });

  test('replacing a far-off timer with a due one fires the new payload', async () => {
    const service = await startService();
    await service.register('wikibio', request('t', DAY_S, 'old'));
    await service.register('wikibio', request('t', 0, 'new'));
    await barrier(service);
    expect(firedBy('wikibio')).toEqual([{ pluginId: 'wikibio', timerId: 't', payload: 'new' }]);
  });

  test('a cancelled timer never fires', async () => {
    const service = await startService();
    const registered = service.register('wikibio', request('t', 0));
    expect(await service.cancel('wikibio', { timerId: 't' })).toEqual({ success: true, error: '' });
    await registered;
    expect(service.count('wikibio')).toBe(0);
    await barrier(service);
    expect(firedBy('wikibio')).toEqual([]);
  });

  test('cancelling an unknown id reports no success and names the id', async () => {
    const service = await startService();
    expect(await service.cancel('wikibio', { timerId: 'nope' })).toEqual({ success: false, error: 'no timer nope' });
  });

  test('a negative delay is refused', async () => {
    const service = await startService();
    const response = await service.register('wikibio', request('t', -1));
    expect(response.timerId).toBe('');
    expect(response.error).toMatch(/delay/);
    expect(service.count('wikibio')).toBe(0);
  });

  test('a plugin cannot cancel or replace another plugin timer', async () => {
    const service = await startService();
    await service.register('a', request('t', DAY_S, 'from a'));
    expect(await service.cancel('b', { timerId: 't' })).toEqual({ success: false, error: 'no timer t' });
    expect(service.count('a')).toBe(1);
    await service.register('b', request('t', DAY_S, 'from b'));
    expect([service.count('a'), service.count('b')]).toEqual([1, 1]);
  });

  test('the same id in two plugins fires for each with its own payload', async () => {
    const service = await startService();
    await Promise.all([service.register('a', request('same', 0, 'for a')), service.register('b', request('same', 0, 'for b'))]);
    await recorder.waitFor(2);
    expect(recorder.fired).toEqual(
      expect.arrayContaining([
        { pluginId: 'a', timerId: 'same', payload: 'for a' },
        { pluginId: 'b', timerId: 'same', payload: 'for b' },
      ]),
    );
  });

  test('the per-plugin cap refuses a new id beyond it, but not a replacement or another plugin', async () => {
    const service = await startService({ maxTimersPerPlugin: 3 });
    for (const id of ['t1', 't2', 't3']) expect((await service.register('a', request(id, DAY_S))).error).toBe('');
    const refused = await service.register('a', request('t4', DAY_S));
    expect(refused.timerId).toBe('');
    expect(refused.error).toMatch(/3 timers/);
    expect((await service.register('a', request('t2', 2 * DAY_S))).error).toBe('');
    expect((await service.register('b', request('t4', DAY_S))).error).toBe('');
    expect([service.count('a'), service.count('b')]).toEqual([3, 1]);
  });

  test('cancelAll cancels every timer of one plugin and persists it', async () => {
    const service = await startService();
    await service.register('b', request('kept', DAY_S));
    // Same turn as cancelAll, so none of them can fire first.
    const registered = ['x', 'y', 'z'].map((id) => service.register('a', request(id, 0)));
    await service.cancelAll('a');
    await Promise.all(registered);
    expect([service.count('a'), service.count('b')]).toEqual([0, 1]);
    await barrier(service);
    expect(firedBy('a')).toEqual([]);

    await service.close();
    const restarted = await startService();
    expect([restarted.count('a'), restarted.count('b')]).toEqual([0, 1]);
  });

  test('a rejected callback is logged at error with the plugin id and timer id', async () => {
    const captured = new CapturedLog();
    recorder = new FireRecorder(() => Promise.reject(new Error('guest trapped')));
    const service = await startService({ log: captured.log });
    await service.register('wikibio', request('t', 0));
    const line = await captured.waitFor((l) => l.level === 50);
    expect(line).toMatchObject({ pluginId: 'wikibio', timerId: 't', err: { message: 'guest trapped' } });
  });

  test('a delay longer than one setTimeout waits instead of overflowing', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      const service = await startService();
      // 30 days is past 2^31-1 ms; Node would fire such a setTimeout after 1 ms.
      await service.register('wikibio', request('far', 30 * DAY_S));
      await barrier(service);
      expect(firedBy('wikibio')).toEqual([]);
      expect(service.count('wikibio')).toBe(1);
      expect(warnings).not.toContain('TimeoutOverflowWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });

  describe('persistence', () => {
    function writeTimerFile(timers: { pluginId: string; timerId: string; dueAt: number; payload: string }[]): void {
      const entries = timers.map((t) => ({ ...t, payload: Buffer.from(t.payload).toString('base64') }));
      writeFileSync(file, JSON.stringify({ version: 1, timers: entries }));
    }

    test('a pending timer survives a restart', async () => {
      const first = await startService();
      await first.register('wikibio', request('later', 1000, 'kept'));
      await first.close();
      const second = await startService();
      expect(second.count('wikibio')).toBe(1);
      await barrier(second);
      expect(firedBy('wikibio')).toEqual([]);
    });

    test('a timer that came due while the sidecar was down fires once after start, and not after another restart', async () => {
      writeTimerFile([
        { pluginId: 'wikibio', timerId: 'missed', dueAt: Date.now() - 60_000, payload: 'late' },
        { pluginId: 'wikibio', timerId: 'future', dueAt: Date.now() + 1000 * DAY_S * 1000, payload: 'soon' },
      ]);
      const first = await startService();
      await recorder.waitFor(1);
      expect(recorder.fired).toEqual([{ pluginId: 'wikibio', timerId: 'missed', payload: 'late' }]);
      expect(first.count('wikibio')).toBe(1);
      await first.close();

      const second = await startService();
      expect(second.count('wikibio')).toBe(1);
      await barrier(second);
      expect(firedBy('wikibio')).toHaveLength(1);
    });

    test('a cancelled timer stays cancelled after a restart', async () => {
      const first = await startService();
      await first.register('wikibio', request('t', 1000));
      await first.cancel('wikibio', { timerId: 't' });
      await first.close();
      expect((await startService()).count('wikibio')).toBe(0);
    });

    test('the file is readable by the sidecar user only and no temp file is left', async () => {
      const service = await startService();
      await service.register('wikibio', request('t', 1000, 'secret'));
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readdirSync(folder)).toEqual(['timers.json']);
    });

    test('the data folder is created when missing', async () => {
      file = path.join(folder, 'data', 'timers.json');
      const service = await startService();
      await service.register('wikibio', request('t', 1000));
      expect(JSON.parse(readFileSync(file, 'utf8')).timers).toHaveLength(1);
    });

    test.each([
      ['not JSON', '{"version": 1, "timers": ['],
      ['an unknown version', '{"version": 2, "timers": []}'],
      ['a bad entry', '{"version": 1, "timers": [{"pluginId": "a", "timerId": "t", "dueAt": "soon", "payload": ""}]}'],
    ])('a file with %s is logged, moved aside, and start-up goes on', async (_case, text) => {
      writeFileSync(file, text);
      const captured = new CapturedLog();
      const service = await startService({ log: captured.log });
      expect(service.count('a')).toBe(0);

      const aside = readdirSync(folder).filter((name) => /^timers\.json\.corrupt-\d+$/.test(name));
      expect(aside).toHaveLength(1);
      expect(readFileSync(path.join(folder, aside[0]), 'utf8')).toBe(text);
      expect(captured.lines.find((l) => l.level === 50)).toMatchObject({ path: file, movedTo: path.join(folder, aside[0]) });

      expect((await service.register('a', request('t', 1000))).error).toBe('');
      expect(JSON.parse(readFileSync(file, 'utf8')).timers).toHaveLength(1);
    });

    test('an unreadable file (a folder in its place) is moved aside too', async () => {
      mkdirSync(file);
      const captured = new CapturedLog();
      const service = await startService({ log: captured.log });
      expect(service.count('a')).toBe(0);
      expect(readdirSync(folder).some((name) => name.startsWith('timers.json.corrupt-'))).toBe(true);
      expect(captured.lines.find((l) => l.level === 50)).toMatchObject({ path: file });
    });
  });
});
