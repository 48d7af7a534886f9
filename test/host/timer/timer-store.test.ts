import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { StoredTimer } from '../../../src/host/timer/timer-file';
import { TimerStore } from '../../../src/host/timer/timer-store';
import { CapturedLog } from '../../helpers/capture-log';

function timer(timerId: string): StoredTimer {
  return { pluginId: 'wikibio', timerId, dueAt: 1_000, payload: Buffer.from(timerId) };
}

function idsIn(file: string): string[] {
  return (JSON.parse(readFileSync(file, 'utf8')) as { timers: { timerId: string }[] }).timers.map((t) => t.timerId);
}

describe('TimerStore', () => {
  let folder: string;
  let file: string;

  beforeEach(() => {
    folder = mkdtempSync(path.join(tmpdir(), 'ndphost-timer-store-'));
    file = path.join(folder, 'timers.json');
  });
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  test('what it saves, it loads, payload bytes included', async () => {
    const store = new TimerStore({ file, log: pino({ level: 'silent' }) });
    const saved = [timer('a'), { ...timer('b'), payload: Uint8Array.of(0, 255, 10) }];
    await store.save(() => saved);
    const loaded = await new TimerStore({ file, log: pino({ level: 'silent' }) }).load();
    expect(loaded.map((t) => ({ ...t, payload: [...t.payload] }))).toEqual(saved.map((t) => ({ ...t, payload: [...t.payload] })));
  });

  test('a missing file loads as no timers', async () => {
    expect(await new TimerStore({ file, log: pino({ level: 'silent' }) }).load()).toEqual([]);
  });

  test('saves in one turn share one write of the latest timers', async () => {
    const store = new TimerStore({ file, log: pino({ level: 'silent' }) });
    const snapshots: string[] = [];
    const saves = ['a', 'b', 'c'].map((id) => store.save(() => (snapshots.push(id), [timer(id)])));
    await Promise.all(saves);
    expect(snapshots).toEqual(['c']);
    expect(idsIn(file)).toEqual(['c']);
  });

  test('saves made while a write runs wait for it, then share one more write', async () => {
    const store = new TimerStore({ file, log: pino({ level: 'silent' }) });
    const snapshots: string[] = [];
    let during: Promise<void>[] = [];
    let onDiskWhenSecondStarted: string[] = [];
    const first = store.save(() => {
      snapshots.push('first');
      // The first write has taken its snapshot and is about to touch the disk.
      during = ['x', 'y'].map((id) =>
        store.save(() => {
          snapshots.push(id);
          onDiskWhenSecondStarted = idsIn(file);
          return [timer(id)];
        }),
      );
      return [timer('first')];
    });
    await first;
    await Promise.all(during);
    expect(snapshots).toEqual(['first', 'y']);
    expect(onDiskWhenSecondStarted).toEqual(['first']);
    expect(idsIn(file)).toEqual(['y']);
  });

  test('a failed write is logged with the path and does not reject', async () => {
    const blocker = path.join(folder, 'blocker');
    writeFileSync(blocker, '');
    const captured = new CapturedLog();
    const badFile = path.join(blocker, 'timers.json');
    const store = new TimerStore({ file: badFile, log: captured.log });
    await expect(store.save(() => [timer('a')])).resolves.toBeUndefined();
    expect(captured.lines.find((l) => l.level === 50)).toMatchObject({ path: badFile });
  });
});
