import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { placeNew, placeOver } from '../../../src/plugins/package/place-entry';
import { snapshotFolder } from '../../helpers/folder-snapshot';

describe('placing an entry in the plugins folder', () => {
  let folder: string;

  beforeEach(() => {
    folder = mkdtempSync(path.join(os.tmpdir(), 'ndphost-place-'));
    mkdirSync(path.join(folder, 'old'));
    writeFileSync(path.join(folder, 'old', 'plugin.wasm'), 'old bytes');
    mkdirSync(path.join(folder, 'staged'));
    writeFileSync(path.join(folder, 'staged', 'plugin.wasm'), 'new bytes');
  });
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  it('placeNew will not replace even an empty folder, which rename(2) alone would', async () => {
    mkdirSync(path.join(folder, 'empty'));
    expect(await placeNew(path.join(folder, 'staged'), path.join(folder, 'empty'))).toBe(false);
    expect(readdirSync(path.join(folder, 'empty'))).toEqual([]);
  });

  it('placeOver swaps the new entry in and leaves no set-aside copy', async () => {
    await placeOver(path.join(folder, 'staged'), path.join(folder, 'old'));
    expect(readdirSync(folder)).toEqual(['old']);
    expect(readFileSync(path.join(folder, 'old', 'plugin.wasm'), 'utf8')).toBe('new bytes');
  });

  it('placeOver puts the old entry back untouched when the new one cannot be placed', async () => {
    const before = snapshotFolder(folder);
    await expect(placeOver(path.join(folder, 'missing'), path.join(folder, 'old'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(snapshotFolder(folder)).toEqual(before);
  });
});
