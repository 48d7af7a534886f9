import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { requireDebianPackages } from './debian-packages';
import { PYTHON } from './python-client';

/**
 * Packages written by zip tools we did not write, from `files` (entry name -> bytes): what a user
 * who zips a plugin by hand hands the sidecar.
 */
export const OTHER_ZIP_TOOLS = {
  /** Info-ZIP's `zip` writing a file: extended-timestamp and Unix extra fields in every header. */
  'Info-ZIP zip': (files: ReadonlyMap<string, Buffer>) => zipWith(files, 'zip', (names, out) => ['-q', '-D', out, ...names]),
  /** Info-ZIP's `zip` streaming to a pipe, which it cannot seek back in: sizes and CRC-32s only in data descriptors after each entry's data. */
  'Info-ZIP zip, streamed': (files: ReadonlyMap<string, Buffer>) => zipWith(files, 'zip', (names) => ['-q', '-D', '-', ...names]),
  /** Python's zipfile writing a file, deflated. */
  'Python zipfile': (files: ReadonlyMap<string, Buffer>) => zipWith(files, PYTHON, (names, out) => ['-c', PYTHON_ZIP, out, ...names]),
};

const PYTHON_ZIP = `
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as archive:
    for name in sys.argv[2:]:
        archive.write(name)
`;

/** Writes `files` to a scratch folder and runs `command` there; the archive is `out` or, if the tool does not name it, stdout. */
function zipWith(files: ReadonlyMap<string, Buffer>, command: string, args: (names: string[], out: string) => string[]): Buffer {
  requireDebianPackages('Other zip tools');
  const folder = mkdtempSync(path.join(os.tmpdir(), 'ndphost-zip-'));
  try {
    for (const [name, data] of files) writeFileSync(path.join(folder, name), data);
    const out = path.join(folder, 'out.zip');
    const argv = args([...files.keys()], out);
    const result = spawnSync(command, argv, { cwd: folder, maxBuffer: 64 << 20 });
    if (result.status !== 0) throw new Error(`${command} ${argv.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`}): ${result.stderr}`);
    return argv.includes(out) ? readFileSync(out) : result.stdout;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
