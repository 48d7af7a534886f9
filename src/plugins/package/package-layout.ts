/** What a `.ndp` package may hold, and how big it may get (plugin-system.md, "Package Structure"). */

/** The files a package must have at its root. */
export const REQUIRED_FILES = ['manifest.json', 'plugin.wasm'] as const;

/** The files a package may also have at its root. */
export const OPTIONAL_FILES = ['README.md', 'LICENSE'] as const;

/** The only names a package may hold; anything else is refused rather than ignored (see isPackageFileName). */
export type PackageFileName = (typeof REQUIRED_FILES)[number] | (typeof OPTIONAL_FILES)[number];

export const PACKAGE_FILES: readonly PackageFileName[] = [...REQUIRED_FILES, ...OPTIONAL_FILES];

/**
 * True for one of the four names. Unknown entries are refused, not skipped: a package that
 * carries more than the spec allows was built by something we do not understand, and
 * skipping would let a hostile entry sit unnoticed in a package that "installs fine".
 */
export function isPackageFileName(name: string): name is PackageFileName {
  return (PACKAGE_FILES as readonly string[]).includes(name);
}

/** Caps that hold against the bytes actually decompressed, never the sizes a header claims. */
export interface PackageLimits {
  /** Largest size of one file, decompressed. */
  readonly maxFileBytes: number;
  /** Largest size of all files together, decompressed (the zip-bomb guard). */
  readonly maxTotalBytes: number;
  /** Most entries the central directory may list. */
  readonly maxEntries: number;
}

const MiB = 1024 * 1024;

/**
 * Generous for a plugin (the examples are under 30 KiB) while bounding memory: a package is held
 * in memory from validation to extraction, so what is checked is exactly what is written.
 * 16 entries leave room for the four names and refuse a central directory that lists thousands.
 */
export const DEFAULT_PACKAGE_LIMITS: PackageLimits = Object.freeze({ maxFileBytes: 64 * MiB, maxTotalBytes: 128 * MiB, maxEntries: 16 });

/** The defaults with the caller's overrides. */
export function packageLimits(overrides: Partial<PackageLimits> = {}): PackageLimits {
  return { ...DEFAULT_PACKAGE_LIMITS, ...overrides };
}
