import { stat } from 'node:fs/promises';
import crc32 from 'buffer-crc32';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { NdpError } from '../../errors';
import { checkEntry } from './check-entry';
import { DEFAULT_PACKAGE_LIMITS, REQUIRED_FILES, type PackageFileName, type PackageLimits } from './package-layout';

/** One file found in a package (or a plugin folder), with its real decompressed size. */
export interface PackageEntry {
  readonly name: PackageFileName;
  readonly size: number;
  readonly modified: Date;
}

/** The checked files of a package, held in memory so what was validated is what gets written. */
export interface PackageContents {
  readonly files: ReadonlyMap<PackageFileName, Buffer>;
  /** In the order the package lists them. */
  readonly entries: readonly PackageEntry[];
}

const OPEN_OPTIONS: yauzl.Options = {
  // One entry at a time, so a refusal stops before anything after it is read.
  lazyEntries: true,
  // Closed in readPackage's finally, which also covers our own refusals part way through.
  autoClose: false,
  // Names are decoded in checkEntry: yauzl's default decoding quietly turns `\` into `/`.
  decodeStrings: false,
  strictFileNames: true,
  // yauzl also fails a stream whose bytes differ from the size its header claims.
  validateEntrySizes: true,
};

/**
 * Reads a `.ndp` package through yauzl and refuses anything but the four allowed root files:
 * traversal, absolute or drive-letter names, links, folders, duplicates, encryption, too many
 * entries, sizes over the caps, counted on the bytes actually inflated, and bytes that do not
 * match their CRC-32. Every problem is a `bad_package` naming the entry; a missing or non-file
 * path is an `invalid_argument`.
 */
export async function readPackage(file: string, limits: PackageLimits = DEFAULT_PACKAGE_LIMITS): Promise<PackageContents> {
  const zip = await openZip(file);
  try {
    return await readEntries(zip, file, limits);
  } catch (error) {
    if (error instanceof NdpError) throw error;
    throw refuse(file, `is not a valid ZIP archive: ${(error as Error).message}`, error);
  } finally {
    // A late error (say, closing the file) would find no listener once eachEntry has let go, and
    // EventEmitter throws those; there is nobody left to tell, so it is dropped.
    zip.on('error', () => undefined);
    zip.close();
  }
}

async function openZip(file: string): Promise<ZipFile> {
  const info = await stat(file).catch((error: NodeJS.ErrnoException) => {
    throw new NdpError('invalid_argument', `package ${file} cannot be read: ${error.code === 'ENOENT' ? 'no such file' : error.message}`, { path: file, cause: error });
  });
  if (!info.isFile()) throw new NdpError('invalid_argument', `package ${file} is not a file`, { path: file });
  try {
    return await yauzl.openPromise(file, OPEN_OPTIONS);
  } catch (error) {
    throw refuse(file, `is not a ZIP archive: ${(error as Error).message}`, error);
  }
}

async function readEntries(zip: ZipFile, file: string, limits: PackageLimits): Promise<PackageContents> {
  // The end record's count is checked before any entry is read: a directory listing millions of
  // entries is refused in one step. Should the count lie low, yauzl stops at it, and whatever
  // follows is never read, let alone written.
  if (zip.entryCount > limits.maxEntries) throw refuse(file, `lists ${zip.entryCount} entries; at most ${limits.maxEntries} are allowed`);
  const files = new Map<PackageFileName, Buffer>();
  const entries: PackageEntry[] = [];
  let total = 0;
  for await (const entry of zip.eachEntry()) {
    const check = checkEntry(entry);
    if (!check.ok) throw refuse(file, check.problem);
    const { name } = check;
    if (files.has(name)) throw refuse(file, `holds ${name} twice`);
    // Header sizes are only a cheap first look; readEntry holds the caps against the real bytes.
    if (entry.uncompressedSize > limits.maxFileBytes) throw refuse(file, overFileCap(name, limits, entry.uncompressedSize));
    if (total + entry.uncompressedSize > limits.maxTotalBytes) throw refuse(file, overTotalCap(limits));
    const data = await readEntry(zip, entry, name, file, limits, total);
    total += data.length;
    files.set(name, data);
    entries.push({ name, size: data.length, modified: entry.getLastModDate() });
  }
  const missing = REQUIRED_FILES.find((name) => !files.has(name));
  if (missing) throw refuse(file, `has no ${missing} at its root`);
  return { files, entries };
}

/**
 * Inflates one entry into memory, stopping as soon as the real bytes pass a cap, and checks them
 * against the CRC-32 the archive lists (yauzl reads it but leaves it unchecked): a package
 * damaged in transit is refused instead of installed as whatever its bytes now say.
 */
async function readEntry(zip: ZipFile, entry: Entry, name: PackageFileName, file: string, limits: PackageLimits, totalSoFar: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    const stream = await zip.openReadStreamPromise(entry);
    // Leaving the loop early (a cap) destroys the stream, so the rest is never inflated.
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limits.maxFileBytes) throw refuse(file, overFileCap(name, limits));
      if (totalSoFar + size > limits.maxTotalBytes) throw refuse(file, overTotalCap(limits));
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof NdpError) throw error;
    throw refuse(file, `entry "${name}" cannot be read: ${(error as Error).message}`, error);
  }
  const data = Buffer.concat(chunks, size);
  const actual = crc32.unsigned(data);
  if (actual !== entry.crc32) throw refuse(file, `entry "${name}" is damaged: its bytes have CRC-32 ${hex32(actual)}, the archive lists ${hex32(entry.crc32)}`);
  return data;
}

function overFileCap(name: string, limits: PackageLimits, declared?: number): string {
  const size = declared === undefined ? 'inflates to more than' : `is ${declared} bytes, over`;
  return `entry "${name}" ${size} the ${limits.maxFileBytes}-byte cap for one file`;
}

function overTotalCap(limits: PackageLimits): string {
  return `its files inflate to more than the ${limits.maxTotalBytes}-byte cap for a whole package`;
}

const hex32 = (value: number): string => `0x${value.toString(16).padStart(8, '0')}`;

function refuse(file: string, problem: string, cause?: unknown): NdpError {
  return new NdpError('bad_package', `package ${file}: ${problem}`, { path: file, cause });
}
