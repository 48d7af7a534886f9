import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { NdpError } from '../../../src/errors';
import { isObject, PersistedRecords, releaseOwnerInFile, type RecordCodec } from '../../../src/host/persist';

/** A small codec of its own, as a second service (schedules) would bring: { owner, id, note }. */
const NOTES: RecordCodec<string> = {
  list: 'notes',
  version: 3,
  encode: ({ owner, id, value }) => ({ owner, id, note: value }),
  decode: (entry) =>
    isObject(entry) && typeof entry.owner === 'string' && typeof entry.id === 'string' && typeof entry.note === 'string'
      ? { owner: entry.owner, id: entry.id, value: entry.note }
      : { problem: 'needs string owner, id and note' },
};

const silent = pino({ level: 'silent' });

let folder: string;
let file: string;

beforeEach(() => {
  folder = mkdtempSync(path.join(tmpdir(), 'ndphost-records-'));
  file = path.join(folder, 'notes.json');
});
afterEach(() => rmSync(folder, { recursive: true, force: true }));

describe('PersistedRecords', () => {
  const onDisk = (): unknown => JSON.parse(readFileSync(file, 'utf8'));
  const store = (changes: string[] = []) => new PersistedRecords({ file, codec: NOTES, log: silent, onChange: (owner, id, value) => changes.push(`${owner}/${id}=${value ?? '-'}`) });

  test('what it commits it writes in its own format, owner-only, and a new store loads it', async () => {
    const first = store();
    expect(await first.commit([{ owner: 'p', id: 'a', value: 'one' }, { owner: 'q', id: 'a', value: 'two' }])).toEqual({ ok: true });
    expect(onDisk()).toEqual({ version: 3, notes: [{ owner: 'p', id: 'a', note: 'one' }, { owner: 'q', id: 'a', note: 'two' }] });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(folder)).toEqual(['notes.json']);

    const second = store();
    await second.load();
    expect([...second.all()]).toEqual([
      { owner: 'p', id: 'a', value: 'one' },
      { owner: 'q', id: 'a', value: 'two' },
    ]);
  });

  test('a commit is in force only once written, and onChange follows the records in force in order', async () => {
    const changes: string[] = [];
    const records = store(changes);
    const committing = records.commit([{ owner: 'p', id: 'a', value: 'one' }]);
    expect(records.owned('p').size).toBe(0);
    expect(records.pending('p')).toEqual(new Map([['a', 'one']]));
    await committing;
    await records.commit([{ owner: 'p', id: 'a', value: 'two' }, { owner: 'p', id: 'a' }]);
    expect(changes).toEqual(['p/a=one', 'p/a=two', 'p/a=-']);
    expect(records.owned('p').size).toBe(0);
  });

  test('commits made in one turn share one write; those made during a write share the next', async () => {
    // encode runs once per entry per write, so the count tells how many writes carried what.
    let encoded = 0;
    const codec: RecordCodec<string> = { ...NOTES, encode: (record) => (encoded++, NOTES.encode(record)) };
    const records = new PersistedRecords({ file, codec, log: silent });
    await Promise.all(['a', 'b', 'c'].map((id) => records.commit([{ owner: 'p', id, value: id }])));
    expect(encoded).toBe(3);

    const first = records.commit([{ owner: 'p', id: 'd', value: 'd' }]);
    // The write of d starts a turn later and has encoded its four entries before touching the disk.
    await Promise.resolve();
    await Promise.resolve();
    expect(encoded).toBe(7);
    const during = [records.commit([{ owner: 'p', id: 'e', value: 'e' }]), records.commit([{ owner: 'p', id: 'f', value: 'f' }])];
    await Promise.all([first, ...during]);
    expect(encoded).toBe(13);
    expect((onDisk() as { notes: unknown[] }).notes).toHaveLength(6);
  });

  test('a failed write refuses every commit it carried and changes nothing; applied changes stay and are written next time', async () => {
    const records = store();
    await records.commit([{ owner: 'p', id: 'kept', value: 'k' }]);
    mkdirSync(`${file}.tmp`);
    const applied = records.apply([{ owner: 'q', id: 'host', value: 'h' }]);
    const results = await Promise.all([records.commit([{ owner: 'p', id: 'x', value: 'x' }]), records.commit([{ owner: 'p', id: 'kept' }])]);
    await applied;
    expect(results).toEqual([
      { ok: false, error: expect.stringMatching(/directory/i) },
      { ok: false, error: expect.stringMatching(/directory/i) },
    ]);
    expect([...records.all()]).toEqual([
      { owner: 'p', id: 'kept', value: 'k' },
      { owner: 'q', id: 'host', value: 'h' },
    ]);
    expect(records.pending('p')).toEqual(new Map([['kept', 'k']]));
    expect(onDisk()).toEqual({ version: 3, notes: [{ owner: 'p', id: 'kept', note: 'k' }] });

    rmSync(`${file}.tmp`, { recursive: true });
    await records.flush();
    expect(onDisk()).toEqual({ version: 3, notes: [{ owner: 'p', id: 'kept', note: 'k' }, { owner: 'q', id: 'host', note: 'h' }] });
  });

  test('an applied change made while a write runs is written by one more write', async () => {
    const records = store();
    const committing = records.commit([{ owner: 'p', id: 'a', value: 'a' }]);
    await Promise.resolve();
    await Promise.resolve();
    const applying = records.apply([{ owner: 'p', id: 'b', value: 'b' }]);
    await Promise.all([committing, applying]);
    await records.flush();
    expect(onDisk()).toEqual({ version: 3, notes: [{ owner: 'p', id: 'b', note: 'b' }, { owner: 'p', id: 'a', note: 'a' }] });
  });
});

describe('releaseOwnerInFile', () => {
  test("removes one owner's records and keeps every other entry as it was, bad ones included", async () => {
    const bad = { owner: 'p', id: 7 };
    writeFileSync(
      file,
      JSON.stringify({ version: 3, notes: [{ owner: 'p', id: 'a', note: '1' }, bad, { owner: 'q', id: 'a', note: '2' }, { owner: 'p', id: 'b', note: '3' }] }),
    );
    expect(await releaseOwnerInFile(file, NOTES, 'p')).toBe(2);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ version: 3, notes: [bad, { owner: 'q', id: 'a', note: '2' }] });
    expect(await releaseOwnerInFile(file, NOTES, 'p')).toBe(0);
  });

  test('a missing file releases nothing and writes nothing', async () => {
    expect(await releaseOwnerInFile(file, NOTES, 'p')).toBe(0);
    expect(readdirSync(folder)).toEqual([]);
  });

  test('an unusable file is left alone and the error names it', async () => {
    writeFileSync(file, '{ not json');
    const error = await releaseOwnerInFile(file, NOTES, 'p').catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(NdpError);
    expect(error).toMatchObject({ kind: 'failed_precondition', path: file, message: expect.stringMatching(/not valid JSON.*notes of p in it were not removed/) });
    expect(readFileSync(file, 'utf8')).toBe('{ not json');
  });
});
