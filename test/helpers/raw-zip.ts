import { deflateRawSync } from 'node:zlib';
import crc32 from 'buffer-crc32';

/**
 * A hand-built ZIP for tests only: it writes what yazl (rightly) refuses to, such as `../evil`
 * names, symlink entries, duplicate names and headers that lie about sizes. Production code never
 * builds or parses ZIP by hand; it goes through yauzl and yazl.
 */
export interface RawEntry {
  readonly name: string;
  readonly data?: Uint8Array | string;
  /** 0 = stored, 8 = deflate (default); any other number stores the data under that method id. */
  readonly method?: number;
  /** The uncompressed size written in both headers, instead of the true one. */
  readonly declaredSize?: number;
  /** The CRC-32 written in both headers, instead of the data's. */
  readonly declaredCrc?: number;
  /** Unix mode in the high 16 bits of the external attributes, e.g. 0o120777 for a symlink. */
  readonly unixMode?: number;
  /** General purpose flags; bit 11 (UTF-8 names) is always set. */
  readonly flags?: number;
}

const DOS_DATE = ((2024 - 1980) << 9) | (1 << 5) | 1; // 2024-01-01
const DOS_TIME = 12 << 11; // 12:00:00

/** Builds a ZIP archive: local file headers and data, then the central directory and its end record. */
export function rawZip(entries: readonly RawEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const data = Buffer.from(entry.data ?? '');
    const method = entry.method ?? 8;
    const stored = method === 8 ? deflateRawSync(data) : data;
    const name = Buffer.from(entry.name, 'utf8');
    const flags = (entry.flags ?? 0) | 0x800;
    const size = entry.declaredSize ?? data.length;
    const crc = entry.declaredCrc ?? crc32.unsigned(data);

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(stored.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, name, stored);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by Unix, so the mode bits count
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(stored.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(((entry.unixMode ?? 0o100644) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);

    offset += local.length + name.length + stored.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}
