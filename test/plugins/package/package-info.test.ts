import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readPackageInfo } from '../../../src/plugins';
import { wikibioFiles, wikibioManifest, wikibioPackage, yazlZip } from '../../helpers/ndp-package';

describe('readPackageInfo', () => {
  let folder: string;

  beforeEach(() => {
    folder = mkdtempSync(path.join(os.tmpdir(), 'ndphost-info-'));
  });
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  it('shows the manifest, the file, its size, hash and time, and the files inside', async () => {
    const file = path.join(folder, 'wikibio.ndp');
    writeFileSync(file, await wikibioPackage());

    const info = await readPackageInfo(file);

    const bytes = readFileSync(file);
    expect(info).toMatchObject({
      file,
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      modified: statSync(file).mtime,
      manifest: { name: 'Wiki Bio', author: 'ndphost', version: '1.0.0', services: ['MetadataAgent'] },
      permissions: [],
    });
    expect(info.files.map(({ name, size }) => ({ name, size }))).toEqual([
      { name: 'manifest.json', size: wikibioFiles().manifest.length },
      { name: 'plugin.wasm', size: wikibioFiles().wasm.length },
      { name: 'README.md', size: 11 },
      { name: 'LICENSE', size: 4 },
    ]);
    expect(info.files[0].modified).toEqual(new Date('2024-05-01T10:00:00Z'));
  });

  it('lists the permissions the plugin asks for, one per host service', async () => {
    const manifest = wikibioManifest({
      permissions: {
        timer: { reason: 'retries' },
        http: { reason: 'fetch biographies', allowedUrls: { 'https://en.wikipedia.org/*': ['GET'] }, allowLocalNetwork: false },
      },
    });
    const file = path.join(folder, 'bio.ndp');
    writeFileSync(file, await yazlZip([['manifest.json', manifest], ['plugin.wasm', wikibioFiles().wasm]]));

    const info = await readPackageInfo(file);

    expect(info.permissions).toEqual([
      { hostService: 'http', reason: 'fetch biographies', allowedUrls: { 'https://en.wikipedia.org/*': ['GET'] }, allowLocalNetwork: false },
      { hostService: 'timer', reason: 'retries' },
    ]);
  });

  it('refuses a hostile package as install would', async () => {
    const file = path.join(folder, 'evil.ndp');
    writeFileSync(file, await yazlZip([['manifest.json', wikibioFiles().manifest], ['plugin.wasm', wikibioFiles().wasm], ['evil.sh', 'rm -rf /']]));
    await expect(readPackageInfo(file)).rejects.toMatchObject({ kind: 'bad_package', message: expect.stringMatching(/entry "evil\.sh" is not allowed/) });
  });
});
