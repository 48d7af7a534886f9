import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { TimerService, type TimerServiceOptions } from '../../../src/host/timer';
import { CapturedLog } from '../../helpers/capture-log';
import { FireRecorder } from './fire-recorder';

const DAY_S = 24 * 60 * 60;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The prototype every FileHandle shares, so a test can make its writes fail as a full disk does. */
async function fileHandlePrototype(): Promise<FileHandle> {
  const handle = await open(__filename, 'r');
  try {
    return Object.getPrototypeOf(handle) as FileHandle;
  } finally {
    await handle.close();
  }
}

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
    const service = await startService({ limits: { maxTimers: 3 } });
    for (const id of ['t1', 't2', 't3']) expect((await service.register('a', request(id, DAY_S))).error).toBe('');
    const refused = await service.register('a', request('t4', DAY_S));
    expect(refused.timerId).toBe('');
    expect(refused.error).toMatch(/3 timers/);
    expect((await service.register('a', request('t2', 2 * DAY_S))).error).toBe('');
    expect((await service.register('b', request('t4', DAY_S))).error).toBe('');
    expect([service.count('a'), service.count('b')]).toEqual([3, 1]);
  });

  test('a release drops the timers one plugin held at the mark, sparing later ones and other plugins, and persists it', async () => {
    const service = await startService();
    await service.register('b', request('kept', DAY_S));
    await Promise.all(['x', 'y'].map((id) => service.register('a', request(id, DAY_S))));
    const release = service.hold('a');
    // What a refreshed version's OnInit does while it loads: a new id, and a held id replaced.
    await service.register('a', request('new', DAY_S));
    await service.register('a', request('y', DAY_S, 'replaced'));
    await release();
    expect([service.count('a'), service.count('b')]).toEqual([2, 1]);

    await service.close();
    const restarted = await startService();
    expect([restarted.count('a'), restarted.count('b')]).toEqual([2, 1]);
    await restarted.register('a', request('due', 0));
    await recorder.waitUntil((fired) => fired.some((f) => f.timerId === 'due'));
    expect(firedBy('a').map((f) => f.timerId)).toEqual(['due']);
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

    test('a file with one bad entry keeps the good ones, logs the bad one with its entry, and keeps a copy of the file as it was', async () => {
      const text = JSON.stringify({
        version: 1,
        timers: [
          { pluginId: 'a', timerId: 'good1', dueAt: Date.now() + DAY_S * 1000, payload: Buffer.from('one').toString('base64') },
          { pluginId: 'a', timerId: 'bad', dueAt: 'soon', payload: '' },
          { pluginId: 'b', timerId: 'good2', dueAt: Date.now() + DAY_S * 1000, payload: '' },
        ],
      });
      writeFileSync(file, text);
      const captured = new CapturedLog();
      const service = await startService({ log: captured.log });
      expect([service.count('a'), service.count('b')]).toEqual([1, 1]);

      const [copy] = readdirSync(folder).filter((name) => /^timers\.json\.corrupt-\d+$/.test(name));
      expect(readFileSync(path.join(folder, copy), 'utf8')).toBe(text);
      const line = captured.lines.find((l) => l.level === 50);
      expect(line).toMatchObject({ path: file, keptAt: path.join(folder, copy), index: 1, problem: expect.stringMatching(/dueAt/), entry: expect.stringContaining('"timerId":"bad"') });
      // The file is rewritten without the bad entry, so the next start does not report it again.
      await service.close();
      const ids = (JSON.parse(readFileSync(file, 'utf8')) as { timers: { timerId: string }[] }).timers.map((t) => t.timerId);
      expect(ids.sort()).toEqual(['good1', 'good2']);
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

  describe('caps', () => {
    test('a payload over the per-timer cap is refused with an error naming the key, and nothing is kept', async () => {
      const service = await startService({ limits: { maxPayloadBytes: 10 } });
      expect(await service.register('a', request('fits', DAY_S, 'x'.repeat(10)))).toEqual({ timerId: 'fits', error: '' });
      const refused = await service.register('a', request('big', DAY_S, 'x'.repeat(11)));
      expect(refused).toEqual({ timerId: '', error: 'payload is 11 bytes, over the 10-byte cap for one timer (Plugins.MaxTimerPayloadBytes)' });
      expect(service.count('a')).toBe(1);
    });

    test("the per-plugin total counts every live timer's payload, a replacement counts once, other plugins are apart", async () => {
      const service = await startService({ limits: { maxPayloadBytesPerPlugin: 25 } });
      for (const id of ['t1', 't2']) expect((await service.register('a', request(id, DAY_S, 'x'.repeat(10)))).error).toBe('');
      const refused = await service.register('a', request('t3', DAY_S, 'x'.repeat(6)));
      expect(refused.error).toBe("plugin a's timers would hold 26 bytes of payload, over the 25-byte cap per plugin (Plugins.MaxTimerPayloadBytesPerPlugin)");
      // Replacing t2 with 15 bytes: 10 + 15 = 25.
      expect((await service.register('a', request('t2', DAY_S, 'x'.repeat(15)))).error).toBe('');
      expect((await service.register('b', request('t1', DAY_S, 'x'.repeat(25)))).error).toBe('');
      await service.cancel('a', { timerId: 't1' });
      expect((await service.register('a', request('t3', DAY_S, 'x'.repeat(10)))).error).toBe('');
    });

    test('registrations in flight count against the caps', async () => {
      const service = await startService({ limits: { maxTimers: 2, maxPayloadBytesPerPlugin: 1000 } });
      const answers = await Promise.all(['t1', 't2', 't3'].map((id) => service.register('a', request(id, DAY_S))));
      expect(answers.map((answer) => answer.error === '')).toEqual([true, true, false]);
      expect(service.count('a')).toBe(2);
    });

    test('a timer id over 1024 bytes is refused', async () => {
      const service = await startService();
      expect((await service.register('a', request('i'.repeat(1025), DAY_S))).error).toBe('timer id is 1025 bytes, over the 1024-byte cap');
    });
  });

  describe('when the timer file cannot be written', () => {
    /** The timer ids in the file, the barrier's left out (its removal may still be on its way). */
    const savedIds = (): string[] =>
      (JSON.parse(readFileSync(file, 'utf8')) as { timers: { pluginId: string; timerId: string }[] }).timers
        .filter((t) => t.pluginId !== 'barrier')
        .map((t) => t.timerId)
        .sort();

    test('a real failure (the data folder is a file) is reported to the plugin; the timer is neither kept nor fired; writes work again once it is fixed', async () => {
      const data = path.join(folder, 'data');
      writeFileSync(data, 'not a folder');
      file = path.join(data, 'timers.json');
      const captured = new CapturedLog();
      const service = await startService({ log: captured.log });

      const refused = await service.register('a', request('lost', 0));
      expect(refused.timerId).toBe('');
      expect(refused.error).toMatch(/^timer lost was not registered: the timer file could not be written \(.*(EEXIST|ENOTDIR).*\)$/);
      expect(service.count('a')).toBe(0);
      expect(captured.lines.find((l) => l.level === 50 && 'refused' in l)).toMatchObject({ path: file, refused: 1 });

      rmSync(data);
      expect(await service.register('a', request('kept', DAY_S))).toEqual({ timerId: 'kept', error: '' });
      await barrier(service);
      expect(firedBy('a')).toEqual([]);
      expect(savedIds()).toEqual(['kept']);
    });

    test('a temp file replaced by a folder fails a cancel too: the timer stays, armed and saved', async () => {
      const service = await startService();
      await service.register('a', request('t', DAY_S));
      mkdirSync(`${file}.tmp`);
      expect(await service.cancel('a', { timerId: 't' })).toEqual({ success: false, error: expect.stringMatching(/^timer t was not cancelled: the timer file could not be written \(/) });
      expect(service.count('a')).toBe(1);
      rmSync(`${file}.tmp`, { recursive: true });
      expect(await service.cancel('a', { timerId: 't' })).toEqual({ success: true, error: '' });
      expect(savedIds()).toEqual([]);
    });

    test('a timer whose cancel could not be saved still fires when due', async () => {
      const service = await startService();
      await service.register('a', request('t', 1));
      mkdirSync(`${file}.tmp`);
      expect((await service.cancel('a', { timerId: 't' })).success).toBe(false);
      rmSync(`${file}.tmp`, { recursive: true });
      // The cancel held the timer while it was written; refused, it is armed again and fires.
      await recorder.waitUntil((fired) => fired.some((f) => f.timerId === 't'));
      expect(firedBy('a')).toEqual([{ pluginId: 'a', timerId: 't', payload: '' }]);
    });

    test('a full disk (ENOSPC mid-write) is reported, leaves no partial temp file and the old file intact, and later writes succeed', async () => {
      const service = await startService();
      await service.register('a', request('before', DAY_S));
      const before = readFileSync(file, 'utf8');
      const proto = await fileHandlePrototype();
      const spy = jest.spyOn(proto, 'writeFile').mockImplementation(async function (this: FileHandle, data: unknown) {
        // Half the file reaches the disk, then the space runs out, as on a 64 KiB volume.
        await this.write(String(data).slice(0, 20));
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
      });
      try {
        const refused = await Promise.all(['n1', 'n2', 'n3'].map((id) => service.register('a', request(id, DAY_S))));
        expect(refused.map((answer) => answer.error)).toEqual(Array(3).fill(expect.stringContaining('ENOSPC: no space left on device')));
      } finally {
        spy.mockRestore();
      }
      expect(readdirSync(folder)).toEqual(['timers.json']);
      expect(readFileSync(file, 'utf8')).toBe(before);
      expect((await service.register('a', request('after', DAY_S))).error).toBe('');
      expect(savedIds()).toEqual(['after', 'before']);
    });

    test('a write that cannot even be encoded (Invalid string length) does not poison later registers and cancels', async () => {
      const service = await startService();
      await service.register('a', request('first', DAY_S));
      const stringify = JSON.stringify;
      let failNext = true;
      const spy = jest.spyOn(JSON, 'stringify').mockImplementation(((value: unknown, ...rest: never[]) => {
        if (failNext && typeof value === 'object' && value !== null && 'timers' in value) {
          failNext = false;
          throw new RangeError('Invalid string length');
        }
        return stringify(value, ...rest);
      }) as typeof JSON.stringify);
      try {
        expect((await service.register('a', request('huge', DAY_S))).error).toMatch(/Invalid string length/);
        expect(await service.register('a', request('next', DAY_S))).toEqual({ timerId: 'next', error: '' });
        expect(await service.cancel('a', { timerId: 'first' })).toEqual({ success: true, error: '' });
        expect(await service.register('b', request('other', DAY_S))).toEqual({ timerId: 'other', error: '' });
      } finally {
        spy.mockRestore();
      }
      expect(savedIds()).toEqual(['next', 'other']);
    });

    test('after a mix of failed and successful writes, a restart shows exactly the acknowledged timers', async () => {
      const first = await startService();
      const acknowledged = new Set<string>();
      const blocker = `${file}.tmp`;
      for (let round = 0; round < 6; round++) {
        const failing = round % 2 === 1;
        if (failing) mkdirSync(blocker);
        const registers = await Promise.all([`r${round}a`, `r${round}b`].map((id) => first.register('p', request(id, DAY_S))));
        const victim = [...acknowledged][0];
        const cancelled = victim === undefined ? undefined : await first.cancel('p', { timerId: victim });
        if (failing) rmSync(blocker, { recursive: true });
        for (const answer of registers) if (answer.error === '') acknowledged.add(answer.timerId);
        if (cancelled?.success) acknowledged.delete(victim);
        expect(registers.every((answer) => (answer.error === '') === !failing)).toBe(true);
        expect(cancelled === undefined || cancelled.success === !failing).toBe(true);
      }
      expect(first.count('p')).toBe(acknowledged.size);
      await first.close();
      const restarted = await startService();
      expect(restarted.count('p')).toBe(acknowledged.size);
      expect(savedIds()).toEqual([...acknowledged].sort());
    });
  });
});
