import yauzl, { type Entry } from 'yauzl';
import { isPackageFileName, PACKAGE_FILES, type PackageFileName } from './package-layout';

// Unix file type bits, kept in the high 16 bits of a central directory entry's external attributes.
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
/** MS-DOS "directory" attribute, in the low byte of the external attributes. */
const DOS_DIRECTORY = 0x10;

/** An entry accepted by name and type, or why it is refused. */
export type EntryCheck = { readonly ok: true; readonly name: PackageFileName } | { readonly ok: false; readonly problem: string };

/**
 * Checks one central directory entry (opened with `decodeStrings: false`): a plain file with one
 * of the four allowed names passes. The rules run from most to least alarming, so `../evil` is
 * reported as path traversal rather than as merely an unknown name.
 */
export function checkEntry(entry: Entry): EntryCheck {
  // yauzl's own decoder (UTF-8 flag, Info-ZIP Unicode path field, else CP437); strict, so a
  // backslash stays a backslash for namePathProblem to see.
  const name = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, true);
  const refused = (problem: string): EntryCheck => ({ ok: false, problem: `entry ${JSON.stringify(name)} ${problem}` });
  const problem = namePathProblem(name) ?? entryTypeProblem(entry, name);
  if (problem) return refused(problem);
  if (entry.isEncrypted()) return refused('is encrypted');
  if (!entry.canDecodeFileData()) return refused(`uses compression method ${entry.compressionMethod}; only stored (0) and deflate (8) are supported`);
  if (!isPackageFileName(name)) return refused(`is not allowed: a package holds only ${PACKAGE_FILES.join(', ')}, at its root`);
  return { ok: true, name };
}

function namePathProblem(name: string): string | undefined {
  if (name === '') return 'has an empty name';
  if (name.includes('\0')) return 'has a NUL character in its name';
  // Checked before yauzl's own rules so the message names the attack, and because a backslash
  // is a separator on Windows: `..\evil` is traversal there.
  if (name.includes('\\')) return 'has a backslash in its name (a path separator on Windows)';
  if (name.startsWith('/')) return 'is an absolute path';
  if (/^[A-Za-z]:/.test(name)) return 'starts with a drive letter';
  if (name.split('/').includes('..')) return 'has a ".." path segment (it would land outside the plugin folder)';
  const yauzlProblem = yauzl.validateFileName(name);
  if (yauzlProblem) return `has an unsafe name: ${yauzlProblem}`;
  return undefined;
}

function entryTypeProblem(entry: Entry, name: string): string | undefined {
  // The type bits are honoured whatever "version made by" claims: a symlink is refused even from
  // a tool that says it is MS-DOS.
  const type = (entry.externalFileAttributes >>> 16) & S_IFMT;
  if (type === S_IFLNK) return 'is a symbolic link';
  if (name.endsWith('/') || type === S_IFDIR || (entry.externalFileAttributes & DOS_DIRECTORY) !== 0) {
    return 'is a folder: a package holds files at its root only';
  }
  if (type !== 0 && type !== S_IFREG) return `is a special file (type 0o${type.toString(8)}), not a regular file`;
  return undefined;
}
